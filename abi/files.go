package abi

// The files capability: plugin-owned files (SPEC.md section 3.3). Paths are relative,
// slash-separated, without empty, "." or ".." segments.

// FilesReadRequest is files_read's request.
type FilesReadRequest struct {
	Path string `json:"path"`
}

// FilesReadResult is files_read's result; Content is nil when there is no such file.
type FilesReadResult struct {
	Content []byte `json:"content"`
	// Size is the file's size in bytes.
	Size int64 `json:"size,omitempty"`
	// ModifiedAt is when the file's content last changed (RFC 3339, UTC).
	ModifiedAt string `json:"modifiedAt,omitempty"`
}

// FileContent is one file of files_write: its bytes in Content, or in the arena block
// whose handle is Block (SPEC.md section 3.3), which spares a large file the base64
// round trip; at most one of them. Neither is an empty file.
type FileContent struct {
	Path    string `json:"path"`
	Content []byte `json:"content,omitempty"`
	Block   int64  `json:"block,omitempty"`
}

// FilesWriteRequest is files_write's request: the files, written in one atomic step
// (a reader sees all of them or none). Replace, when set, is a directory whose files
// are all removed in the same step, so that a directory is replaced whole.
type FilesWriteRequest struct {
	Files   []FileContent `json:"files"`
	Replace string        `json:"replace,omitempty"`
}

// FilesWriteResult is files_write's result.
type FilesWriteResult struct {
	// Written counts the files written; Removed the files of Replace that are gone.
	Written int `json:"written"`
	Removed int `json:"removed"`
	// Used is the plugin's total bytes after the write (paths plus contents).
	Used int64 `json:"used"`
}

// FilesListRequest is files_list's request: the files whose path starts with Prefix.
type FilesListRequest struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit,omitempty"`
}

// FileInfo is one file of files_list.
type FileInfo struct {
	Path       string `json:"path"`
	Size       int64  `json:"size"`
	ModifiedAt string `json:"modifiedAt"`
}

// FilesListResult is files_list's result, in path order.
type FilesListResult struct {
	Files []FileInfo `json:"files"`
}

// FilesDeleteRequest is files_delete's request: the file at Path and every file under
// the directory Path.
type FilesDeleteRequest struct {
	Path string `json:"path"`
}

// FilesDeleteResult is files_delete's result.
type FilesDeleteResult struct {
	Removed int `json:"removed"`
}
