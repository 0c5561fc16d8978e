//! A host for native tests (`rustc --test`): the plugin's config, its key-value store,
//! its own files (`files_*`) and a scaffolder task's workspace (`workspace_*`) in memory, the log lines it writes, and a function that answers every other host call.
//! Requests and answers go through the same JSON as inside WebAssembly, so a test checks
//! the messages too.
//!
//! ```ignore
//! greenroom::testing::reset();
//! greenroom::testing::set_config("greeting", "hi");
//! let out = greenroom::instance(setup).serve(&greenroom::Request { method: "GET".into(), path: "/hello".into(), ..Default::default() });
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::json::Value;
use crate::{base64, code, Error};

/// Answers a host call other than `kv_*`, `files_*` and `workspace_*`: the function's name and its decoded request.
pub type Answer = Box<dyn FnMut(&str, &Value) -> Result<Value, Error>>;

#[derive(Default)]
struct State {
    config: BTreeMap<String, String>,
    vars: BTreeMap<String, Vec<u8>>,
    kv: BTreeMap<String, Vec<u8>>,
    files: BTreeMap<String, Vec<u8>>,
    workspace: BTreeMap<String, (Vec<u8>, bool)>,
    logs: Vec<String>,
    calls: Vec<(String, Value)>,
    level: i32,
    now_ms: Option<i64>,
    answer: Option<Answer>,
    input: Vec<u8>,
    output: Option<Vec<u8>>,
    error: Option<Vec<u8>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Empties the test host: no config, an empty store, no logs, every other call denied.
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = State::default());
}

/// Sets one config value (as the operator's config would, after defaults).
pub fn set_config(key: &str, value: &str) {
    STATE.with(|s| s.borrow_mut().config.insert(key.to_string(), value.to_string()));
}

/// Sets the host's log level (0 trace ... 4 error).
pub fn set_log_level(level: i32) {
    STATE.with(|s| s.borrow_mut().level = level);
}

/// Fixes the wall clock (`clock::now_ms`) at ms; None lets it run (the system's time).
pub fn set_now_ms(ms: Option<i64>) {
    STATE.with(|s| s.borrow_mut().now_ms = ms);
}

/// Answers every host call other than `kv_*`, `files_*` and `workspace_*` with f.
pub fn set_answer(f: impl FnMut(&str, &Value) -> Result<Value, Error> + 'static) {
    STATE.with(|s| s.borrow_mut().answer = Some(Box::new(f)));
}

/// The log lines written so far, as "LEVEL message".
pub fn logs() -> Vec<String> {
    STATE.with(|s| s.borrow().logs.clone())
}

/// The capability calls made so far: function name and request.
pub fn calls() -> Vec<(String, Value)> {
    STATE.with(|s| s.borrow().calls.clone())
}

/// The value of key in the in-memory store.
pub fn kv_value(key: &str) -> Option<Vec<u8>> {
    STATE.with(|s| s.borrow().kv.get(key).cloned())
}

/// The content of the plugin's file path in the in-memory `files` store.
pub fn file(path: &str) -> Option<Vec<u8>> {
    STATE.with(|s| s.borrow().files.get(path).cloned())
}

/// Puts a file into the in-memory task workspace that `workspace_*` reach, as an
/// earlier step (fetch:template) would have.
pub fn set_workspace_file(path: &str, content: &[u8]) {
    STATE.with(|s| s.borrow_mut().workspace.insert(path.to_string(), (content.to_vec(), false)));
}

/// A file of the in-memory task workspace: its content and whether it is executable.
pub fn workspace_file(path: &str) -> Option<(Vec<u8>, bool)> {
    STATE.with(|s| s.borrow().workspace.get(path).cloned())
}

/// Runs export as the host would, with input, returning (return code, output or error).
pub fn call(setup: fn(&mut crate::Plugin), export: crate::Export, input: &[u8]) -> (i32, Vec<u8>) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.input = input.to_vec();
        s.output = None;
        s.error = None;
    });
    let rc = crate::plugin::__export(setup, export);
    STATE.with(|s| {
        let s = s.borrow();
        let out = if rc == 0 { s.output.clone() } else { s.error.clone() };
        (rc, out.unwrap_or_default())
    })
}

fn kv_call(s: &mut State, name: &str, req: &Value) -> Result<Value, Error> {
    let key = req.str_of("key");
    if name != "kv_list" && key.is_empty() {
        return Err(Error::new(code::INVALID_ARGUMENT, format!("{}: key must be 1-512 bytes", name)));
    }
    match name {
        "kv_get" => Ok(Value::obj(vec![("value", s.kv.get(key).map(|v| base64::encode(v)).into())])),
        "kv_put" => {
            let v = base64::decode(req.str_of("value")).map_err(|e| Error::new(code::INVALID_ARGUMENT, e))?;
            s.kv.insert(key.to_string(), v);
            Ok(Value::object())
        }
        "kv_delete" => {
            s.kv.remove(key);
            Ok(Value::object())
        }
        _ => {
            let prefix = req.str_of("prefix");
            let keys: Vec<String> = s.kv.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
            Ok(Value::obj(vec![("keys", keys.into())]))
        }
    }
}

/// The time the in-memory files store gives every file it writes.
pub const FILES_MODIFIED_AT: &str = "2026-01-01T00:00:00Z";

fn files_call(s: &mut State, name: &str, req: &Value) -> Result<Value, Error> {
    let path = req.str_of("path");
    let under = |p: &str, dir: &str| p == dir || (p.starts_with(dir) && p.as_bytes().get(dir.len()) == Some(&b'/'));
    match name {
        "files_read" => Ok(match s.files.get(path) {
            Some(c) => Value::obj(vec![("content", base64::encode(c).into()), ("size", (c.len() as i64).into()), ("modifiedAt", FILES_MODIFIED_AT.into())]),
            None => Value::obj(vec![("content", Value::Null)]),
        }),
        "files_write" => {
            let mut files = Vec::new();
            for f in req.get("files").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or(&[]) {
                let c = base64::decode(f.str_of("content")).map_err(|e| Error::new(code::INVALID_ARGUMENT, format!("files_write: {}: {}", f.str_of("path"), e)))?;
                if f.str_of("path").is_empty() {
                    return Err(Error::new(code::INVALID_ARGUMENT, "files_write: a file has no path"));
                }
                files.push((f.str_of("path").to_string(), c));
            }
            let replace = req.str_of("replace");
            let mut removed = 0i64;
            if !replace.is_empty() {
                let gone: Vec<String> = s.files.keys().filter(|k| under(k, replace) && !files.iter().any(|(p, _)| p == *k)).cloned().collect();
                removed = gone.len() as i64;
                for k in gone {
                    s.files.remove(&k);
                }
            }
            let written = files.len() as i64;
            s.files.extend(files);
            let used: i64 = s.files.values().map(|c| c.len() as i64).sum();
            Ok(Value::obj(vec![("written", written.into()), ("removed", removed.into()), ("used", used.into())]))
        }
        "files_list" => {
            let prefix = req.str_of("prefix");
            let limit = req.get("limit").and_then(Value::as_i64).filter(|&n| n > 0).unwrap_or(1000) as usize;
            let files: Vec<Value> = s
                .files
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .take(limit)
                .map(|(k, c)| Value::obj(vec![("path", k.as_str().into()), ("size", (c.len() as i64).into()), ("modifiedAt", FILES_MODIFIED_AT.into())]))
                .collect();
            Ok(Value::obj(vec![("files", Value::Array(files))]))
        }
        _ => {
            let gone: Vec<String> = s.files.keys().filter(|k| under(k, path)).cloned().collect();
            for k in &gone {
                s.files.remove(k);
            }
            Ok(Value::obj(vec![("removed", (gone.len() as i64).into())]))
        }
    }
}

fn workspace_call(s: &mut State, name: &str, req: &Value) -> Result<Value, Error> {
    let path = req.str_of("path");
    match name {
        "workspace_read" => match s.workspace.get(path) {
            Some((c, _)) => Ok(Value::obj(vec![("content", base64::encode(c).into())])),
            None => Err(Error::new(code::NOT_FOUND, format!("workspace_read: no file {} in the workspace", path))),
        },
        "workspace_write" => {
            if path.is_empty() {
                return Err(Error::new(code::INVALID_ARGUMENT, "workspace_write: path is required"));
            }
            let c = base64::decode(req.str_of("content")).map_err(|e| Error::new(code::INVALID_ARGUMENT, format!("workspace_write: {}", e)))?;
            s.workspace.insert(path.to_string(), (c, req.get("executable").and_then(Value::as_bool).unwrap_or(false)));
            Ok(Value::object())
        }
        _ => {
            let dir = path.trim_end_matches('/');
            let files: Vec<String> = s.workspace.keys().filter(|k| dir.is_empty() || (k.starts_with(dir) && k.as_bytes().get(dir.len()) == Some(&b'/'))).cloned().collect();
            Ok(Value::obj(vec![("files", files.into())]))
        }
    }
}

/// The native stand-ins for the module's imports, used by `ffi` outside WebAssembly.
pub mod native {
    use super::*;
    use crate::ffi::HostFn;

    pub fn input() -> Vec<u8> {
        STATE.with(|s| s.borrow().input.clone())
    }
    pub fn input_into(buf: &mut Vec<u8>) {
        buf.clear();
        STATE.with(|s| buf.extend_from_slice(&s.borrow().input));
    }
    /// The test host has no arena: files travel as base64 (ffi::block answers 0).
    pub fn block(_: &[u8]) -> u64 {
        0
    }

    pub fn free_block(_: u64) {}

    pub fn output(b: &[u8]) {
        STATE.with(|s| s.borrow_mut().output = Some(b.to_vec()));
    }
    pub fn error(b: &[u8]) {
        STATE.with(|s| s.borrow_mut().error = Some(b.to_vec()));
    }
    pub fn config(key: &str) -> Option<Vec<u8>> {
        STATE.with(|s| s.borrow().config.get(key).map(|v| v.as_bytes().to_vec()))
    }
    pub fn var_get(key: &str) -> Option<Vec<u8>> {
        STATE.with(|s| s.borrow().vars.get(key).cloned())
    }
    pub fn var_set(key: &str, val: Option<&[u8]>) {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            match val {
                Some(v) => s.vars.insert(key.to_string(), v.to_vec()),
                None => s.vars.remove(key),
            };
        });
    }
    pub fn log_level() -> i32 {
        STATE.with(|s| s.borrow().level)
    }
    /// WASI clock id's time in nanoseconds: 0 the wall clock (or the one set_now_ms
    /// fixed), 1 a monotonic clock.
    pub fn clock_time(id: u32) -> Option<u64> {
        use std::time::{Instant, SystemTime, UNIX_EPOCH};
        thread_local! {
            static START: Instant = Instant::now();
        }
        match id {
            0 => match STATE.with(|s| s.borrow().now_ms) {
                Some(ms) => Some((ms.max(0) as u64).saturating_mul(1_000_000)),
                None => SystemTime::now().duration_since(UNIX_EPOCH).ok().map(|d| d.as_nanos() as u64),
            },
            1 => Some(START.with(|s| s.elapsed().as_nanos() as u64)),
            _ => None,
        }
    }
    pub fn log(level: i32, msg: &str) {
        let name = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"][level.clamp(0, 4) as usize];
        STATE.with(|s| s.borrow_mut().logs.push(format!("{} {}", name, msg)));
    }

    /// A capability call: the request is decoded from its bytes and the answer encoded
    /// as the host's envelope, so the JSON on both sides is exercised.
    pub fn host_call(f: HostFn, req: &[u8]) -> Option<Vec<u8>> {
        let name = f.name();
        let res = match Value::parse(req) {
            Err(e) => Err(Error::new(code::INVALID_ARGUMENT, format!("{}: request is not JSON: {}", name, e))),
            Ok(v) => STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.calls.push((name.to_string(), v.clone()));
                if name.starts_with("kv_") {
                    return kv_call(&mut s, name, &v);
                }
                if name.starts_with("files_") {
                    return files_call(&mut s, name, &v);
                }
                if name.starts_with("workspace_") {
                    return workspace_call(&mut s, name, &v);
                }
                match s.answer.as_mut() {
                    Some(a) => a(name, &v),
                    None => Err(Error::new(code::CAPABILITY_DENIED, format!("{} is not granted in this test; answer it with testing::set_answer", name))),
                }
            }),
        };
        let env = match res {
            Ok(v) => Value::obj(vec![("result", v)]),
            Err(e) => Value::obj(vec![("error", e.to_value())]),
        };
        Some(env.to_json().into_bytes())
    }
}
