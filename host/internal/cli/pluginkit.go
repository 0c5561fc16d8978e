package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"greenroom.dev/greenroom/host/internal/pack"
	"greenroom.dev/greenroom/host/internal/pluginkit"
)

func runPluginNew(env *Env, args []string) error {
	fs := newFlags(env, "plugin new", "NAME --lang go|rust|c|assemblyscript [--kind backend|card|page] [--dir DIR]")
	lang := fs.String("lang", "", "the plugin's `language`: "+strings.Join(pluginkit.Languages, ", "))
	kind := fs.String("kind", "backend", "what the plugin is: backend (an HTTP route), card (an entity page card) or page (an app page)")
	dir := fs.String("dir", "", "`DIR` to write the project into (default: ./NAME)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *lang == "" {
		fs.Usage()
		return usagef("plugin new needs a NAME and --lang")
	}
	name := fs.Arg(0)
	if *dir == "" {
		*dir = name
	}
	if err := pluginkit.New(*dir, pluginkit.Options{Name: name, Lang: *lang, Kind: *kind}); err != nil {
		return asUsage(err)
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%s, %s); next: cd %s && greenroom plugin build\n", *dir, *lang, *kind, *dir)
	return nil
}

// buildPlugin builds the project in dir and packs its plugin.yaml into dir/<id>.wasm,
// returning that path.
func buildPlugin(ctx context.Context, dir string, log io.Writer) (string, error) {
	raw, err := pluginkit.Build(ctx, dir, log)
	if err != nil {
		return "", err
	}
	man, err := pack.ReadManifest(filepath.Join(dir, "plugin.yaml"))
	if err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	wasm, err := os.ReadFile(raw)
	if err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	packed, err := pack.Pack(wasm, man)
	if err != nil {
		return "", fmt.Errorf("plugin build: %s: %w", raw, err)
	}
	out := filepath.Join(dir, man.ID+".wasm")
	// Write beside and rename, so that a portal watching the file never loads half of it.
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, packed, 0o644); err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("plugin build: %w", err)
	}
	sum := sha256.Sum256(packed)
	fmt.Fprintf(log, "built %s %s@%s (%d bytes, sha256 %s)\n", out, man.ID, man.Version, len(packed), hex.EncodeToString(sum[:]))
	return out, nil
}

func runPluginBuild(env *Env, args []string) error {
	fs := newFlags(env, "plugin build", "[DIR]")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir := "."
	if fs.NArg() > 1 {
		fs.Usage()
		return usagef("plugin build takes at most one directory")
	} else if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	_, err := buildPlugin(context.Background(), dir, env.Stdout)
	return err
}

func runPluginDev(env *Env, args []string) error {
	fs := newFlags(env, "plugin dev", "[--interval 500ms] [DIR]")
	interval := fs.Duration("interval", 500*time.Millisecond, "how often to look for changed sources")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return pluginDev(ctx, dir, *interval, env.Stdout)
}

// pluginDev builds the project in dir, then rebuilds it whenever a source changes,
// until ctx ends. A portal whose config points at the built .wasm reloads it when the
// file changes. A failed build is reported and waits for the next change.
func pluginDev(ctx context.Context, dir string, interval time.Duration, log io.Writer) error {
	if _, err := pluginkit.Detect(dir); err != nil {
		return asUsage(err)
	}
	var last pluginkit.Snapshot
	for {
		snap, err := pluginkit.Sources(dir)
		if err != nil {
			return fmt.Errorf("plugin dev: %w", err)
		}
		if !snap.Equal(last) {
			last = snap
			if _, err := buildPlugin(ctx, dir, log); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				fmt.Fprintf(log, "plugin dev: %v\nplugin dev: waiting for a change\n", err)
			} else {
				fmt.Fprintln(log, "plugin dev: watching for changes")
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
