package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// migrateChunk is how many records one write of the copy carries.
const migrateChunk = 1000

// openCopyable opens a store named bbolt:PATH or pg:URL for greenroom store migrate;
// a bbolt source must exist (opening would create it empty).
func openCopyable(ctx context.Context, spec, flag string, source bool) (store.Copyable, func() error, error) {
	kind, arg, ok := strings.Cut(spec, ":")
	switch {
	case !ok || arg == "":
		return nil, nil, usagef("--%s %q: write bbolt:PATH or pg:postgres://user:password@host:port/database", flag, spec)
	case kind == "bbolt":
		if _, err := os.Stat(arg); source && err != nil {
			return nil, nil, fmt.Errorf("--%s: %w", flag, err)
		}
		f, err := store.OpenFile(arg)
		if err != nil {
			return nil, nil, fmt.Errorf("--%s: %w", flag, err)
		}
		return f, f.Close, nil
	case kind == "pg":
		db, err := pgstore.Open(ctx, arg)
		if err != nil {
			return nil, nil, fmt.Errorf("--%s: %w", flag, err)
		}
		return db, db.Close, nil
	}
	return nil, nil, usagef("--%s %q: the store kind is bbolt or pg", flag, spec)
}

func runStoreMigrate(env *Env, args []string) error {
	fs := newFlags(env, "store migrate", "--from bbolt:data/greenroom.db --to pg:postgres://user:password@host:5432/greenroom")
	from := fs.String("from", "", "the `STORE` to copy: bbolt:PATH or pg:URL")
	to := fs.String("to", "", "the empty `STORE` to copy into: pg:URL or bbolt:PATH")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return usagef("store migrate needs --from and --to, and no other arguments")
	}
	ctx := context.Background()
	src, closeSrc, err := openCopyable(ctx, *from, "from", true)
	if err != nil {
		return err
	}
	defer closeSrc()
	dst, closeDst, err := openCopyable(ctx, *to, "to", false)
	if err != nil {
		return err
	}
	defer closeDst()
	if empty, err := dst.Empty(ctx); err != nil {
		return fmt.Errorf("store migrate: --to: %w", err)
	} else if !empty {
		return fmt.Errorf("store migrate: --to already holds data; copy into an empty database or file, so that nothing in it is overwritten")
	}
	return migrateStore(ctx, env.Stdout, src, dst)
}

// migrateStore copies every record of src into dst, then reads dst back and compares
// counts and checksums per area, printing both.
func migrateStore(ctx context.Context, out io.Writer, src, dst store.Copyable) error {
	copied := store.NewTally()
	var chunk []store.Record
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := dst.PutRecords(ctx, chunk)
		chunk = nil
		return err
	}
	err := src.Records(ctx, func(r store.Record) error {
		copied.Add(r)
		chunk = append(chunk, store.Record{Area: r.Area, Space: r.Space, Key: append([]byte(nil), r.Key...), Value: append([]byte(nil), r.Value...)})
		if len(chunk) >= migrateChunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("store migrate: copy: %w", err)
	}
	read := store.NewTally()
	if err := dst.Records(ctx, func(r store.Record) error { read.Add(r); return nil }); err != nil {
		return fmt.Errorf("store migrate: read back: %w", err)
	}
	fmt.Fprintf(out, "%-8s %10s %10s  %-64s  %s\n", "area", "from", "to", "sha256", "")
	bad := 0
	for _, a := range store.Areas {
		verdict := "ok"
		if copied.Count[a] != read.Count[a] || copied.Sum(a) != read.Sum(a) {
			verdict = "MISMATCH (to: " + read.Sum(a) + ")"
			bad++
		}
		fmt.Fprintf(out, "%-8s %10d %10d  %s  %s\n", a, copied.Count[a], read.Count[a], copied.Sum(a), verdict)
	}
	if bad > 0 {
		return fmt.Errorf("store migrate: %d area%s differ after the copy; the source is unchanged", bad, plural(bad, "", "s"))
	}
	fmt.Fprintln(out, "copied and verified")
	return nil
}
