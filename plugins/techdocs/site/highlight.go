package site

import (
	"html"
	"strings"
)

// A small, linear-time highlighter for fenced code. chroma, a faithful Pygments port,
// took 70% of a native build and most of a 20 s build of 300 pages inside WebAssembly
// (its lexers run backtracking regexps); this one scans each block once and marks
// comments, strings, numbers, keywords, constants, function names and YAML keys with
// Pygments' short class names (doc-hl-c, -s, -m, -k, -kc, -nf, -na), so the same theme
// styles it. Languages it does not know are escaped, not coloured.

type langSpec struct {
	lineComments  []string
	blockComments [][2]string
	quotes        string // characters that open a string
	keywords      map[string]bool
	constants     map[string]bool
	caseFold      bool // SQL
	yamlKeys      bool
	markup        bool // HTML/XML: tags as keywords, attributes as names
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

var (
	cConsts   = words("true false null nil None True False undefined NULL iota this self super")
	cLike     = langSpec{lineComments: []string{"//"}, blockComments: [][2]string{{"/*", "*/"}}, quotes: "\"'`", constants: cConsts}
	hashLike  = langSpec{lineComments: []string{"#"}, quotes: "\"'", constants: cConsts}
	languages = map[string]langSpec{}
)

func init() {
	add := func(base langSpec, kw string, names ...string) {
		base.keywords = words(kw)
		for _, n := range names {
			languages[n] = base
		}
	}
	add(cLike, "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var", "go", "golang")
	add(cLike, "abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized throw throws transient try void volatile while var record", "java")
	add(cLike, "fun val var class object interface when is in out if else for while do return break continue package import data sealed override open private public internal protected companion", "kotlin", "kt")
	add(cLike, "async await break case catch class const continue debugger default delete do else export extends finally for from function if import in instanceof let new of return static super switch throw try typeof var void while with yield interface type enum implements namespace declare readonly as", "javascript", "js", "typescript", "ts", "jsx", "tsx", "json5")
	add(cLike, "auto break case char const continue default do double else enum extern float for goto if inline int long register return short signed sizeof static struct switch typedef union unsigned void volatile while class namespace template typename public private protected virtual new delete using", "c", "cpp", "c++", "h", "hpp", "cc")
	add(cLike, "as break const continue crate else enum extern fn for if impl in let loop match mod move mut pub ref return static struct trait type unsafe use where while async await dyn", "rust", "rs")
	add(cLike, "abstract as base bool break case catch class const continue decimal default do else enum event explicit extern finally fixed for foreach if implicit in int interface internal is lock namespace new object operator out override params private protected public readonly ref return sealed static string struct switch throw try typeof using var virtual void while async await", "csharp", "cs", "c#")
	add(cLike, "func let var if else for in while return import struct class enum protocol extension guard switch case default break continue", "swift")
	add(cLike, "syntax package import option message enum service rpc returns repeated optional required oneof map reserved", "proto", "protobuf")
	add(hashLike, "and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield", "python", "py", "python3")
	add(hashLike, "if then else elif fi for while until do done case esac in function return export local readonly set unset exit echo cd source alias", "sh", "bash", "shell", "console", "zsh", "shell-session")
	add(hashLike, "begin end def class module if elsif else unless while until for in do return yield require include extend then case when", "ruby", "rb")
	add(hashLike, "FROM RUN CMD LABEL EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG ONBUILD STOPSIGNAL HEALTHCHECK SHELL AS", "dockerfile", "docker")
	add(hashLike, "resource data variable output module provider locals terraform for in if", "hcl", "terraform", "tf")
	add(hashLike, "", "toml", "ini", "conf", "properties", "makefile", "make")
	y := hashLike
	y.yamlKeys = true
	add(y, "", "yaml", "yml")
	sql := langSpec{lineComments: []string{"--"}, blockComments: [][2]string{{"/*", "*/"}}, quotes: "'\"", caseFold: true, constants: words("null true false")}
	add(sql, "select from where and or not insert into values update set delete create table drop alter index primary key foreign references join left right inner outer on group by order having limit offset as distinct union all case when then else end is in like between exists begin commit rollback", "sql", "postgresql", "mysql")
	add(langSpec{quotes: "\"", constants: words("true false null")}, "", "json", "jsonc")
	add(langSpec{blockComments: [][2]string{{"<!--", "-->"}}, quotes: "\"'", markup: true}, "", "html", "xml", "svg", "vue")
}

// highlight writes code as HTML with doc-hl- spans; ok is false for a language it does
// not know (the caller escapes the code instead).
func highlight(b *strings.Builder, lang, code string) bool {
	spec, ok := languages[lang]
	if !ok {
		return false
	}
	span := func(class, s string) {
		b.WriteString(`<span class="doc-hl-`)
		b.WriteString(class)
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(s))
		b.WriteString("</span>")
	}
	for i := 0; i < len(code); {
		c := code[i]
		if spec.markup && c == '<' && !strings.HasPrefix(code[i:], "<!--") {
			if j := strings.IndexByte(code[i:], '>'); j >= 0 {
				markupTag(b, code[i:i+j+1], span)
				i += j + 1
				continue
			}
		}
		for _, lc := range spec.lineComments {
			if strings.HasPrefix(code[i:], lc) && (lc != "#" || i == 0 || code[i-1] == ' ' || code[i-1] == '\t' || code[i-1] == '\n') {
				j := strings.IndexByte(code[i:], '\n')
				if j < 0 {
					j = len(code) - i
				}
				span("c", code[i:i+j])
				i += j
				goto next
			}
		}
		for _, bc := range spec.blockComments {
			if strings.HasPrefix(code[i:], bc[0]) {
				j := strings.Index(code[i+len(bc[0]):], bc[1])
				end := len(code)
				if j >= 0 {
					end = i + len(bc[0]) + j + len(bc[1])
				}
				span("c", code[i:end])
				i = end
				goto next
			}
		}
		if strings.IndexByte(spec.quotes, c) >= 0 {
			j := i + 1
			for j < len(code) && code[j] != c && (c == '`' || code[j] != '\n') {
				if code[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			j = min(j+1, len(code))
			span("s", code[i:j])
			i = j
			goto next
		}
		if c >= '0' && c <= '9' && (i == 0 || !isIdent(code[i-1])) {
			j := i
			for j < len(code) && (isIdent(code[j]) || code[j] == '.') {
				j++
			}
			span("m", code[i:j])
			i = j
			goto next
		}
		if isIdent(c) {
			j := i
			for j < len(code) && (isIdent(code[j]) || code[j] == '-' && spec.yamlKeys) {
				j++
			}
			w := code[i:j]
			key := w
			if spec.caseFold {
				key = strings.ToLower(w)
			}
			switch {
			case spec.yamlKeys && lineStartKey(code, i, j):
				span("na", w)
			case spec.keywords[key]:
				span("k", w)
			case spec.constants[key]:
				span("kc", w)
			case j < len(code) && code[j] == '(' && !spec.yamlKeys:
				span("nf", w)
			default:
				b.WriteString(html.EscapeString(w))
			}
			i = j
			goto next
		}
		b.WriteString(html.EscapeString(code[i : i+1]))
		i++
	next:
	}
	return true
}

// lineStartKey reports whether code[i:j] is a YAML mapping key: only spaces or "- "
// before it on its line, and a colon after it.
func lineStartKey(code string, i, j int) bool {
	if j >= len(code) || code[j] != ':' {
		return false
	}
	for k := i - 1; k >= 0 && code[k] != '\n'; k-- {
		if code[k] != ' ' && code[k] != '-' {
			return false
		}
	}
	return true
}

func markupTag(b *strings.Builder, tag string, span func(class, s string)) {
	// <name attr="v"> : the name a keyword, attribute names names, values strings.
	i := 1
	if i < len(tag) && (tag[i] == '/' || tag[i] == '!' || tag[i] == '?') {
		i++
	}
	j := i
	for j < len(tag) && (isIdent(tag[j]) || tag[j] == ':' || tag[j] == '-') {
		j++
	}
	b.WriteString(html.EscapeString(tag[:i]))
	span("nt", tag[i:j])
	rest := tag[j:]
	for len(rest) > 0 {
		k := strings.IndexAny(rest, `"'`)
		if k < 0 {
			b.WriteString(html.EscapeString(rest))
			break
		}
		b.WriteString(html.EscapeString(rest[:k]))
		e := strings.IndexByte(rest[k+1:], rest[k])
		if e < 0 {
			b.WriteString(html.EscapeString(rest[k:]))
			break
		}
		span("s", rest[k:k+e+2])
		rest = rest[k+e+2:]
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
