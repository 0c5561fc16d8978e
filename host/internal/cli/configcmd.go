package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/integrations"
)

// runConfigSchema is `greenroom config schema [--config FILE ...]`: the JSON Schema of
// app-config.yaml (docs/app-config.schema.json). With config files, each configured
// plugin's config schema (its manifest's configSchema) applies to its entry's config:.
func runConfigSchema(env *Env, args []string) error {
	fs := newFlags(env, "config schema", "[--config app-config.yaml ...]")
	files := fs.StringArrayP("config", "c", nil, "add the config schemas of the plugins of this config `FILE` (repeat for overlays)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usagef("config schema takes no arguments; give config files with --config")
	}
	var plugins []config.PluginSchema
	if len(*files) > 0 {
		cfg, err := config.Load(*files, env.Getenv)
		if err != nil {
			return asUsage(err)
		}
		var unread []error
		plugins, unread = pluginSchemas(context.Background(), cfg)
		for _, err := range unread {
			fmt.Fprintf(env.Stderr, "greenroom: config schema: %v; the schema leaves its config: open\n", err)
		}
	}
	b, err := config.Schema(plugins...)
	if err != nil {
		return asUsage(err)
	}
	_, err = env.Stdout.Write(b)
	return err
}

// pluginSchemas reads the manifests of cfg's plugins (enabled or not, as an editor
// edits both) and returns the config schemas they declare, and why a plugin could not be
// read.
func pluginSchemas(ctx context.Context, cfg *config.Config) ([]config.PluginSchema, []error) {
	readers, err := integrations.NewReaders(cfg.Backend.Reading, cfg.Integrations, urlreader.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, []error{err}
	}
	var out []config.PluginSchema
	var errs []error
	for i := range cfg.Plugins {
		entry := &cfg.Plugins[i]
		_, _, _, _, man, err := plugin.ReadSource(ctx, readers, cfg.Dir(), entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("plugin %s (%s at %s:%d): %w", entry.ID, entry.Path(), entry.File, entry.Line, err))
			continue
		}
		if len(man.ConfigSchema) > 0 {
			out = append(out, config.PluginSchema{ID: entry.ID, Schema: man.ConfigSchema})
		}
	}
	return out, errs
}

// runConfigValidate is `greenroom config validate FILE...`: the files, as overlays in
// order (like serve's --config), are checked as start-up checks them before it starts
// anything (validateConfig). It prints ok, or every problem; exit 2 on any.
func runConfigValidate(env *Env, args []string) error {
	fs := newFlags(env, "config validate", "FILE...")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usagef("config validate needs at least one config file")
	}
	files := fs.Args()
	cfg, problems := validateConfig(context.Background(), files, env.Getenv)
	if cfg != nil {
		for _, w := range cfg.Warnings() {
			fmt.Fprintln(env.Stdout, "warning:", w)
		}
	}
	if len(problems) == 0 {
		fmt.Fprintln(env.Stdout, "ok")
		return nil
	}
	n := 0
	for _, p := range problems {
		for _, line := range strings.Split(p.Error(), "\n") {
			fmt.Fprintln(env.Stdout, line)
			n++
		}
	}
	return usagef("config validate: %d problem%s in %s", n, plural(n, "", "s"), strings.Join(files, " + "))
}

// validateConfig runs what start-up runs before it starts a part, and reports every
// problem with the message start-up gives: config.Load (every section's decoding and
// validation); then, when the config loads, the URL readers' settings (which read
// plugin sources given as URLs), the loader's checks of every enabled plugin
// (plugin.CheckAll: the file, its pin and signature, its manifest, imports against
// grants, its config against the manifest's schema), the extensions the manifests
// declare, and, when every plugin passes, the permission policy with the permissions
// the plugins declare. Nothing runs: no module is instantiated, nothing is listened on,
// no store is opened. What start-up alone finds is what needs the parts running: a port
// in use, the store's file, the app's extension tree (its factories are plugin calls).
func validateConfig(ctx context.Context, files []string, env config.Lookup) (*config.Config, []error) {
	cfg, err := config.Load(files, env)
	if err != nil {
		var es config.Errors
		if errors.As(err, &es) {
			out := make([]error, len(es))
			for i, e := range es {
				out[i] = e
			}
			return nil, out
		}
		return nil, []error{err}
	}
	quiet := slog.New(slog.DiscardHandler)
	readers, err := integrations.NewReaders(cfg.Backend.Reading, cfg.Integrations, urlreader.Options{Logger: quiet})
	if err != nil {
		return cfg, []error{err}
	}
	plugins, problems := plugin.CheckAll(ctx, plugin.Deps{URLs: readers, Logger: quiet}, cfg)
	for _, p := range plugins {
		if _, err := pluginExtensions(p); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) == 0 {
		if _, err := permission.Load(cfg.Permission, cfg.Dir(), pluginPermissions(plugins)...); err != nil {
			problems = append(problems, err)
		}
	}
	return cfg, problems
}
