//! Builders for the UI tree a render function returns (abi/schema/ui-node.schema.json).
//! The host renders it with its own styles; nothing in a tree can run script.

use crate::json::Value;

pub const TONE_NEUTRAL: &str = "neutral";
pub const TONE_INFO: &str = "info";
pub const TONE_SUCCESS: &str = "success";
pub const TONE_WARNING: &str = "warning";
pub const TONE_DANGER: &str = "danger";

fn node(kind: &str) -> Value {
    Value::obj(vec![("type", kind.into())])
}

fn with_children(mut n: Value, children: Vec<Value>) -> Value {
    if !children.is_empty() {
        n.insert("children", Value::Array(children));
    }
    n
}

fn nonempty(mut n: Value, key: &str, s: &str) -> Value {
    if !s.is_empty() {
        n.insert(key, s.into());
    }
    n
}

pub fn page(title: &str, children: Vec<Value>) -> Value {
    with_children(nonempty(node("page"), "title", title), children)
}

pub fn header(title: &str, subtitle: &str) -> Value {
    nonempty(nonempty(node("header"), "title", title), "subtitle", subtitle)
}

pub fn card(title: &str, children: Vec<Value>) -> Value {
    with_children(nonempty(node("card"), "title", title), children)
}

/// A grid of up to 4 columns (0: the host decides).
pub fn grid(cols: u32, children: Vec<Value>) -> Value {
    let mut n = node("grid");
    if cols > 0 {
        n.insert("cols", cols.into());
    }
    with_children(n, children)
}

pub fn text(s: &str) -> Value {
    node("text").set("text", s.into())
}

pub fn markdown(s: &str) -> Value {
    node("markdown").set("text", s.into())
}

/// HTML, which the host sanitises.
pub fn html(s: &str) -> Value {
    node("html").set("text", s.into())
}

pub fn link(text: &str, href: &str) -> Value {
    node("link").set("text", text.into()).set("href", href.into())
}

pub fn badge(text: &str, tone: &str) -> Value {
    nonempty(node("badge").set("text", text.into()), "tone", tone)
}

pub fn code(language: &str, text: &str) -> Value {
    nonempty(node("code"), "language", language).set("text", text.into())
}

pub fn list(children: Vec<Value>) -> Value {
    with_children(node("list"), children)
}

pub fn group(children: Vec<Value>) -> Value {
    with_children(node("group"), children)
}

pub fn empty(title: &str, text: &str) -> Value {
    nonempty(nonempty(node("empty"), "title", title), "text", text)
}

/// An error box in place of the content (the rest of the page renders).
pub fn error(title: &str, text: &str) -> Value {
    nonempty(nonempty(node("error"), "title", title), "text", text)
}

/// Key-value pairs.
pub fn kv(pairs: Vec<(&str, Value)>) -> Value {
    let pairs = pairs.into_iter().map(|(k, v)| Value::obj(vec![("key", k.into()), ("value", v)])).collect();
    node("kv").set("pairs", Value::Array(pairs))
}

/// A table: its column titles and rows of cells.
pub fn table(columns: &[&str], rows: Vec<Vec<Value>>) -> Value {
    let mut n = node("table").set("columns", columns.iter().map(|c| c.to_string()).collect::<Vec<_>>().into());
    if !rows.is_empty() {
        n.insert("rows", Value::Array(rows.into_iter().map(Value::Array).collect()));
    }
    n
}

/// A tab of `tabs`: its title, link and whether it is the selected one.
pub fn tab(title: &str, href: &str, selected: bool, children: Vec<Value>) -> Value {
    let mut t = nonempty(Value::obj(vec![("title", title.into())]), "href", href);
    if selected {
        t.insert("selected", true.into());
    }
    with_children(t, children)
}

pub fn tabs(tabs: Vec<Value>) -> Value {
    node("tabs").set("tabs", Value::Array(tabs))
}

/// A bar chart: (label, value) bars.
pub fn bar_chart(bars: Vec<(&str, f64)>) -> Value {
    let bars = bars.into_iter().map(|(l, v)| Value::obj(vec![("label", l.into()), ("value", v.into())])).collect();
    node("chart").set("chart", Value::obj(vec![("kind", "bar".into()), ("bars", Value::Array(bars))]))
}
