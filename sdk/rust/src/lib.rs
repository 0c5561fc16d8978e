//! Greenroom's Rust SDK: write a Greenroom plugin (ABI v1, abi/SPEC.md) in Rust with the
//! standard library only, no crates.
//!
//! ```ignore
//! use greenroom::{Plugin, Request, Response};
//!
//! fn setup(p: &mut Plugin) {
//!     p.route("GET /hello", hello);
//! }
//!
//! fn hello(r: &Request) -> Response {
//!     match r.query_value("name") {
//!         Some(name) if !name.is_empty() => Response::json(200, greenroom::Value::obj(vec![("message", format!("hello {}", name).into())])),
//!         _ => Response::error(&greenroom::Error::new(greenroom::code::INVALID_ARGUMENT, "query parameter name is required")),
//!     }
//! }
//!
//! greenroom::plugin!(setup);
//! ```
//!
//! Build for `wasm32-unknown-unknown` (no WASI needed) as a `cdylib`; Debian's
//! `rustc` with `libstd-rust-dev-wasm32` is enough:
//!
//! ```sh
//! rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib -C opt-level=3 \
//!       -C target-feature=+bulk-memory --crate-name greenroom sdk/rust/src/lib.rs --out-dir target
//! rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -C opt-level=3 \
//!       -C target-feature=+bulk-memory -C strip=symbols \
//!       --extern greenroom=target/libgreenroom.rlib src/lib.rs -o plugin.raw.wasm
//! ```
//!
//! `greenroom plugin build` runs exactly this. In a native build (`rustc --test`) the host
//! functions run against the test host in [`testing`], so handlers are unit-tested without
//! WebAssembly.

#[cfg(target_arch = "wasm32")]
pub mod alloc;
pub mod ffi;
pub mod json;
pub mod testing;
pub mod ui;

mod host;
mod host_clock;
mod host_facts;
mod host_files;
mod host_search;
mod host_workspace;
mod messages;
mod plugin;

pub use host::*;
pub use host_clock::*;
pub use host_facts::*;
pub use host_files::*;
pub use host_search::*;
pub use host_workspace::*;
pub use json::Value;
pub use messages::*;
pub use plugin::*;

/// Error codes that cross the boundary (SPEC.md section 8).
pub mod code {
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
    pub const NOT_FOUND: &str = "not_found";
    pub const CAPABILITY_DENIED: &str = "capability_denied";
    pub const CONFLICT: &str = "conflict";
    pub const TOO_LARGE: &str = "too_large";
    pub const UNAVAILABLE: &str = "unavailable";
    pub const TIMEOUT: &str = "timeout";
    pub const INTERNAL: &str = "internal";
}

/// The `{code, message}` pair that crosses the boundary: what a failed host call returns,
/// and what a handler returns to fail.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: String,
    pub message: String,
}

impl Error {
    pub fn new(code: &str, message: impl Into<String>) -> Error {
        Error { code: code.to_string(), message: message.into() }
    }

    /// The HTTP status the host answers when a call ends with this error.
    pub fn http_status(&self) -> u16 {
        match self.code.as_str() {
            code::INVALID_ARGUMENT => 400,
            code::NOT_FOUND => 404,
            code::CAPABILITY_DENIED => 403,
            code::CONFLICT => 409,
            code::TOO_LARGE => 413,
            code::UNAVAILABLE => 503,
            code::TIMEOUT => 504,
            _ => 500,
        }
    }

    /// Backstage's error name for the code, used in JSON error bodies.
    pub fn backstage_name(&self) -> &'static str {
        match self.code.as_str() {
            code::INVALID_ARGUMENT => "InputError",
            code::NOT_FOUND => "NotFoundError",
            code::CAPABILITY_DENIED => "NotAllowedError",
            code::CONFLICT => "ConflictError",
            code::TOO_LARGE => "PayloadTooLargeError",
            code::UNAVAILABLE => "ServiceUnavailableError",
            code::TIMEOUT => "TimeoutError",
            _ => "Error",
        }
    }

    pub fn to_value(&self) -> Value {
        Value::obj(vec![("code", self.code.as_str().into()), ("message", self.message.as_str().into())])
    }

    /// Reads `{"code","message"}`; anything else is an `internal` error quoting it.
    pub fn from_value(v: &Value) -> Error {
        match (v.get("code").and_then(Value::as_str), v.get("message").and_then(Value::as_str)) {
            (Some(c), Some(m)) if !c.is_empty() => Error::new(c, m),
            _ => Error::new(code::INTERNAL, format!("malformed error {}", v.to_json())),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this SDK.
pub type Result<T> = std::result::Result<T, Error>;

/// Standard base64 with padding, as the ABI's byte fields use.
pub mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(b: &[u8]) -> String {
        let mut out = String::with_capacity((b.len() + 2) / 3 * 4);
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// Decodes standard base64; padding is optional, anything else is an error.
    pub fn decode(s: &str) -> Result<Vec<u8>, String> {
        let s = s.trim_end_matches('=');
        let mut out = Vec::with_capacity(s.len() * 3 / 4);
        let (mut acc, mut bits) = (0u32, 0);
        for (i, c) in s.bytes().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return Err(format!("illegal base64 data at input byte {}", i)),
            };
            acc = acc << 6 | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        if bits >= 6 {
            return Err("illegal base64 data: truncated".to_string());
        }
        Ok(out)
    }
}

/// Exports the plugin that `setup` registers: `gr_http`, `gr_task`, `gr_extension` and
/// `gr_render`. Write it once, at the top level of the plugin's crate.
#[macro_export]
macro_rules! plugin {
    ($setup:path) => {
        #[no_mangle]
        pub extern "C" fn gr_http() -> i32 {
            $crate::__export($setup, $crate::Export::Http)
        }
        #[no_mangle]
        pub extern "C" fn gr_task() -> i32 {
            $crate::__export($setup, $crate::Export::Task)
        }
        #[no_mangle]
        pub extern "C" fn gr_extension() -> i32 {
            $crate::__export($setup, $crate::Export::Extension)
        }
        #[no_mangle]
        pub extern "C" fn gr_render() -> i32 {
            $crate::__export($setup, $crate::Export::Render)
        }
        #[no_mangle]
        pub extern "C" fn gr_action() -> i32 {
            $crate::__export($setup, $crate::Export::Action)
        }
    };
}

#[cfg(test)]
mod golden;
