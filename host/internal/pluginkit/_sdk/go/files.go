package greenroom

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// FileStore is the plugin's own files (capability files): one tree per plugin, kept by
// the host in its store, surviving restarts, under the operator's quota
// (grants.files.quota) and file size limit (grants.files.maxFileSize). Paths are
// relative and slash-separated, without empty, "." or ".." segments.
type FileStore struct{}

// Files is the plugin's own files.
var Files FileStore

// FileContent is one file to write.
type FileContent struct {
	Path    string `json:"path"`
	Content []byte `json:"content"`
}

// FileInfo describes a stored file.
type FileInfo struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// ModifiedAt is when it was written (RFC 3339, UTC).
	ModifiedAt string `json:"modifiedAt"`
}

// FilesWriteResult says what a write did.
type FilesWriteResult struct {
	Written int   `json:"written"`
	Removed int   `json:"removed"`
	Used    int64 `json:"used"`
}

type filesPathRequest struct {
	Path string `json:"path"`
}

type filesReadResult struct {
	Content    []byte `json:"content"`
	Size       int64  `json:"size,omitempty"`
	ModifiedAt string `json:"modifiedAt,omitempty"`
}

type filesWriteRequest struct {
	Files   []FileContent `json:"files"`
	Replace string        `json:"replace,omitempty"`
}

// filesWireRequest is a files_write request as the host reads it: a file's bytes are
// its content, or the arena block (SPEC.md 3.3) that appendJSON names in its place.
type filesWireRequest struct {
	Files   []fileWire `json:"files"`
	Replace string     `json:"replace,omitempty"`
}

type fileWire struct {
	Path    string `json:"path"`
	Content []byte `json:"content,omitempty"`
	Block   uint64 `json:"block,omitempty"`
}

type filesListRequest struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit,omitempty"`
}

type filesListResult struct {
	Files []FileInfo `json:"files"`
}

type filesDeleteResult struct {
	Removed int `json:"removed"`
}

// Read returns the content of the file at path and whether it exists.
func (FileStore) Read(path string) ([]byte, bool, error) {
	req, err := json.Marshal(filesPathRequest{Path: path})
	if err != nil {
		return nil, false, Errorf(CodeInvalidArgument, "files_read: encoding the request: %v", err)
	}
	resp := current.invoke(fnFilesRead, req)
	if content, ok := readContent(resp); ok {
		return content, true, nil
	}
	var res filesReadResult
	if err := decodeEnvelope(fnFilesRead, resp, &res); err != nil {
		return nil, false, err
	}
	return res.Content, res.Content != nil, nil
}

// readContent decodes files_read's usual result, {"result":{"content":"<base64>",...}},
// without encoding/json, which inside WebAssembly costs about a millisecond for a
// 50 KB file; ok is false for any other shape, which the caller decodes in full.
func readContent(resp []byte) (content []byte, ok bool) {
	const prefix = `{"result":{"content":"`
	if !bytes.HasPrefix(resp, []byte(prefix)) {
		return nil, false
	}
	enc := resp[len(prefix):]
	end := bytes.IndexByte(enc, '"')
	if end < 0 || bytes.IndexByte(enc[:end], '\\') >= 0 {
		return nil, false
	}
	enc = enc[:end]
	out := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	n, err := base64.StdEncoding.Decode(out, enc)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// Write writes files in one atomic step: a reader sees all of them or none. With
// replace (a directory), the files under it that files does not name are removed in
// the same step, so the directory is replaced whole. Over the quota, or with a file
// over the size limit, it fails with CodeTooLarge and changes nothing.
func (FileStore) Write(files []FileContent, replace string) (*FilesWriteResult, error) {
	if files == nil {
		files = []FileContent{}
	}
	var res FilesWriteResult
	req := filesWriteRequest{Files: files, Replace: replace}
	msg, blocks := req.appendJSON(current.block)
	resp := current.invoke(fnFilesWrite, msg)
	for _, h := range blocks {
		current.free(h)
	}
	if err := decodeEnvelope(fnFilesWrite, resp, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// blockMin is the size from which Write hands a file's bytes to the host as an arena
// block (SPEC.md 3.3) instead of base64 in the request: one bulk copy instead of
// encoding 4/3 of the bytes here and decoding them again in the host. Below it, the
// host call that copies the block costs more than the base64.
const blockMin = 1024

// appendJSON is the request, into one buffer sized up front (escaped paths aside): a
// built site is megabytes, and encoding/json grows its buffer by doubling and copies it
// out at the end. block, when it returns a handle, takes a file's bytes into an arena
// block that the request names instead of its content; appendJSON returns the handles,
// which the caller frees after the call. With a block that returns 0 (or nil) the
// request is what encoding/json writes.
func (r *filesWriteRequest) appendJSON(block func([]byte) uint64) ([]byte, []uint64) {
	n := len(`{"files":[],"replace":""}`) + 2*len(r.Replace)
	for _, f := range r.Files {
		n += len(`{"path":"","content":""},`) + 2*len(f.Path)
		if block == nil || len(f.Content) < blockMin {
			n += base64.StdEncoding.EncodedLen(len(f.Content))
		}
	}
	var blocks []uint64
	b := make([]byte, 0, n)
	b = append(b, `{"files":[`...)
	for i, f := range r.Files {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"path":`...)
		b = appendString(b, f.Path)
		if block != nil && len(f.Content) >= blockMin {
			if h := block(f.Content); h != 0 {
				blocks = append(blocks, h)
				b = append(b, `,"block":`...)
				b = strconv.AppendUint(b, h, 10)
				b = append(b, '}')
				continue
			}
		}
		b = append(b, `,"content":`...)
		if f.Content == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, f.Content)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	if r.Replace != "" {
		b = append(b, `,"replace":`...)
		b = appendString(b, r.Replace)
	}
	return append(b, '}'), blocks
}

// List returns the files whose path starts with prefix (end it with "/" for a
// directory), in byte order, at most limit of them (0 means the host's default).
func (FileStore) List(prefix string, limit int) ([]FileInfo, error) {
	if limit < 0 {
		return nil, Errorf(CodeInvalidArgument, "files list: limit %d is negative", limit)
	}
	var res filesListResult
	if err := call(fnFilesList, filesListRequest{Prefix: prefix, Limit: limit}, &res); err != nil {
		return nil, err
	}
	return res.Files, nil
}

// Delete removes the file at path and every file under the directory path, and
// returns how many it removed.
func (FileStore) Delete(path string) (int, error) {
	var res filesDeleteResult
	if err := call(fnFilesDelete, filesPathRequest{Path: path}, &res); err != nil {
		return 0, err
	}
	return res.Removed, nil
}
