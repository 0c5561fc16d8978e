package scaffolder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/urlreader"
)

// errOutside is Backstage's message for a path that leaves its directory.
const errOutside = "Relative path is not allowed to refer to a directory outside its parent"

// safeRel cleans a path a template gives (targetPath, a skeleton file's rendered name,
// fs:delete's files) and refuses one that is absolute or leaves the workspace.
func safeRel(p string) (string, error) {
	if p == "" {
		return ".", nil
	}
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return "", fmt.Errorf("%s: %q is absolute; give a path inside the workspace", errOutside, p)
	}
	c := path.Clean(strings.ReplaceAll(p, `\`, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%s: %q leaves the workspace", errOutside, p)
	}
	return c, nil
}

// srcFile is one file a fetch brings into the workspace.
type srcFile struct {
	Path       string
	Content    []byte
	Executable bool
}

// source reads a template's files: its skeletons and the files fetch actions name.
type source struct {
	// base is the template's location: a directory on disk (dir) or a URL (base).
	dir  string
	base *url.URL
	// mem holds a dry-run's template files (path -> content), in place of dir.
	mem  map[string][]byte
	urls urlreader.Reader
	lim  Limits
}

// resolve turns a fetch action's url into a local directory path (relative to s.dir)
// or an absolute URL.
func (s *source) resolve(raw string) (local string, abs string, err error) {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Scheme != "file" {
		return "", raw, nil
	}
	if s.dir != "" || s.mem != nil {
		rel, err := safeRel(raw)
		if err != nil {
			return "", "", fmt.Errorf("url %q: %w", raw, err)
		}
		return rel, "", nil
	}
	if s.base == nil {
		return "", "", fmt.Errorf("url %q is relative, and the template has no location to resolve it against; give an absolute URL", raw)
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("url %q: %w", raw, err)
	}
	return "", s.base.ResolveReference(ref).String(), nil
}

// tree reads every file below raw.
func (s *source) tree(ctx context.Context, raw string) ([]srcFile, error) {
	local, abs, err := s.resolve(raw)
	if err != nil {
		return nil, err
	}
	if abs != "" {
		if s.urls == nil {
			return nil, fmt.Errorf("reading %s: no URL reader is configured", abs)
		}
		n := 0
		resp, err := s.urls.ReadTree(ctx, abs, urlreader.ReadTreeOptions{Filter: func(p string, size int64) bool { n++; return true }})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", abs, err)
		}
		if len(resp.Files) > s.lim.Files {
			return nil, fmt.Errorf("reading %s: %d files, over scaffolder.limits.files (%d)", abs, len(resp.Files), s.lim.Files)
		}
		out := make([]srcFile, 0, len(resp.Files))
		for _, f := range resp.Files {
			if int64(len(f.Content)) > int64(s.lim.FileSize) {
				return nil, fmt.Errorf("reading %s: %s is %d bytes, over scaffolder.limits.fileSize (%d)", abs, f.Path, len(f.Content), s.lim.FileSize)
			}
			out = append(out, srcFile{Path: f.Path, Content: f.Content})
		}
		return out, nil
	}
	if s.mem != nil {
		return s.memTree(raw, local)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", raw, err)
	}
	defer root.Close()
	var out []srcFile
	var total int64
	err = fs.WalkDir(root.FS(), local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s does not exist in the template's directory", raw)
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link; a skeleton may hold only files and directories", p)
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		if len(out) >= s.lim.Files {
			return fmt.Errorf("%s has over %d files (scaffolder.limits.files)", raw, s.lim.Files)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > int64(s.lim.FileSize) {
			return fmt.Errorf("%s is %d bytes, over scaffolder.limits.fileSize (%d)", p, info.Size(), s.lim.FileSize)
		}
		total += info.Size()
		b, err := fs.ReadFile(root.FS(), p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, local), "/")
		if local == "." {
			rel = p
		}
		out = append(out, srcFile{Path: rel, Content: b, Executable: info.Mode()&0o111 != 0})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", raw, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// memTree is tree over a dry-run's files.
func (s *source) memTree(raw, local string) ([]srcFile, error) {
	prefix := local + "/"
	if local == "." {
		prefix = ""
	}
	var out []srcFile
	for p, b := range s.mem {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		if len(out) >= s.lim.Files {
			return nil, fmt.Errorf("fetching %s: %s has over %d files (scaffolder.limits.files)", raw, raw, s.lim.Files)
		}
		if int64(len(b)) > int64(s.lim.FileSize) {
			return nil, fmt.Errorf("fetching %s: %s is %d bytes, over scaffolder.limits.fileSize (%d)", raw, p, len(b), s.lim.FileSize)
		}
		out = append(out, srcFile{Path: strings.TrimPrefix(p, prefix), Content: b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("fetching %s: %s does not exist in the template's directory", raw, raw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// file reads one file.
func (s *source) file(ctx context.Context, raw string) (srcFile, error) {
	local, abs, err := s.resolve(raw)
	if err != nil {
		return srcFile{}, err
	}
	if abs != "" {
		if s.urls == nil {
			return srcFile{}, fmt.Errorf("reading %s: no URL reader is configured", abs)
		}
		resp, err := s.urls.ReadURL(ctx, abs, urlreader.ReadURLOptions{MaxBytes: int64(s.lim.FileSize)})
		if err != nil {
			return srcFile{}, fmt.Errorf("reading %s: %w", abs, err)
		}
		return srcFile{Path: path.Base(abs), Content: resp.Content}, nil
	}
	if s.mem != nil {
		b, ok := s.mem[local]
		if !ok {
			return srcFile{}, fmt.Errorf("fetching %s: %s does not exist in the template's directory", raw, local)
		}
		if int64(len(b)) > int64(s.lim.FileSize) {
			return srcFile{}, fmt.Errorf("fetching %s: %d bytes, over scaffolder.limits.fileSize (%d)", raw, len(b), s.lim.FileSize)
		}
		return srcFile{Path: path.Base(local), Content: b}, nil
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return srcFile{}, err
	}
	defer root.Close()
	info, err := root.Lstat(local)
	if err != nil {
		return srcFile{}, fmt.Errorf("fetching %s: %w", raw, err)
	}
	if info.Mode()&fs.ModeSymlink != 0 || !info.Mode().IsRegular() {
		return srcFile{}, fmt.Errorf("fetching %s: not a regular file", raw)
	}
	if info.Size() > int64(s.lim.FileSize) {
		return srcFile{}, fmt.Errorf("fetching %s: %d bytes, over scaffolder.limits.fileSize (%d)", raw, info.Size(), s.lim.FileSize)
	}
	b, err := fs.ReadFile(root.FS(), local)
	if err != nil {
		return srcFile{}, err
	}
	return srcFile{Path: path.Base(local), Content: b, Executable: info.Mode()&0o111 != 0}, nil
}

// workspace is a task's directory. Every path an action gives goes through safeRel
// and then os.Root, so neither `..`, an absolute path nor a symbolic link leads out.
type workspace struct {
	dir  string
	root *os.Root
	// made are the directories write created, so that writing many files into one
	// directory makes it once.
	made map[string]bool
}

func openWorkspace(dir string) (*workspace, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &workspace{dir: dir, root: r, made: map[string]bool{}}, nil
}

func (w *workspace) Close() error { return w.root.Close() }

// forget drops what write knows of the directories, after a delete or a rename.
func (w *workspace) forget() { w.made = map[string]bool{} }

func (w *workspace) write(rel string, data []byte, executable bool) error {
	rel, err := safeRel(rel)
	if err != nil {
		return err
	}
	if d := path.Dir(rel); d != "." && !w.made[d] {
		if err := w.root.MkdirAll(d, 0o755); err != nil {
			return err
		}
		w.made[d] = true
	}
	mode := os.FileMode(0o644)
	if executable {
		mode = 0o755
	}
	return w.root.WriteFile(rel, data, mode)
}

func (w *workspace) exists(rel string) bool {
	_, err := w.root.Lstat(rel)
	return err == nil
}

// files lists every file of the workspace below rel, with the paths relative to rel.
func (w *workspace) files(rel string) ([]srcFile, error) {
	var out []srcFile
	err := fs.WalkDir(w.root.FS(), rel, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(w.root.FS(), p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		r := p
		if rel != "." {
			r = strings.TrimPrefix(p, rel+"/")
		}
		out = append(out, srcFile{Path: r, Content: b, Executable: info != nil && info.Mode()&0o111 != 0})
		return nil
	})
	return out, err
}

// TaskWorkspace is a task's workspace as an action plugin reaches it, through the
// workspace capability's host functions during a gr_action call.
type TaskWorkspace interface {
	Read(path string) ([]byte, error)
	Write(path string, content []byte, executable bool) error
	List(path string) ([]string, error)
}

type workspaceKey struct{}

// WorkspaceFrom is the workspace of the action call running under ctx, if any.
func WorkspaceFrom(ctx context.Context) (TaskWorkspace, bool) {
	w, ok := ctx.Value(workspaceKey{}).(TaskWorkspace)
	return w, ok
}

func withWorkspace(ctx context.Context, w TaskWorkspace) context.Context {
	return context.WithValue(ctx, workspaceKey{}, w)
}

// pluginWorkspace is the workspace a plugin's action gets: every path through safeRel
// and the workspace's os.Root, files no larger than scaffolder.limits.fileSize.
type pluginWorkspace struct {
	ws  *workspace
	lim Limits
}

func (p pluginWorkspace) Read(path string) ([]byte, error) {
	rel, err := safeRel(path)
	if err != nil {
		return nil, err
	}
	info, err := p.ws.root.Lstat(rel)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > int64(p.lim.FileSize) {
		return nil, fmt.Errorf("%s is %d bytes, over scaffolder.limits.fileSize (%d)", path, info.Size(), p.lim.FileSize)
	}
	return fs.ReadFile(p.ws.root.FS(), rel)
}

func (p pluginWorkspace) Write(path string, content []byte, executable bool) error {
	if int64(len(content)) > int64(p.lim.FileSize) {
		return fmt.Errorf("%s: %d bytes, over scaffolder.limits.fileSize (%d)", path, len(content), p.lim.FileSize)
	}
	return p.ws.write(path, content, executable)
}

func (p pluginWorkspace) List(path string) ([]string, error) {
	rel, err := safeRel(path)
	if err != nil {
		return nil, err
	}
	files, err := p.ws.files(rel)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		if rel == "." {
			out = append(out, f.Path)
		} else {
			out = append(out, rel+"/"+f.Path)
		}
	}
	if len(out) > p.lim.Files {
		out = out[:p.lim.Files]
	}
	return out, nil
}
