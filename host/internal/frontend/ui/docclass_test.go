package ui

import (
	"strings"
	"testing"
)

// TestSanitizeDocClasses: documents keep the doc- classes theme.css styles, and the
// structure a docs reader needs, while the host's own classes and script go.
func TestSanitizeDocClasses(t *testing.T) {
	in := `<div class="doc-reader"><nav class="doc-nav"><a class="doc-nav-current" href="../x/">X</a></nav>` +
		`<article class="doc-content"><div class="doc-admonition doc-note"><p class="doc-admonition-title">Note</p></div>` +
		`<details class="doc-admonition doc-tip" open><summary class="doc-admonition-title">More</summary>m</details>` +
		`<pre class="doc-code"><code class="language-go"><span class="doc-hl-k">func</span></code></pre>` +
		`<footer class="doc-footer"><a href="/docs/a/">next</a></footer></article>` +
		`<p class="gr-menu">spoof</p><p class="doc-x gr-nav">mixed</p><span class="doc-Bad">caps</span>` +
		`<a href="javascript:alert(1)">js</a><script>alert(1)</script><img src="x" onerror="alert(1)"></div>`
	out := SanitizeHTML(in)
	for _, want := range []string{`<div class="doc-reader">`, `<nav class="doc-nav">`, `<a class="doc-nav-current" href="../x/"`,
		`<article class="doc-content">`, `<div class="doc-admonition doc-note">`, `<details class="doc-admonition doc-tip" open="">`,
		`<summary class="doc-admonition-title">`, `<code class="language-go"><span class="doc-hl-k">func</span>`, `<footer class="doc-footer">`} {
		if !strings.Contains(out, want) {
			t.Errorf("lost %s in\n%s", want, out)
		}
	}
	for _, bad := range []string{"gr-menu", "gr-nav", "doc-Bad", "javascript:", "<script", "onerror"} {
		if strings.Contains(out, bad) {
			t.Errorf("kept %s in\n%s", bad, out)
		}
	}
}
