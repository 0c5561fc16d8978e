//! Facts about catalog entities (capability `facts.write`), which the host's scorecards'
//! rules read as `facts["<name>"]`.

use crate::ffi::host_call;
use crate::host::decode_envelope;
use crate::json::Value;
use crate::Result;

/// One fact: a number, a string or a boolean about one entity; `Value::Null` removes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// The entity, "kind:namespace/name".
    pub entity_ref: String,
    /// The fact's name, such as "ci.successRate30d".
    pub name: String,
    pub value: Value,
}

impl Fact {
    pub fn new(entity_ref: &str, name: &str, value: Value) -> Fact {
        Fact { entity_ref: entity_ref.into(), name: name.into(), value }
    }

    pub fn from_value(v: &Value) -> Fact {
        Fact { entity_ref: v.str_of("entityRef").into(), name: v.str_of("name").into(), value: v.get("value").cloned().unwrap_or(Value::Null) }
    }

    pub fn to_value(&self) -> Value {
        Value::obj(vec![("entityRef", self.entity_ref.as_str().into()), ("name", self.name.as_str().into()), ("value", self.value.clone())])
    }
}

/// The request of `facts_publish`.
pub fn facts_request(facts: &[Fact]) -> Value {
    Value::obj(vec![("facts", Value::Array(facts.iter().map(Fact::to_value).collect()))])
}

/// Facts for the host's scorecards (capability `facts.write`).
pub mod facts {
    use super::*;

    /// Publishes facts, all or none; answers how many entities' facts changed.
    pub fn publish(facts: &[Fact]) -> Result<i64> {
        let req = facts_request(facts).to_json();
        let res = decode_envelope("facts_publish", host_call!(facts_publish, FactsPublish, req.as_bytes()))?;
        Ok(res.get("changed").and_then(Value::as_i64).unwrap_or(0))
    }
}
