//! The plugin's own files (capability `files`, abi/SPEC.md section 3.3): one tree per
//! plugin, kept by the host in its store, surviving restarts, under the operator's quota
//! (`grants.files.quota`) and file size limit (`grants.files.maxFileSize`). Paths are
//! relative and slash-separated, without empty, `.` or `..` segments.

use crate::host::{decode_envelope, malformed};
use crate::ffi::host_call;
use crate::json::Value;
use crate::{base64, code, Error, Result};

/// One file to write with [`files::write`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileContent {
    pub path: String,
    pub content: Vec<u8>,
}

impl FileContent {
    pub fn new(path: &str, content: impl Into<Vec<u8>>) -> FileContent {
        FileContent { path: path.into(), content: content.into() }
    }
}

/// What `files_read` answers: content None when there is no such file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileRead {
    pub content: Option<Vec<u8>>,
    pub size: i64,
    /// When it was written (RFC 3339, UTC).
    pub modified_at: String,
}

/// A stored file, as `files_list` describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileInfo {
    pub path: String,
    pub size: i64,
    /// When it was written (RFC 3339, UTC).
    pub modified_at: String,
}

/// The request `files_write` sends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilesWrite {
    pub files: Vec<FileContent>,
    /// A directory whose files that `files` does not name are removed in the same step.
    pub replace: String,
}

/// What a `files_write` did: files written and removed, and the bytes the plugin's
/// files now use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilesWritten {
    pub written: i64,
    pub removed: i64,
    pub used: i64,
}

fn int(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn content(name: &str, s: &str) -> Result<Vec<u8>> {
    base64::decode(s).map_err(|e| Error::new(code::INTERNAL, format!("{}: content: {}", name, e)))
}

impl FileRead {
    pub fn from_value(v: &Value) -> Result<FileRead> {
        let content = match v.get("content") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(content("files_read", s)?),
            Some(_) => return Err(malformed("files_read", v)),
        };
        Ok(FileRead { content, size: int(v, "size"), modified_at: v.str_of("modifiedAt").into() })
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(vec![("content", self.content.as_ref().map(|c| base64::encode(c)).into())]);
        if self.size != 0 {
            v.insert("size", self.size.into());
        }
        if !self.modified_at.is_empty() {
            v.insert("modifiedAt", self.modified_at.as_str().into());
        }
        v
    }
}

impl FileInfo {
    pub fn from_value(v: &Value) -> FileInfo {
        FileInfo { path: v.str_of("path").into(), size: int(v, "size"), modified_at: v.str_of("modifiedAt").into() }
    }

    pub fn to_value(&self) -> Value {
        Value::obj(vec![("path", self.path.as_str().into()), ("size", self.size.into()), ("modifiedAt", self.modified_at.as_str().into())])
    }
}

impl FilesWrite {
    pub fn to_value(&self) -> Value {
        let files = self.files.iter().map(|f| Value::obj(vec![("path", f.path.as_str().into()), ("content", base64::encode(&f.content).into())])).collect();
        let mut v = Value::obj(vec![("files", Value::Array(files))]);
        if !self.replace.is_empty() {
            v.insert("replace", self.replace.as_str().into());
        }
        v
    }

    pub fn from_value(v: &Value) -> Result<FilesWrite> {
        let mut files = Vec::new();
        for f in v.get("files").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or(&[]) {
            files.push(FileContent { path: f.str_of("path").into(), content: content("files_write", f.str_of("content"))? });
        }
        Ok(FilesWrite { files, replace: v.str_of("replace").into() })
    }
}

impl FilesWritten {
    pub fn from_value(v: &Value) -> FilesWritten {
        FilesWritten { written: int(v, "written"), removed: int(v, "removed"), used: int(v, "used") }
    }

    pub fn to_value(&self) -> Value {
        Value::obj(vec![("written", self.written.into()), ("removed", self.removed.into()), ("used", self.used.into())])
    }
}

/// The size from which `Files::write` hands a file's bytes to the host as an arena block
/// (SPEC.md 3.3) instead of base64 in the request: one bulk copy instead of encoding 4/3
/// of the bytes here and decoding them again in the host. Below it, the host call that
/// copies the block costs more than the base64.
pub const BLOCK_MIN: usize = 1024;

/// The `files_write` request, written directly (a built site is megabytes): a file of at
/// least BLOCK_MIN bytes is `"block": handle` when block gives it a handle (non-zero),
/// else base64 `content`. Returns the request and the handles, which the caller frees
/// after the call. With a block that answers 0 it is `FilesWrite::to_value`'s JSON.
pub fn files_write_request(files: &[FileContent], replace: &str, block: &dyn Fn(&[u8]) -> u64) -> (String, Vec<u64>) {
    let mut n = 32 + 2 * replace.len();
    for f in files {
        n += 32 + 2 * f.path.len();
        if f.content.len() < BLOCK_MIN {
            n += (f.content.len() + 2) / 3 * 4;
        }
    }
    let mut out = String::with_capacity(n);
    let mut blocks = Vec::new();
    out.push_str("{\"files\":[");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"path\":");
        crate::json::write_string(&mut out, &f.path);
        let h = if f.content.len() >= BLOCK_MIN { block(&f.content) } else { 0 };
        if h != 0 {
            blocks.push(h);
            out.push_str(",\"block\":");
            out.push_str(&h.to_string());
        } else {
            out.push_str(",\"content\":\"");
            out.push_str(&base64::encode(&f.content));
            out.push('"');
        }
        out.push('}');
    }
    out.push(']');
    if !replace.is_empty() {
        out.push_str(",\"replace\":");
        crate::json::write_string(&mut out, replace);
    }
    out.push('}');
    (out, blocks)
}

/// The request of `files_list`.
pub fn files_list_request(prefix: &str, limit: u32) -> Value {
    let mut v = Value::obj(vec![("prefix", prefix.into())]);
    if limit > 0 {
        v.insert("limit", limit.into());
    }
    v
}

/// The plugin's own files (capability `files`).
pub mod files {
    use super::*;

    /// The content of the file at path, None when there is none.
    pub fn read(path: &str) -> Result<Option<Vec<u8>>> {
        Ok(stat(path)?.content)
    }

    /// The file at path with its size and time of writing; content None when absent.
    pub fn stat(path: &str) -> Result<FileRead> {
        let req = Value::obj(vec![("path", path.into())]).to_json();
        FileRead::from_value(&decode_envelope("files_read", host_call!(files_read, FilesRead, req.as_bytes()))?)
    }

    /// Writes files in one atomic step: a reader sees all of them or none. With replace
    /// (a directory, or ""), the files under it that files does not name are removed in
    /// the same step, so the directory is replaced whole. Over the quota, or with a file
    /// over the size limit, it fails with `too_large` and changes nothing.
    pub fn write(files: Vec<FileContent>, replace: &str) -> Result<FilesWritten> {
        let (req, blocks) = files_write_request(&files, replace, &crate::ffi::block);
        let res = host_call!(files_write, FilesWrite, req.as_bytes());
        for h in blocks {
            crate::ffi::free_block(h);
        }
        Ok(FilesWritten::from_value(&decode_envelope("files_write", res)?))
    }

    /// The files whose path starts with prefix (end it with "/" for a directory), in
    /// byte order, at most limit of them (0: the host's default).
    pub fn list(prefix: &str, limit: u32) -> Result<Vec<FileInfo>> {
        let req = files_list_request(prefix, limit).to_json();
        let r = decode_envelope("files_list", host_call!(files_list, FilesList, req.as_bytes()))?;
        match r.get("files") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.iter().map(FileInfo::from_value).collect()),
            Some(_) => Err(malformed("files_list", &r)),
        }
    }

    /// Removes the file at path and every file under the directory path; answers how
    /// many it removed.
    pub fn delete(path: &str) -> Result<i64> {
        let req = Value::obj(vec![("path", path.into())]).to_json();
        let r = decode_envelope("files_delete", host_call!(files_delete, FilesDelete, req.as_bytes()))?;
        Ok(int(&r, "removed"))
    }
}
