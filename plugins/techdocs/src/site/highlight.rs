//! A small, linear-time highlighter for fenced code. chroma, a
//! faithful Pygments port, took most of a WebAssembly build (its lexers run
//! backtracking regexps); this one scans each block once and marks comments, strings,
//! numbers, keywords, constants, function names and YAML keys with Pygments' short class
//! names (doc-hl-c, -s, -m, -k, -kc, -nf, -na, -nt), so the same theme styles it.
//! Languages it does not know are escaped, not coloured. Output is byte for byte the Go
//! highlighter's, escapes included (Go's html.EscapeString: &#39; and &#34;).

use super::page::escape_into;

struct LangSpec {
    line_comments: &'static [&'static str],
    block_comments: &'static [(&'static str, &'static str)],
    /// Characters that open a string.
    quotes: &'static [u8],
    keywords: &'static [&'static str],
    constants: &'static [&'static str],
    /// SQL: keywords in any case.
    case_fold: bool,
    yaml_keys: bool,
    /// HTML/XML: tags as keywords, attributes as names.
    markup: bool,
}

const C_CONSTS: &[&str] = &["true", "false", "null", "nil", "None", "True", "False", "undefined", "NULL", "iota", "this", "self", "super"];
const C_LINE: &[&str] = &["//"];
const C_BLOCK: &[(&str, &str)] = &[("/*", "*/")];
const HASH_LINE: &[&str] = &["#"];
const C_QUOTES: &[u8] = b"\"'`";
const HASH_QUOTES: &[u8] = b"\"'";

const fn c_like(keywords: &'static [&'static str]) -> LangSpec {
    LangSpec { line_comments: C_LINE, block_comments: C_BLOCK, quotes: C_QUOTES, keywords, constants: C_CONSTS, case_fold: false, yaml_keys: false, markup: false }
}

const fn hash_like(keywords: &'static [&'static str]) -> LangSpec {
    LangSpec { line_comments: HASH_LINE, block_comments: &[], quotes: HASH_QUOTES, keywords, constants: C_CONSTS, case_fold: false, yaml_keys: false, markup: false }
}

static GO: LangSpec = c_like(&["break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var"]);
static JAVA: LangSpec = c_like(&["abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "throw", "throws", "transient", "try", "void", "volatile", "while", "var", "record"]);
static KOTLIN: LangSpec = c_like(&["fun", "val", "var", "class", "object", "interface", "when", "is", "in", "out", "if", "else", "for", "while", "do", "return", "break", "continue", "package", "import", "data", "sealed", "override", "open", "private", "public", "internal", "protected", "companion"]);
static JS: LangSpec = c_like(&["async", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "export", "extends", "finally", "for", "from", "function", "if", "import", "in", "instanceof", "let", "new", "of", "return", "static", "super", "switch", "throw", "try", "typeof", "var", "void", "while", "with", "yield", "interface", "type", "enum", "implements", "namespace", "declare", "readonly", "as"]);
static C: LangSpec = c_like(&["auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "class", "namespace", "template", "typename", "public", "private", "protected", "virtual", "new", "delete", "using"]);
static RUST: LangSpec = c_like(&["as", "break", "const", "continue", "crate", "else", "enum", "extern", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "type", "unsafe", "use", "where", "while", "async", "await", "dyn"]);
static CSHARP: LangSpec = c_like(&["abstract", "as", "base", "bool", "break", "case", "catch", "class", "const", "continue", "decimal", "default", "do", "else", "enum", "event", "explicit", "extern", "finally", "fixed", "for", "foreach", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "namespace", "new", "object", "operator", "out", "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sealed", "static", "string", "struct", "switch", "throw", "try", "typeof", "using", "var", "virtual", "void", "while", "async", "await"]);
static SWIFT: LangSpec = c_like(&["func", "let", "var", "if", "else", "for", "in", "while", "return", "import", "struct", "class", "enum", "protocol", "extension", "guard", "switch", "case", "default", "break", "continue"]);
static PROTO: LangSpec = c_like(&["syntax", "package", "import", "option", "message", "enum", "service", "rpc", "returns", "repeated", "optional", "required", "oneof", "map", "reserved"]);
static PYTHON: LangSpec = hash_like(&["and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"]);
static SHELL: LangSpec = hash_like(&["if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in", "function", "return", "export", "local", "readonly", "set", "unset", "exit", "echo", "cd", "source", "alias"]);
static RUBY: LangSpec = hash_like(&["begin", "end", "def", "class", "module", "if", "elsif", "else", "unless", "while", "until", "for", "in", "do", "return", "yield", "require", "include", "extend", "then", "case", "when"]);
static DOCKER: LangSpec = hash_like(&["FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "AS"]);
static HCL: LangSpec = hash_like(&["resource", "data", "variable", "output", "module", "provider", "locals", "terraform", "for", "in", "if"]);
static CONF: LangSpec = hash_like(&[]);
static YAML: LangSpec = LangSpec { yaml_keys: true, ..hash_like(&[]) };
static SQL: LangSpec = LangSpec {
    line_comments: &["--"],
    block_comments: C_BLOCK,
    quotes: b"'\"",
    keywords: &["select", "from", "where", "and", "or", "not", "insert", "into", "values", "update", "set", "delete", "create", "table", "drop", "alter", "index", "primary", "key", "foreign", "references", "join", "left", "right", "inner", "outer", "on", "group", "by", "order", "having", "limit", "offset", "as", "distinct", "union", "all", "case", "when", "then", "else", "end", "is", "in", "like", "between", "exists", "begin", "commit", "rollback"],
    constants: &["null", "true", "false"],
    case_fold: true,
    yaml_keys: false,
    markup: false,
};
static JSON: LangSpec = LangSpec { line_comments: &[], block_comments: &[], quotes: b"\"", keywords: &[], constants: &["true", "false", "null"], case_fold: false, yaml_keys: false, markup: false };
static MARKUP: LangSpec = LangSpec { line_comments: &[], block_comments: &[("<!--", "-->")], quotes: b"\"'", keywords: &[], constants: &[], case_fold: false, yaml_keys: false, markup: true };

fn spec_of(lang: &str) -> Option<&'static LangSpec> {
    Some(match lang {
        "go" | "golang" => &GO,
        "java" => &JAVA,
        "kotlin" | "kt" => &KOTLIN,
        "javascript" | "js" | "typescript" | "ts" | "jsx" | "tsx" | "json5" => &JS,
        "c" | "cpp" | "c++" | "h" | "hpp" | "cc" => &C,
        "rust" | "rs" => &RUST,
        "csharp" | "cs" | "c#" => &CSHARP,
        "swift" => &SWIFT,
        "proto" | "protobuf" => &PROTO,
        "python" | "py" | "python3" => &PYTHON,
        "sh" | "bash" | "shell" | "console" | "zsh" | "shell-session" => &SHELL,
        "ruby" | "rb" => &RUBY,
        "dockerfile" | "docker" => &DOCKER,
        "hcl" | "terraform" | "tf" => &HCL,
        "toml" | "ini" | "conf" | "properties" | "makefile" | "make" => &CONF,
        "yaml" | "yml" => &YAML,
        "sql" | "postgresql" | "mysql" => &SQL,
        "json" | "jsonc" => &JSON,
        "html" | "xml" | "svg" | "vue" => &MARKUP,
        _ => return None,
    })
}


fn span(out: &mut String, class: &str, s: &str) {
    out.push_str("<span class=\"doc-hl-");
    out.push_str(class);
    out.push_str("\">");
    escape_into(out, s);
    out.push_str("</span>");
}

fn is_ident(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80
}

/// Every cut below falls on an ASCII byte or an end, so sub never fails; it returns ""
/// rather than panic should it ever.
fn sub(s: &str, i: usize, j: usize) -> &str {
    s.get(i..j).unwrap_or("")
}

/// Writes code as HTML with doc-hl- spans; false for a language it does not know (the
/// caller escapes the code instead, and nothing is written).
pub fn highlight(out: &mut String, lang: &str, code: &str) -> bool {
    let spec = match spec_of(lang) {
        Some(s) => s,
        None => return false,
    };
    let b = code.as_bytes();
    let n = b.len();
    let mut lower = String::new();
    let mut i = 0;
    'scan: while i < n {
        let c = b[i];
        let rest = &b[i..];
        if spec.markup && c == b'<' && !rest.starts_with(b"<!--") {
            if let Some(j) = rest.iter().position(|&x| x == b'>') {
                markup_tag(out, sub(code, i, i + j + 1));
                i += j + 1;
                continue;
            }
        }
        for lc in spec.line_comments {
            if rest.starts_with(lc.as_bytes()) && (*lc != "#" || i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n')) {
                let j = rest.iter().position(|&x| x == b'\n').unwrap_or(n - i);
                span(out, "c", sub(code, i, i + j));
                i += j;
                continue 'scan;
            }
        }
        for (open, close) in spec.block_comments {
            if rest.starts_with(open.as_bytes()) {
                let after = i + open.len();
                let end = match find(&b[after..], close.as_bytes()) {
                    Some(j) => after + j + close.len(),
                    None => n,
                };
                span(out, "c", sub(code, i, end));
                i = end;
                continue 'scan;
            }
        }
        if spec.quotes.contains(&c) {
            let mut j = i + 1;
            while j < n && b[j] != c && (c == b'`' || b[j] != b'\n') {
                if b[j] == b'\\' && c != b'`' {
                    j += 1;
                }
                j += 1;
            }
            let j = (j + 1).min(n);
            span(out, "s", sub(code, i, j));
            i = j;
            continue;
        }
        if c.is_ascii_digit() && (i == 0 || !is_ident(b[i - 1])) {
            let mut j = i;
            while j < n && (is_ident(b[j]) || b[j] == b'.') {
                j += 1;
            }
            span(out, "m", sub(code, i, j));
            i = j;
            continue;
        }
        if is_ident(c) {
            let mut j = i;
            while j < n && (is_ident(b[j]) || b[j] == b'-' && spec.yaml_keys) {
                j += 1;
            }
            let w = sub(code, i, j);
            let key = if spec.case_fold {
                lower.clear();
                lower.push_str(w);
                lower.make_ascii_lowercase();
                lower.as_str()
            } else {
                w
            };
            if spec.yaml_keys && line_start_key(b, i, j) {
                span(out, "na", w);
            } else if spec.keywords.contains(&key) {
                span(out, "k", w);
            } else if spec.constants.contains(&key) {
                span(out, "kc", w);
            } else if j < n && b[j] == b'(' && !spec.yaml_keys {
                span(out, "nf", w);
            } else {
                escape_into(out, w);
            }
            i = j;
            continue;
        }
        escape_into(out, sub(code, i, i + 1));
        i += 1;
    }
    true
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether code[i..j] is a YAML mapping key: only spaces or "- " before it on its line,
/// and a colon after it.
fn line_start_key(b: &[u8], i: usize, j: usize) -> bool {
    if j >= b.len() || b[j] != b':' {
        return false;
    }
    b[..i].iter().rev().take_while(|&&c| c != b'\n').all(|&c| c == b' ' || c == b'-')
}

/// <name attr="v">: the name a tag, attribute values strings.
fn markup_tag(out: &mut String, tag: &str) {
    let t = tag.as_bytes();
    let mut i = 1;
    if i < t.len() && matches!(t[i], b'/' | b'!' | b'?') {
        i += 1;
    }
    let mut j = i;
    while j < t.len() && (is_ident(t[j]) || t[j] == b':' || t[j] == b'-') {
        j += 1;
    }
    escape_into(out, sub(tag, 0, i));
    span(out, "nt", sub(tag, i, j));
    let mut rest = sub(tag, j, tag.len());
    while !rest.is_empty() {
        let r = rest.as_bytes();
        let k = match r.iter().position(|&c| c == b'"' || c == b'\'') {
            Some(k) => k,
            None => {
                escape_into(out, rest);
                break;
            }
        };
        escape_into(out, sub(rest, 0, k));
        let e = match r[k + 1..].iter().position(|&c| c == r[k]) {
            Some(e) => e,
            None => {
                escape_into(out, sub(rest, k, rest.len()));
                break;
            }
        };
        span(out, "s", sub(rest, k, k + e + 2));
        rest = sub(rest, k + e + 2, rest.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(lang: &str, code: &str) -> String {
        let mut s = String::new();
        assert!(highlight(&mut s, lang, code), "{} is not known", lang);
        s
    }

    // From the Go builder's TestHighlight.
    #[test]
    fn highlight_marks() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("go", "func main() { // hi\n\tfmt.Println(\"a<b\", 42, nil) }", &[
                r#"<span class="doc-hl-k">func</span>"#, r#"<span class="doc-hl-nf">main</span>("#, r#"<span class="doc-hl-c">// hi</span>"#,
                r#"<span class="doc-hl-s">&#34;a&lt;b&#34;</span>"#, r#"<span class="doc-hl-m">42</span>"#, r#"<span class="doc-hl-kc">nil</span>"#]),
            ("yaml", "image:\n  tag: v1.42.0   # the last good tag\n  - name: 'x'\n", &[
                r#"<span class="doc-hl-na">image</span>:"#, r#"<span class="doc-hl-na">tag</span>:"#, r#"<span class="doc-hl-c"># the last good tag</span>"#, r#"<span class="doc-hl-na">name</span>"#, r#"<span class="doc-hl-s">&#39;x&#39;</span>"#]),
            ("sql", "SELECT id FROM t -- all", &[r#"<span class="doc-hl-k">SELECT</span>"#, r#"<span class="doc-hl-k">FROM</span>"#, r#"<span class="doc-hl-c">-- all</span>"#]),
            ("html", r#"<a href="/x">t</a><!-- c -->"#, &[r#"&lt;<span class="doc-hl-nt">a</span> href=<span class="doc-hl-s">&#34;/x&#34;</span>&gt;"#, r#"<span class="doc-hl-c">&lt;!-- c --&gt;</span>"#]),
            ("sh", "echo $HOME#not-a-comment # comment", &[r#"<span class="doc-hl-k">echo</span>"#, "$HOME#not-a-comment ", r#"<span class="doc-hl-c"># comment</span>"#]),
            ("python", r#"s = "unterminated"#, &[r#"<span class="doc-hl-s">&#34;unterminated</span>"#]),
        ];
        for (lang, code, want) in cases {
            let got = hl(lang, code);
            for w in *want {
                assert!(got.contains(w), "{}: lacks {} in\n{}", lang, w, got);
            }
        }
        let mut b = String::new();
        assert!(!highlight(&mut b, "brainfuck", "+++") && b.is_empty(), "an unknown language is highlighted");
    }

    // Whole outputs taken from the Go highlighter.
    #[test]
    fn highlight_exact() {
        let cases: &[(&str, &str, &str)] = &[
            ("go", "func f() {}\n", "<span class=\"doc-hl-k\">func</span> <span class=\"doc-hl-nf\">f</span>() {}\n"),
            ("py", "x = 1\n", "x = <span class=\"doc-hl-m\">1</span>\n"),
            ("c++", "int", "<span class=\"doc-hl-k\">int</span>"),
        ];
        for (lang, code, want) in cases {
            assert_eq!(&hl(lang, code), want, "{}", lang);
        }
    }

    // Bad input: unterminated strings, comments and tags, escapes at the end, non-ASCII
    // text next to every cut; none may panic.
    #[test]
    fn highlight_bad_input() {
        for lang in ["go", "yaml", "sql", "html", "sh", "json", "python"] {
            for code in ["\"\\", "'é\\é", "/* é", "<!-- é", "<é x=\"é", "<a b='", "é1é.2", "-- é", "#é", "`é\n", "", "\\"] {
                let mut s = String::new();
                highlight(&mut s, lang, code);
            }
        }
    }
}
