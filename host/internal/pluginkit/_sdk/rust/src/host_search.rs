//! The search index (capability `search.write`): a plugin's collator hands the host its
//! documents of one type, replacing those it sent before.

use crate::ffi::host_call;
use crate::host::decode_envelope;
use crate::json::Value;
use crate::Result;

/// One search document. A field's value is a string or a list of strings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchDocument {
    pub title: String,
    pub text: String,
    /// Where the document is, a path of the portal (e.g. "/adr/0007").
    pub location: String,
    pub fields: Vec<(String, Value)>,
    pub resource_ref: String,
}

impl SearchDocument {
    pub fn new(title: &str, location: &str) -> SearchDocument {
        SearchDocument { title: title.into(), location: location.into(), ..Default::default() }
    }

    pub fn with_text(mut self, text: &str) -> SearchDocument {
        self.text = text.into();
        self
    }

    /// Sets field key to one string.
    pub fn with_field(mut self, key: &str, value: &str) -> SearchDocument {
        self.fields.push((key.into(), value.into()));
        self
    }

    /// Sets field key to a list of strings.
    pub fn with_fields(mut self, key: &str, values: &[&str]) -> SearchDocument {
        self.fields.push((key.into(), values.iter().map(|s| s.to_string()).collect::<Vec<_>>().into()));
        self
    }

    /// The entity the document is about (`kind:namespace/name`).
    pub fn with_resource_ref(mut self, entity_ref: &str) -> SearchDocument {
        self.resource_ref = entity_ref.into();
        self
    }

    pub fn from_value(v: &Value) -> SearchDocument {
        SearchDocument {
            title: v.str_of("title").into(),
            text: v.str_of("text").into(),
            location: v.str_of("location").into(),
            fields: v.get("fields").and_then(Value::as_object).cloned().unwrap_or_default(),
            resource_ref: v.str_of("resourceRef").into(),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(vec![("title", self.title.as_str().into())]);
        if !self.text.is_empty() {
            v.insert("text", self.text.as_str().into());
        }
        v.insert("location", self.location.as_str().into());
        if !self.fields.is_empty() {
            v.insert("fields", Value::Object(self.fields.clone()));
        }
        if !self.resource_ref.is_empty() {
            v.insert("resourceRef", self.resource_ref.as_str().into());
        }
        v
    }
}

/// What `search_replace` sends: the plugin's documents of one type, which replace every
/// document it sent before for that type and source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchReplace {
    /// The document type: the plugin's id unless the grant lists others.
    pub doc_type: String,
    /// Names the type on the search page's tabs; default the type.
    pub title: String,
    /// Splits a type's documents into sets replaced one at a time.
    pub source: String,
    pub documents: Vec<SearchDocument>,
}

impl SearchReplace {
    pub fn new(doc_type: &str, documents: Vec<SearchDocument>) -> SearchReplace {
        SearchReplace { doc_type: doc_type.into(), documents, ..Default::default() }
    }

    pub fn from_value(v: &Value) -> SearchReplace {
        SearchReplace {
            doc_type: v.str_of("type").into(),
            title: v.str_of("title").into(),
            source: v.str_of("source").into(),
            documents: v.get("documents").and_then(Value::as_array).map(|a| a.iter().map(SearchDocument::from_value).collect()).unwrap_or_default(),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(vec![("type", self.doc_type.as_str().into())]);
        for (k, s) in [("title", &self.title), ("source", &self.source)] {
            if !s.is_empty() {
                v.insert(k, s.as_str().into());
            }
        }
        v.insert("documents", Value::Array(self.documents.iter().map(SearchDocument::to_value).collect()));
        v
    }

    /// Appends the request as `to_value().to_json()` writes it, without building the
    /// Value tree first: a docs site's request is megabytes, and the tree copied every
    /// string of it once more.
    pub fn write_json(&self, out: &mut String) {
        use crate::json::write_string;
        out.push_str("{\"type\":");
        write_string(out, &self.doc_type);
        for (k, s) in [(",\"title\":", &self.title), (",\"source\":", &self.source)] {
            if !s.is_empty() {
                out.push_str(k);
                write_string(out, s);
            }
        }
        out.push_str(",\"documents\":[");
        for (i, d) in self.documents.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"title\":");
            write_string(out, &d.title);
            if !d.text.is_empty() {
                out.push_str(",\"text\":");
                write_string(out, &d.text);
            }
            out.push_str(",\"location\":");
            write_string(out, &d.location);
            if !d.fields.is_empty() {
                out.push_str(",\"fields\":{");
                for (j, (k, v)) in d.fields.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    write_string(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            if !d.resource_ref.is_empty() {
                out.push_str(",\"resourceRef\":");
                write_string(out, &d.resource_ref);
            }
            out.push('}');
        }
        out.push_str("]}");
    }
}

/// The search index (capability `search.write`).
pub mod search {
    use super::*;

    /// Hands the index this plugin's documents of r.doc_type (and r.source), replacing
    /// those it sent before; answers how many the index holds for them.
    pub fn replace(r: &SearchReplace) -> Result<i64> {
        let mut n = 64;
        for d in &r.documents {
            n += 64 + d.title.len() + d.text.len() + d.location.len() + d.resource_ref.len() + 32 * d.fields.len();
        }
        let mut req = String::with_capacity(n);
        r.write_json(&mut req);
        let res = decode_envelope("search_replace", host_call!(search_replace, SearchReplace, req.as_bytes()))?;
        Ok(res.get("count").and_then(Value::as_i64).unwrap_or(0))
    }
}
