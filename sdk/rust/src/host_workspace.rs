//! Scaffolder actions (abi/SPEC.md section 7.4): the `gr_action` messages, and the task
//! workspace an action reaches during its call (capability `workspace`).

use crate::ffi::host_call;
use crate::host::{decode_envelope, malformed};
use crate::json::Value;
use crate::{base64, code, Error, Result};

/// `gr_action`'s input: run the manifest's action `action` with `input` in task `task_id`;
/// the [`workspace`] functions reach that task's workspace during the call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActionRequest {
    pub action: String,
    /// The step's input, after the template's expressions (an object).
    pub input: Value,
    pub task_id: String,
    pub template_ref: String,
    pub user: String,
    pub dry_run: bool,
}

/// What `gr_action` returns: the step's outputs (an object) and lines for the task log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActionResult {
    pub output: Vec<(String, Value)>,
    pub log: Vec<String>,
}

impl ActionRequest {
    pub fn from_value(v: &Value) -> Result<ActionRequest> {
        let s = |k: &str| match v.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(x) => Err(Error::new(code::INVALID_ARGUMENT, format!("action request: {} must be a string, not {}", k, x.to_json()))),
        };
        let input = match v.get("input") {
            None | Some(Value::Null) => Value::object(),
            Some(i @ Value::Object(_)) => i.clone(),
            Some(x) => return Err(Error::new(code::INVALID_ARGUMENT, format!("action request: input must be an object, not {}", x.to_json()))),
        };
        let action = s("action")?;
        if action.is_empty() {
            return Err(Error::new(code::INVALID_ARGUMENT, "action request: action is required"));
        }
        Ok(ActionRequest {
            action,
            input,
            task_id: s("taskId")?,
            template_ref: s("templateRef")?,
            user: s("user")?,
            dry_run: v.get("dryRun").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(vec![("action", self.action.as_str().into()), ("input", self.input.clone()), ("taskId", self.task_id.as_str().into())]);
        for (k, s) in [("templateRef", &self.template_ref), ("user", &self.user)] {
            if !s.is_empty() {
                v.insert(k, s.as_str().into());
            }
        }
        if self.dry_run {
            v.insert("dryRun", true.into());
        }
        v
    }

    /// Input member key as a string ("" when absent or not a string).
    pub fn input_string(&self, key: &str) -> &str {
        self.input.str_of(key)
    }
}

impl ActionResult {
    /// Adds output key.
    pub fn output(mut self, key: &str, v: impl Into<Value>) -> ActionResult {
        self.output.push((key.to_string(), v.into()));
        self
    }

    /// Adds a line to the task log.
    pub fn log(mut self, line: impl Into<String>) -> ActionResult {
        self.log.push(line.into());
        self
    }

    pub fn from_value(v: &Value) -> ActionResult {
        ActionResult {
            output: v.get("output").and_then(Value::as_object).cloned().unwrap_or_default(),
            log: v.get("log").and_then(Value::as_array).map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::object();
        if !self.output.is_empty() {
            v.insert("output", Value::Object(self.output.clone()));
        }
        if !self.log.is_empty() {
            v.insert("log", self.log.clone().into());
        }
        v
    }
}

/// The request `workspace_write` sends.
pub fn workspace_write_request(path: &str, content: &[u8], executable: bool) -> Value {
    let mut v = Value::obj(vec![("path", path.into()), ("content", base64::encode(content).into())]);
    if executable {
        v.insert("executable", true.into());
    }
    v
}

fn path_request(path: &str) -> Value {
    let mut v = Value::object();
    if !path.is_empty() {
        v.insert("path", path.into());
    }
    v
}

/// The running scaffolder action's task workspace (capability `workspace`), reachable
/// only during a `gr_action` call; paths are relative to the workspace.
pub mod workspace {
    use super::*;

    /// The content of the file at path.
    pub fn read(path: &str) -> Result<Vec<u8>> {
        let req = path_request(path).to_json();
        let r = decode_envelope("workspace_read", host_call!(workspace_read, WorkspaceRead, req.as_bytes()))?;
        match r.get("content") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => base64::decode(s).map_err(|e| Error::new(code::INTERNAL, format!("workspace_read: content: {}", e))),
            Some(_) => Err(malformed("workspace_read", &r)),
        }
    }

    /// Writes the file at path, creating its directories; executable sets its mode so.
    pub fn write(path: &str, content: &[u8], executable: bool) -> Result<()> {
        let req = workspace_write_request(path, content, executable).to_json();
        decode_envelope("workspace_write", host_call!(workspace_write, WorkspaceWrite, req.as_bytes())).map(|_| ())
    }

    /// The files below path ("" for all), relative to the workspace.
    pub fn list(path: &str) -> Result<Vec<String>> {
        let req = path_request(path).to_json();
        let r = decode_envelope("workspace_list", host_call!(workspace_list, WorkspaceList, req.as_bytes()))?;
        match r.get("files") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a.iter().map(|f| f.as_str().map(str::to_string).ok_or_else(|| malformed("workspace_list", &r))).collect(),
            Some(_) => Err(malformed("workspace_list", &r)),
        }
    }
}
