package ui

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html"
)

//go:embed theme.css
var themeCSS string

// shellJS is the host's one script (shell.js): the "/" shortcut to the search box,
// copy buttons, and reloading a live page. Pages work without it.
//
//go:embed shell.js
var shellJS string

// Stylesheet is the host's CSS (light and dark themes through CSS variables,
// prefers-color-scheme, and a script-free toggle). It is inlined in every document.
func Stylesheet() string { return themeCSS }

// ContentSecurityPolicy is the policy to send with every page from Document: no
// script but the host's own (shell.js) and no stylesheet but the host's, each allowed by
// its hash, forms only to this origin.
var ContentSecurityPolicy = func() string {
	css := sha256.Sum256([]byte(themeCSS))
	js := sha256.Sum256([]byte(shellJS))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(js[:]) +
		"'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(css[:]) + "'; img-src 'self' https: data:; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}()

// Themes a document can be forced to; "" follows the browser (prefers-color-scheme).
const (
	ThemeSystem = ""
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// DocumentOptions are the parts of a page around the rendered tree.
type DocumentOptions struct {
	// SiteTitle is appended to the page title: "Catalog | Greenroom".
	SiteTitle string
	// Theme forces light or dark; the toggle in the layout then switches to the other.
	Theme string
}

// Document renders a tree as a complete HTML5 document with the host stylesheet.
func Document(n *Node, opts DocumentOptions) []byte {
	var body bytes.Buffer
	body.Grow(8192)
	title := Render(&body, n)
	switch {
	case title == "":
		title = opts.SiteTitle
	case opts.SiteTitle != "" && opts.SiteTitle != title:
		title += " | " + opts.SiteTitle
	}
	var b bytes.Buffer
	b.Grow(body.Len() + len(themeCSS) + len(shellJS) + 512)
	b.WriteString(`<!DOCTYPE html><html lang="en"`)
	if opts.Theme == ThemeLight || opts.Theme == ThemeDark {
		b.WriteString(` data-theme="` + opts.Theme + `"`)
	}
	b.WriteString(`><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title><style>`)
	b.WriteString(themeCSS)
	b.WriteString(`</style><script>`)
	b.WriteString(shellJS)
	b.WriteString(`</script></head><body>`)
	b.Write(body.Bytes())
	b.WriteString(`</body></html>`)
	return b.Bytes()
}

//go:embed schema.json
var schemaJSON []byte

// Schema is the JSON Schema (draft 2020-12) of a UI tree, as plugin authors see it.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }
