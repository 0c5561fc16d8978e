//! A small JSON value, parser and writer: the SDK has no dependencies, so it carries its
//! own. Numbers keep their text, so a 64-bit integer survives a round trip; objects keep
//! their members' order.

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, as written (always valid JSON number syntax).
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// An object's members, in order. `get` finds the first of a name.
    Object(Vec<(String, Value)>),
}

/// The deepest nesting `parse` accepts, so that hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 256;

impl Default for Value {
    fn default() -> Value {
        Value::Null
    }
}

impl Value {
    /// An empty object.
    pub fn object() -> Value {
        Value::Object(Vec::new())
    }

    /// The object with these members, for building messages: `Value::obj(vec![("a", 1.into())])`.
    pub fn obj(members: Vec<(&str, Value)>) -> Value {
        Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// Adds (or replaces) member key of an object, and returns it; on anything else it
    /// does nothing.
    pub fn set(mut self, key: &str, v: Value) -> Value {
        self.insert(key, v);
        self
    }

    /// Sets member key of an object in place.
    pub fn insert(&mut self, key: &str, v: Value) {
        if let Value::Object(m) = self {
            if let Some(slot) = m.iter_mut().find(|(k, _)| k == key) {
                slot.1 = v;
            } else {
                m.push((key.to_string(), v));
            }
        }
    }

    /// Member key of an object, or `None`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of member names: `v.path(&["metadata", "annotations", "x"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        let mut v = self;
        for k in keys {
            v = v.get(k)?;
        }
        Some(v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Member key as a string, or "" when it is absent or not a string.
    pub fn str_of(&self, key: &str) -> &str {
        self.get(key).and_then(Value::as_str).unwrap_or("")
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The number as an integer, when it is one (no fraction, in range).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.parse().ok().or_else(|| {
                let f: f64 = n.parse().ok()?;
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    Some(f as i64)
                } else {
                    None
                }
            }),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Vec<(String, Value)>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Parses one JSON text (surrounding white space allowed).
    pub fn parse(text: &[u8]) -> Result<Value, String> {
        let mut p = Parser { b: text, i: 0 };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        if p.i != p.b.len() {
            return Err(format!("unexpected {} after the JSON value at byte {}", p.what(), p.i));
        }
        Ok(v)
    }

    /// The value as compact JSON.
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(64);
        self.write(&mut s);
        s
    }

    /// Appends the value as compact JSON to out.
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_string(out, s),
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends s as a JSON string literal, escaping what JSON requires, and U+2028 and
/// U+2029 as Go does. Runs of bytes that need no escape are copied whole.
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let c = b[i];
        let esc: &str = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            0xe2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)) => "",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        if !esc.is_empty() {
            out.push_str(esc);
            i += 1;
        } else if c == 0xe2 {
            out.push_str(if b[i + 2] == 0xa8 { "\\u2028" } else { "\\u2029" });
            i += 3;
        } else {
            out.push_str("\\u00");
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
            i += 1;
        }
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value { Value::Number(n.to_string()) }
        }
    )*};
}
from_int!(i32, i64, u16, u32, u64, usize);
impl From<f64> for Value {
    /// A finite number; NaN and the infinities, which JSON cannot hold, become null.
    fn from(f: f64) -> Value {
        if !f.is_finite() {
            return Value::Null;
        }
        if f.fract() == 0.0 && f.abs() < 1e15 {
            return Value::Number(format!("{}", f as i64));
        }
        Value::Number(format!("{}", f))
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        match v {
            Some(x) => x.into(),
            None => Value::Null,
        }
    }
}

/// The parser's position in a text. Besides [`Value::parse`], the SDK's direct decoders
/// (`messages::read_request`) read with it, so that they accept exactly the JSON that
/// `parse` accepts.
pub(crate) struct Parser<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
}

impl<'a> Parser<'a> {
    fn what(&self) -> String {
        match self.b.get(self.i) {
            None => "end of input".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("'{}'", *c as char),
            Some(c) => format!("byte 0x{:02x}", c),
        }
    }

    fn err<T>(&self, want: &str) -> Result<T, String> {
        Err(format!("want {} at byte {}, found {}", want, self.i, self.what()))
    }

    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    pub(crate) fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("a JSON value")
        }
    }

    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!("JSON nested deeper than {} levels at byte {}", MAX_DEPTH, self.i));
        }
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::Object(m));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return self.err("a member name");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return self.err("':'");
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    m.push((k, v));
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Object(m));
                        }
                        _ => return self.err("',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::Array(a));
                }
                loop {
                    self.ws();
                    a.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Array(a));
                        }
                        _ => return self.err("',' or ']'"),
                    }
                }
            }
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.lit("true", Value::Bool(true)),
            Some(b'f') => self.lit("false", Value::Bool(false)),
            Some(b'n') => self.lit("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("a JSON value"),
        }
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err("a digit"),
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return self.err("a digit");
            }
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.err("a digit");
            }
        }
        // The bytes are ASCII digits and signs.
        Ok(Value::Number(String::from_utf8_lossy(&self.b[start..self.i]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.b.get(self.i) {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return self.err("a hex digit"),
            };
            v = v << 4 | d as u32;
            self.i += 1;
        }
        Ok(v)
    }

    pub(crate) fn string(&mut self) -> Result<String, String> {
        self.i += 1; // the opening quote
        // Most strings are printable ASCII with no escape: copy those in one piece, at
        // their size.
        let start = self.i;
        let mut j = start;
        while let Some(&c) = self.b.get(j) {
            if c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c) {
                break;
            }
            j += 1;
        }
        if self.b.get(j) == Some(&b'"') {
            self.i = j + 1;
            // SAFETY: the bytes are ASCII, so valid UTF-8.
            return Ok(unsafe { String::from_utf8_unchecked(self.b[start..j].to_vec()) });
        }
        let mut out: Vec<u8> = Vec::with_capacity(j - start + 16);
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.b[start..self.i]);
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out).map_err(|_| format!("invalid UTF-8 in a string ending at byte {}", self.i));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.b.get(self.i) {
                        Some(&c) => c,
                        None => return self.err("an escape"),
                    };
                    self.i += 1;
                    let ch = match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let mut cp = hi;
                            if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.i = save;
                                }
                            }
                            // A lone surrogate decodes as U+FFFD, as Go does.
                            std::char::from_u32(cp).unwrap_or('\u{FFFD}')
                        }
                        _ => {
                            self.i -= 1;
                            return self.err("a valid escape");
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => return self.err("'\"' closing a string"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (input, want) in [
            (r#" {"a" : [1, -2.5e3, true, false, null, "x"] } "#, r#"{"a":[1,-2.5e3,true,false,null,"x"]}"#),
            (r#""\u00e9\ud83d\ude00\n\"\\\/""#, "\"é😀\\n\\\"\\\\/\""),
            (r#""lone \ud800 surrogate""#, "\"lone \u{FFFD} surrogate\""),
            ("9007199254740993", "9007199254740993"),
            ("[]", "[]"),
            ("{}", "{}"),
        ] {
            let v = Value::parse(input.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", input, e));
            assert_eq!(v.to_json(), want, "input {}", input);
        }
    }

    /// The string reader (its fast path for plain ASCII, and the escaping writer) finds a
    /// special byte at any position.
    #[test]
    fn strings_at_every_offset() {
        for special in ["\"", "\\", "\u{1}", "\u{1f}", "\u{7f}", "é", "😀", "\u{2028}", " ", "~"] {
            for k in 0..20 {
                for m in [0, 1, 7, 8, 9, 17] {
                    let s = format!("{}{}{}", "a".repeat(k), special, "b".repeat(m));
                    let mut text = String::new();
                    write_string(&mut text, &s);
                    assert_eq!(Value::parse(text.as_bytes()), Ok(Value::String(s.clone())), "{:?}", text);
                }
                let raw = format!("\"{}\u{1}{}\"", "a".repeat(k), "b".repeat(9));
                assert!(Value::parse(raw.as_bytes()).is_err(), "{:?} parsed", raw);
                let mut bad = format!("\"{}", "a".repeat(k)).into_bytes();
                bad.extend_from_slice(b"\xff\xfeabcdefgh\"");
                assert!(Value::parse(&bad).is_err(), "{:?} parsed", bad);
            }
        }
    }

    #[test]
    fn bad_input() {
        for input in ["", "{", "[1,]", "{\"a\":}", "01", "1.", "\"\\q\"", "tru", "[1] 2", "\"a\u{1}\"", "-", "{\"a\" 1}"] {
            assert!(Value::parse(input.as_bytes()).is_err(), "{:?} parsed", input);
        }
        let deep = "[".repeat(MAX_DEPTH + 2);
        let err = Value::parse(deep.as_bytes()).unwrap_err();
        assert!(err.contains("nested deeper"), "{}", err);
        assert!(Value::parse(b"\"\xff\"").is_err());
    }
}
