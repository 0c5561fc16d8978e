//! The module's imports (abi/SPEC.md sections 2 and 3) and the copies through them. In a
//! native build (`rustc --test`) the same functions run against the test host in
//! `testing`, so a plugin's handlers, and the messages they send, are tested without
//! WebAssembly.

#[cfg(target_arch = "wasm32")]
pub(crate) mod imports {
    #[link(wasm_import_module = "extism:host/env")]
    extern "C" {
        pub fn free(h: u64);
        pub fn length(h: u64) -> u64;
        pub fn input_length() -> u64;
        pub fn output_set(h: u64, n: u64);
        pub fn error_set(h: u64);
        pub fn config_get(key: u64) -> u64;
        pub fn var_get(key: u64) -> u64;
        pub fn var_set(key: u64, val: u64);
        pub fn log_trace(msg: u64);
        pub fn log_debug(msg: u64);
        pub fn log_info(msg: u64);
        pub fn log_warn(msg: u64);
        pub fn log_error(msg: u64);
        pub fn get_log_level() -> i32;
    }

    #[link(wasm_import_module = "greenroom:host/v1")]
    extern "C" {
        pub fn mem_read(h: u64, dst: *mut u8, n: u32);
        pub fn mem_write(src: *const u8, n: u32) -> u64;
        pub fn input_read(dst: *mut u8, n: u32);
        pub fn kv_get(req: u64) -> u64;
        pub fn kv_put(req: u64) -> u64;
        pub fn kv_delete(req: u64) -> u64;
        pub fn kv_list(req: u64) -> u64;
        pub fn catalog_get(req: u64) -> u64;
        pub fn catalog_query(req: u64) -> u64;
        pub fn catalog_facets(req: u64) -> u64;
        pub fn catalog_apply(req: u64) -> u64;
        pub fn url_read(req: u64) -> u64;
        pub fn url_read_tree(req: u64) -> u64;
        pub fn url_search(req: u64) -> u64;
        pub fn proxy_fetch(req: u64) -> u64;
        pub fn permission_authorize(req: u64) -> u64;
        pub fn files_read(req: u64) -> u64;
        pub fn files_write(req: u64) -> u64;
        pub fn files_list(req: u64) -> u64;
        pub fn files_delete(req: u64) -> u64;
        pub fn workspace_read(req: u64) -> u64;
        pub fn workspace_write(req: u64) -> u64;
        pub fn workspace_list(req: u64) -> u64;
        pub fn search_replace(req: u64) -> u64;
        pub fn facts_publish(req: u64) -> u64;
    }

    // WASI preview 1's clock, which the host links into every module (abi/SPEC.md
    // section 1); only a plugin that reads the time imports it.
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        pub fn clock_time_get(id: u32, precision: u64, time: *mut u64) -> i32;
    }
}

/// Makes the module import `files_read`, which a file response (`Response::file`) needs
/// even when the plugin never calls it: only the functions a module refers to become
/// its imports.
#[cfg(target_arch = "wasm32")]
pub(crate) fn keep_files_read() {
    static mut KEEP: usize = 0;
    // SAFETY: a volatile write of a function's address; nothing reads it.
    unsafe { std::ptr::write_volatile(std::ptr::addr_of_mut!(KEEP), imports::files_read as usize) }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn keep_files_read() {}

/// A capability-bearing host function (SPEC.md section 3.3). Only the ones a plugin calls
/// become imports of its module, so only those need a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostFn {
    KvGet,
    KvPut,
    KvDelete,
    KvList,
    CatalogGet,
    CatalogQuery,
    CatalogFacets,
    CatalogApply,
    UrlRead,
    UrlReadTree,
    UrlSearch,
    ProxyFetch,
    PermissionAuthorize,
    FilesRead,
    FilesWrite,
    FilesList,
    FilesDelete,
    WorkspaceRead,
    WorkspaceWrite,
    WorkspaceList,
    SearchReplace,
    FactsPublish,
}

impl HostFn {
    /// The import name, as abi/SPEC.md writes it.
    pub fn name(self) -> &'static str {
        match self {
            HostFn::KvGet => "kv_get",
            HostFn::KvPut => "kv_put",
            HostFn::KvDelete => "kv_delete",
            HostFn::KvList => "kv_list",
            HostFn::CatalogGet => "catalog_get",
            HostFn::CatalogQuery => "catalog_query",
            HostFn::CatalogFacets => "catalog_facets",
            HostFn::CatalogApply => "catalog_apply",
            HostFn::UrlRead => "url_read",
            HostFn::UrlReadTree => "url_read_tree",
            HostFn::UrlSearch => "url_search",
            HostFn::ProxyFetch => "proxy_fetch",
            HostFn::PermissionAuthorize => "permission_authorize",
            HostFn::FilesRead => "files_read",
            HostFn::FilesWrite => "files_write",
            HostFn::FilesList => "files_list",
            HostFn::FilesDelete => "files_delete",
            HostFn::WorkspaceRead => "workspace_read",
            HostFn::WorkspaceWrite => "workspace_write",
            HostFn::WorkspaceList => "workspace_list",
            HostFn::SearchReplace => "search_replace",
            HostFn::FactsPublish => "facts_publish",
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::imports as i;

    fn write(b: &[u8]) -> u64 {
        unsafe { i::mem_write(b.as_ptr(), b.len() as u32) }
    }

    /// Copies arena block h out (and frees it); None for handle 0.
    fn read(h: u64) -> Option<Vec<u8>> {
        if h == 0 {
            return None;
        }
        unsafe {
            let n = i::length(h) as usize;
            let mut v = Vec::with_capacity(n);
            if n > 0 {
                i::mem_read(h, v.as_mut_ptr(), n as u32);
            }
            v.set_len(n);
            i::free(h);
            Some(v)
        }
    }

    pub fn input() -> Vec<u8> {
        unsafe {
            let n = i::input_length() as usize;
            let mut v = Vec::with_capacity(n);
            if n > 0 {
                i::input_read(v.as_mut_ptr(), n as u32);
            }
            v.set_len(n);
            v
        }
    }

    /// Reads the call's input into buf (replacing what it held), reusing its memory.
    pub fn input_into(buf: &mut Vec<u8>) {
        buf.clear();
        unsafe {
            let n = i::input_length() as usize;
            if buf.capacity() < n {
                // A fresh block: growing the old one would copy its stale bytes.
                *buf = Vec::with_capacity(n);
            }
            if n > 0 {
                i::input_read(buf.as_mut_ptr(), n as u32);
            }
            buf.set_len(n);
        }
    }

    pub fn output(b: &[u8]) {
        unsafe { i::output_set(write(b), b.len() as u64) }
    }

    pub fn error(b: &[u8]) {
        unsafe { i::error_set(write(b)) }
    }

    pub fn config(key: &str) -> Option<Vec<u8>> {
        let k = write(key.as_bytes());
        let r = read(unsafe { i::config_get(k) });
        unsafe { i::free(k) };
        r
    }

    pub fn var_get(key: &str) -> Option<Vec<u8>> {
        let k = write(key.as_bytes());
        let r = read(unsafe { i::var_get(k) });
        unsafe { i::free(k) };
        r
    }

    pub fn var_set(key: &str, val: Option<&[u8]>) {
        let k = write(key.as_bytes());
        let v = match val {
            Some(b) => write(b),
            None => 0,
        };
        unsafe { i::var_set(k, v) }
    }

    pub fn log_level() -> i32 {
        unsafe { i::get_log_level() }
    }

    /// WASI clock id's time in nanoseconds; None when the host answers an error.
    pub fn clock_time(id: u32) -> Option<u64> {
        let mut t = 0u64;
        // SAFETY: the host writes 8 bytes at the address of t.
        let errno = unsafe { i::clock_time_get(id, 1, &mut t) };
        if errno == 0 {
            Some(t)
        } else {
            None
        }
    }

    pub fn log(level: i32, msg: &str) {
        let h = write(msg.as_bytes());
        unsafe {
            match level {
                0 => i::log_trace(h),
                1 => i::log_debug(h),
                2 => i::log_info(h),
                3 => i::log_warn(h),
                _ => i::log_error(h),
            }
            i::free(h);
        }
    }

    /// Copies b into a new arena block for a request to name (files_write's block,
    /// SPEC.md 3.3); the caller frees it with free_block after the call.
    pub fn block(b: &[u8]) -> u64 {
        write(b)
    }

    pub fn free_block(h: u64) {
        unsafe { i::free(h) }
    }

    /// Sends req to one import and returns its answer. The import is a closure, not a
    /// value matched at run time, so that only the functions a plugin calls become
    /// imports of its module.
    pub fn host_call_with(f: impl FnOnce(u64) -> u64, req: &[u8]) -> Option<Vec<u8>> {
        let h = write(req);
        let r = f(h);
        unsafe { i::free(h) };
        read(r)
    }
}

/// Calls the capability-bearing import `$f` (an ident of `HostFn`'s names) with the
/// request bytes `$req`, answering the envelope's bytes.
#[cfg(target_arch = "wasm32")]
macro_rules! host_call {
    ($f:ident, $variant:ident, $req:expr) => {
        $crate::ffi::host_call_with(|h| unsafe { $crate::ffi::imports::$f(h) }, $req)
    };
}
#[cfg(not(target_arch = "wasm32"))]
macro_rules! host_call {
    ($f:ident, $variant:ident, $req:expr) => {
        $crate::ffi::host_call($crate::ffi::HostFn::$variant, $req)
    };
}
pub(crate) use host_call;

#[cfg(target_arch = "wasm32")]
pub use wasm::*;

#[cfg(not(target_arch = "wasm32"))]
pub use crate::testing::native::*;
