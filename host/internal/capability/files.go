package capability

import (
	"context"
	"errors"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
)

// The files capability: the plugin's own tree of files in the store, bounded by its
// grant's quota and file size.

func filesRead(s *Services, p *config.Plugin) Call[abi.FilesReadRequest, abi.FilesReadResult] {
	if s.Files == nil {
		return nil
	}
	return func(_ context.Context, r *abi.FilesReadRequest) (abi.FilesReadResult, error) {
		b, mod, err := s.Files.Read(p.ID, r.Path)
		if errors.Is(err, store.ErrFileNotFound) {
			return abi.FilesReadResult{}, nil
		}
		if err != nil {
			return abi.FilesReadResult{}, filesError(err)
		}
		return abi.FilesReadResult{Content: b, Size: int64(len(b)), ModifiedAt: mod.Format(time.RFC3339Nano)}, nil
	}
}

func filesWrite(s *Services, p *config.Plugin) Call[abi.FilesWriteRequest, abi.FilesWriteResult] {
	if s.Files == nil || p.Grants.Files == nil {
		return nil
	}
	lim := store.FileLimits{Quota: int64(p.Grants.Files.Quota), MaxFileSize: int64(p.Grants.Files.MaxFileSize)}
	return func(ctx context.Context, r *abi.FilesWriteRequest) (abi.FilesWriteResult, error) {
		files := make([]store.FileWrite, len(r.Files))
		for i, f := range r.Files {
			content := f.Content
			if f.Block != 0 {
				if f.Content != nil {
					return abi.FilesWriteResult{}, abi.Errorf(abi.CodeInvalidArgument, "files_write: files[%d] (%s) has both content and block; send one", i, f.Path)
				}
				b, ok := runtime.ArenaBlock(ctx, f.Block)
				if !ok {
					return abi.FilesWriteResult{}, abi.Errorf(abi.CodeInvalidArgument, "files_write: files[%d] (%s): block %d is not an active block of this call's arena; fill it with alloc and store (or mem_write) in the same export call, before the call, and do not free it first", i, f.Path, f.Block)
				}
				content = b
			}
			files[i] = store.FileWrite{Path: f.Path, Content: content}
		}
		st, err := s.Files.Write(p.ID, files, r.Replace, lim)
		if err != nil {
			return abi.FilesWriteResult{}, filesError(err)
		}
		return abi.FilesWriteResult{Written: st.Written, Removed: st.Removed, Used: st.Used}, nil
	}
}

func filesList(s *Services, p *config.Plugin) Call[abi.FilesListRequest, abi.FilesListResult] {
	if s.Files == nil {
		return nil
	}
	return func(_ context.Context, r *abi.FilesListRequest) (abi.FilesListResult, error) {
		limit := r.Limit
		if limit <= 0 || limit > 10000 {
			limit = 10000
		}
		st, err := s.Files.List(p.ID, r.Prefix, limit)
		if err != nil {
			return abi.FilesListResult{}, filesError(err)
		}
		res := abi.FilesListResult{Files: make([]abi.FileInfo, len(st))}
		for i, f := range st {
			res.Files[i] = abi.FileInfo{Path: f.Path, Size: f.Size, ModifiedAt: f.ModifiedAt.Format(time.RFC3339Nano)}
		}
		return res, nil
	}
}

func filesDelete(s *Services, p *config.Plugin) Call[abi.FilesDeleteRequest, abi.FilesDeleteResult] {
	if s.Files == nil {
		return nil
	}
	return func(_ context.Context, r *abi.FilesDeleteRequest) (abi.FilesDeleteResult, error) {
		n, err := s.Files.Delete(p.ID, r.Path)
		return abi.FilesDeleteResult{Removed: n}, filesError(err)
	}
}

func filesError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrFileQuota), errors.Is(err, store.ErrFileTooLarge):
		return abi.Errorf(abi.CodeTooLarge, "files: %v; raise grants.files.quota or maxFileSize", err)
	case errors.Is(err, store.ErrFileBadPath):
		return abi.Errorf(abi.CodeInvalidArgument, "files: %v", err)
	case errors.Is(err, store.ErrUnavailable):
		// Only that: the store's error (which may name the database) is in the log.
		return abi.Errorf(abi.CodeUnavailable, "files: the database is unavailable; try again shortly")
	}
	return abi.Errorf(abi.CodeInternal, "files: %v", err)
}

// ReadFile is how the host serves a plugin's file response (abi/SPEC.md 7.2): it reads
// the plugin's own file at path as the plugin's files_read call would, and records it so
// in the audit log and the metrics. ok is false when there is no such file; errors are
// *abi.Error (invalid_argument for a path files_read refuses).
type ReadFile func(ctx context.Context, path string) (content []byte, ok bool, err error)

// FileReader returns p's ReadFile, or nil when the host has no files service.
func (h *Host) FileReader(p *config.Plugin) ReadFile {
	f, _ := h.Lookup("files_read")
	if h.Services.Files == nil || f == nil {
		return nil
	}
	files, log, obs := h.Services.Files, h.Audit, h.Observer
	return func(ctx context.Context, path string) ([]byte, bool, error) {
		start := time.Now()
		b, _, err := files.Read(p.ID, path)
		found := err == nil
		if errors.Is(err, store.ErrFileNotFound) {
			err = nil
		}
		err = filesError(err)
		record(ctx, log, obs, p, f, path, start, err)
		return b, found, err
	}
}
