package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"greenroom.dev/greenroom/host/internal/store"
)

// Files is the plugins' own files in table plugin_files (store.FileStore). Each Write
// is one transaction, as on bbolt.
type Files struct{ db *DB }

var _ store.FileStore = (*Files)(nil)

func filesUsage(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, plugin string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT coalesce(sum(octet_length(path) + octet_length(content)), 0) FROM plugin_files WHERE plugin = $1`, plugin).Scan(&n)
	return n, err
}

// Read implements store.FileStore.
func (f *Files) Read(plugin, path string) ([]byte, time.Time, error) {
	if err := store.CheckFilePath(path); err != nil {
		return nil, time.Time{}, err
	}
	ctx, cancel := f.db.ctx()
	defer cancel()
	var content []byte
	var mod int64
	err := f.db.pool.QueryRow(ctx, `SELECT content, modified_at FROM plugin_files WHERE plugin = $1 AND path = $2`, plugin, []byte(path)).Scan(&content, &mod)
	if isNoRows(err) {
		return nil, time.Time{}, store.ErrFileNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("files %s: read %s: %w", plugin, path, f.db.mark(err))
	}
	if content == nil {
		content = []byte{}
	}
	return content, time.Unix(0, mod).UTC(), nil
}

// Write implements store.FileStore: one transaction; with replace, every file under
// that directory that files does not write is removed in it. A file whose content is
// unchanged is not rewritten and keeps its modification time.
func (f *Files) Write(plugin string, files []store.FileWrite, replace string, lim store.FileLimits) (store.WriteStats, error) {
	var st store.WriteStats
	written := make(map[string]bool, len(files))
	for i, fw := range files {
		if err := store.CheckFilePath(fw.Path); err != nil {
			return st, fmt.Errorf("files[%d]: %w", i, err)
		}
		if lim.MaxFileSize > 0 && int64(len(fw.Content)) > lim.MaxFileSize {
			return st, fmt.Errorf("%w: files[%d] %s is %d bytes, the limit is %d", store.ErrFileTooLarge, i, fw.Path, len(fw.Content), lim.MaxFileSize)
		}
		written[fw.Path] = true
	}
	var dir string
	if replace != "" {
		var err error
		if dir, err = store.CheckDir(replace); err != nil {
			return st, fmt.Errorf("replace: %w", err)
		}
	}
	now := time.Now().UnixNano()
	ctx, cancel := f.db.ctx()
	defer cancel()
	err := f.db.tx(ctx, func(tx pgx.Tx) error {
		if err := lockPlugin(ctx, tx, "files", plugin); err != nil {
			return err
		}
		if dir != "" {
			cond, args := prefixCond("path", []byte(dir), 2)
			rows, err := tx.Query(ctx, `SELECT path FROM plugin_files WHERE plugin = $1 AND `+cond, append([]any{plugin}, args...)...)
			if err != nil {
				return err
			}
			under, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
			if err != nil {
				return err
			}
			var gone [][]byte
			for _, p := range under {
				if !written[string(p)] {
					gone = append(gone, p)
				}
			}
			if len(gone) > 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM plugin_files WHERE plugin = $1 AND path = ANY($2::bytea[])`, plugin, gone); err != nil {
					return err
				}
			}
			st.Removed = len(gone)
		}
		paths := make([][]byte, len(files))
		contents := make([][]byte, len(files))
		for i, fw := range files {
			paths[i] = []byte(fw.Path)
			contents[i] = fw.Content
			if contents[i] == nil {
				contents[i] = []byte{}
			}
		}
		if len(files) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO plugin_files (plugin, path, modified_at, content)
				SELECT $1, p, $2, c FROM unnest($3::bytea[], $4::bytea[]) AS u(p, c)
				ON CONFLICT (plugin, path) DO UPDATE SET modified_at = excluded.modified_at, content = excluded.content
				WHERE plugin_files.content IS DISTINCT FROM excluded.content`,
				plugin, now, paths, contents); err != nil {
				return err
			}
		}
		used, err := filesUsage(ctx, tx, plugin)
		if err != nil {
			return err
		}
		if lim.Quota > 0 && used > lim.Quota {
			// Returning the error rolls the transaction back: nothing changes.
			return fmt.Errorf("%w: plugin %s would use %d of its %d bytes", store.ErrFileQuota, plugin, used, lim.Quota)
		}
		st.Written, st.Used = len(files), used
		return nil
	})
	if err != nil {
		return store.WriteStats{}, f.db.mark(err)
	}
	return st, nil
}

// List implements store.FileStore: up to limit files whose path starts with prefix, in
// byte order.
func (f *Files) List(plugin, prefix string, limit int) ([]store.FileStat, error) {
	if prefix != "" && (!utf8.ValidString(prefix) || len(prefix) > store.MaxFilePath) {
		return nil, fmt.Errorf("%w: prefix %q is not valid UTF-8 of at most %d bytes", store.ErrFileBadPath, prefix, store.MaxFilePath)
	}
	ctx, cancel := f.db.ctx()
	defer cancel()
	cond, args := prefixCond("path", []byte(prefix), 2)
	q := `SELECT path, octet_length(content), modified_at FROM plugin_files WHERE plugin = $1 AND ` + cond + ` ORDER BY path`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := f.db.pool.Query(ctx, q, append([]any{plugin}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("files %s: list: %w", plugin, f.db.mark(err))
	}
	defer rows.Close()
	out := []store.FileStat{}
	for rows.Next() {
		var p []byte
		var size, mod int64
		if err := rows.Scan(&p, &size, &mod); err != nil {
			return nil, fmt.Errorf("files %s: list: %w", plugin, f.db.mark(err))
		}
		out = append(out, store.FileStat{Path: string(p), Size: size, ModifiedAt: time.Unix(0, mod).UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("files %s: list: %w", plugin, f.db.mark(err))
	}
	return out, nil
}

// Delete implements store.FileStore: the file at path and every file under the
// directory path.
func (f *Files) Delete(plugin, path string) (int, error) {
	dir, err := store.CheckDir(path)
	if err != nil {
		return 0, err
	}
	path = strings.TrimSuffix(dir, "/")
	ctx, cancel := f.db.ctx()
	defer cancel()
	cond, args := prefixCond("path", []byte(dir), 3)
	tag, err := f.db.pool.Exec(ctx, `DELETE FROM plugin_files WHERE plugin = $1 AND (path = $2 OR (`+cond+`))`, append([]any{plugin, []byte(path)}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("files %s: delete %s: %w", plugin, path, f.db.mark(err))
	}
	return int(tag.RowsAffected()), nil
}

// Usage implements store.FileStore.
func (f *Files) Usage(plugin string) (int64, error) {
	ctx, cancel := f.db.ctx()
	defer cancel()
	n, err := filesUsage(ctx, f.db.pool, plugin)
	if err != nil {
		return 0, fmt.Errorf("files %s: usage: %w", plugin, f.db.mark(err))
	}
	return n, nil
}
