// Package site builds a TechDocs site from a docs tree the way mkdocs with
// techdocs-core does: mkdocs.yml's site_name, docs_dir and nav, every Markdown file a
// page at a directory URL, titles, relative links rewritten, and the Markdown
// extensions techdocs-core enables. It is plain Go, so the plugin runs it inside
// WebAssembly and its tests run natively.
package site

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"
)

// Options tune a build.
type Options struct {
	// EditBase, when set, is the URL that a page's source path (relative to the tree's
	// root) is appended to for its edit link. Without it, mkdocs.yml's repo_url and
	// edit_uri give the link, as in mkdocs.
	EditBase string
	// EditURL is the edit link of pages that EditBase does not give one.
	EditURL string
	// MaxFiles and MaxFileSize refuse larger trees and files; 0 means no limit.
	MaxFiles    int
	MaxFileSize int64
	// ETag and Now go into techdocs_metadata.json.
	ETag string
	Now  time.Time
}

// Site is a built site.
type Site struct {
	Name        string     `json:"site_name"`
	Description string     `json:"site_description"`
	Nav         []*NavItem `json:"nav"`
	Pages       []*Page    `json:"pages"`
	// Files are the site's files, by path relative to the site root.
	Files map[string][]byte `json:"-"`
	// Warnings name the file and what to fix; the build went on.
	Warnings []string `json:"warnings,omitempty"`
	// Search is the site's search index (search/search_index.json): each page, then
	// each of its sections, as mkdocs' search plugin writes them.
	Search []SearchEntry `json:"-"`
}

// Page is one page of a site.
type Page struct {
	Src   string    `json:"src"`
	URL   string    `json:"url"`
	Title string    `json:"title"`
	TOC   []Heading `json:"toc,omitempty"`
	Prev  *Ref      `json:"prev,omitempty"`
	Next  *Ref      `json:"next,omitempty"`
	Edit  string    `json:"edit,omitempty"`
	html  []byte
	text  string
	// sections are the page's sections for the search index.
	sections []SearchEntry
}

// Ref points at a page.
type Ref struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// NavItem is one entry of the site's nav: a page, an external link, or a section.
type NavItem struct {
	Title    string     `json:"title"`
	URL      string     `json:"url,omitempty"`
	External bool       `json:"external,omitempty"`
	Children []*NavItem `json:"children,omitempty"`
}

// Metadata is techdocs_metadata.json, as Backstage writes it.
type Metadata struct {
	SiteName        string   `json:"site_name"`
	SiteDescription string   `json:"site_description"`
	ETag            string   `json:"etag"`
	BuildTimestamp  int64    `json:"build_timestamp"`
	Files           []string `json:"files"`
}

// Files that the build writes besides the pages and assets.
const (
	MetadataFile = "techdocs_metadata.json"
	SiteFile     = "techdocs_site.json"
	ThemeFile    = "assets/techdocs.css"
	SearchFile   = "search/search_index.json"
)

type builder struct {
	cfg        *Config
	pagesBySrc map[string]*Page
	assets     map[string][]byte
	dirs       map[string]bool
	md         goldmark.Markdown
	mdPlain    goldmark.Markdown // md without linkify, for pages without links to find
	warnings   []string
}

// Build builds the site of a docs tree: files maps paths relative to the tree's root
// (where mkdocs.yml is) to contents.
func Build(files map[string][]byte, opts Options) (*Site, error) {
	if opts.MaxFiles > 0 && len(files) > opts.MaxFiles {
		return nil, &Error{Msg: fmt.Sprintf("the docs source has %d files, more than the limit of %d (plugin config maxFiles); keep only the docs in the directory that backstage.io/techdocs-ref names, or raise the limit", len(files), opts.MaxFiles)}
	}
	if opts.MaxFileSize > 0 {
		for _, name := range sortedKeys(files) {
			if n := int64(len(files[name])); n > opts.MaxFileSize {
				return nil, &Error{File: name, Msg: fmt.Sprintf("the file is %d bytes, more than the limit of %d (plugin config maxFileSize); remove it from the docs or raise the limit", n, opts.MaxFileSize)}
			}
		}
	}
	cfg, err := LoadConfig(files)
	if err != nil {
		return nil, err
	}
	b := &builder{cfg: cfg, pagesBySrc: map[string]*Page{}, assets: map[string][]byte{}, dirs: map[string]bool{}, md: newMarkdown(), mdPlain: newMarkdownPlain()}
	prefix := cfg.DocsDir + "/"
	if cfg.DocsDir == "." {
		prefix = ""
	}
	found := false
	var sources = map[string][]byte{}
	for _, name := range sortedKeys(files) {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		found = true
		rel := strings.TrimPrefix(name, prefix)
		if hidden(rel) || prefix == "" && (rel == "mkdocs.yml" || rel == "mkdocs.yaml") {
			continue
		}
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			b.dirs[d] = true
		}
		if isMarkdown(rel) {
			sources[rel] = files[name]
		} else {
			b.assets[rel] = files[name]
		}
	}
	if !found {
		return nil, &Error{File: cfg.File, Msg: fmt.Sprintf("docs_dir %q has no files; create %s/index.md or set docs_dir to the directory that holds the Markdown", cfg.DocsDir, cfg.DocsDir)}
	}
	// A folder's README.md is its index when it has no index.md.
	var pages []*Page
	for _, src := range sortedKeys(sources) {
		dir, base := path.Split(src)
		if strings.EqualFold(base, "README.md") {
			if _, ok := sources[dir+"index.md"]; ok {
				b.warn("%s%s: both index.md and README.md are in %q; index.md is the folder's page and README.md is left out", prefix, src, strings.TrimSuffix(dir, "/"))
				continue
			}
		}
		p := &Page{Src: src, URL: pageURL(src)}
		b.pagesBySrc[src] = p
		pages = append(pages, p)
	}
	sort.SliceStable(pages, func(i, j int) bool { return navLess(pages[i].Src, pages[j].Src) })

	// Titles: nav label, then front matter, then a first line "# ", then the file name.
	bodies := map[*Page][]byte{}
	for _, p := range pages {
		raw := sources[p.Src]
		if !utf8.Valid(raw) {
			b.warn("%s%s: not valid UTF-8; invalid bytes are shown as U+FFFD. Save the file as UTF-8", prefix, p.Src)
			raw = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
		}
		meta, body := frontMatter(raw)
		bodies[p] = body
		if t, ok := meta["title"].(string); ok && strings.TrimSpace(t) != "" {
			p.Title = strings.TrimSpace(t)
		} else if t := firstLineTitle(body); t != "" {
			p.Title = t
		} else {
			p.Title = fileTitle(p)
		}
	}
	site := &Site{Name: cfg.SiteName, Description: cfg.SiteDescription, Pages: pages, Files: map[string][]byte{}}
	var order []*Page
	if cfg.HasNav {
		site.Nav, order = b.navFromConfig(cfg.Nav, prefix)
	} else {
		site.Nav, order = b.navFromFiles(pages)
	}
	for i, p := range order {
		if i > 0 {
			p.Prev = &Ref{URL: order[i-1].URL, Title: order[i-1].Title}
		}
		if i+1 < len(order) {
			p.Next = &Ref{URL: order[i+1].URL, Title: order[i+1].Title}
		}
	}
	for _, p := range pages {
		switch {
		case opts.EditBase != "":
			p.Edit = opts.EditBase + prefix + p.Src
		case cfg.RepoURL != "" && cfg.EditURI != "" && isExternal(cfg.RepoURL):
			// mkdocs: edit_uri is relative to repo_url and points at docs_dir.
			p.Edit = strings.TrimSuffix(cfg.RepoURL, "/") + "/" + strings.Trim(cfg.EditURI, "/") + "/" + p.Src
		default:
			p.Edit = opts.EditURL
		}
		if err := b.render(p, bodies[p]); err != nil {
			return nil, err
		}
	}
	site.Warnings = b.warnings
	for rel, c := range b.assets {
		site.Files[rel] = c
	}
	site.Files[ThemeFile] = []byte(ThemeCSS)
	navs := navCache{}
	for _, p := range pages {
		site.Files[p.URL+"index.html"] = staticPage(site, p, navs)
	}
	idx, _ := json.Marshal(site)
	site.Files[SiteFile] = idx
	site.Search = searchEntries(site)
	site.Files[SearchFile] = searchIndex(site.Search)
	meta := Metadata{SiteName: site.Name, SiteDescription: site.Description, ETag: opts.ETag, BuildTimestamp: opts.Now.UnixMilli(), Files: []string{}}
	meta.Files = append(meta.Files, sortedKeys(site.Files)...)
	meta.Files = append(meta.Files, MetadataFile)
	sort.Strings(meta.Files)
	mb, _ := json.Marshal(meta)
	site.Files[MetadataFile] = mb
	return site, nil
}

func (b *builder) warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

func (b *builder) render(p *Page, body []byte) error {
	pc := &pageCtx{src: p.Src, url: p.URL, site: b}
	ctx := parser.NewContext()
	ctx.Set(pageKey, pc)
	md := b.md
	if !mayLinkify(body) {
		md = b.mdPlain
	}
	doc := md.Parser().Parse(text.NewReader(body), parser.WithContext(ctx))
	var out bytes.Buffer
	// Highlighted code makes the HTML about three times the Markdown.
	out.Grow(4*len(body) + 1024)
	if err := md.Renderer().Render(&out, body, doc); err != nil {
		return &Error{File: b.cfg.DocsDir + "/" + p.Src, Msg: "rendering: " + err.Error()}
	}
	p.html, p.TOC = out.Bytes(), pc.toc
	// The text leaves out the headings' ¶ permalinks, as mkdocs' index has no such marks.
	p.text, p.sections = pageText(p.html, p.TOC)
	for _, w := range pc.warnings {
		b.warn("%s", prefixed(b.cfg.DocsDir, w))
	}
	return nil
}

func prefixed(docsDir, s string) string {
	if docsDir == "." {
		return s
	}
	return docsDir + "/" + s
}

// navFromConfig resolves mkdocs.yml's nav; it returns the nav and its pages in order.
func (b *builder) navFromConfig(entries []NavEntry, prefix string) ([]*NavItem, []*Page) {
	var order []*Page
	var walk func([]NavEntry) []*NavItem
	walk = func(es []NavEntry) []*NavItem {
		out := []*NavItem{}
		for _, e := range es {
			switch {
			case e.Section:
				out = append(out, &NavItem{Title: e.Title, Children: walk(e.Children)})
			case e.URL != "":
				t := e.Title
				if t == "" {
					t = e.URL
				}
				out = append(out, &NavItem{Title: t, URL: e.URL, External: true})
			default:
				src := path.Clean(strings.TrimPrefix(e.Path, "./"))
				p, ok := b.pagesBySrc[src]
				if !ok {
					b.warn("%s:%d: nav names %q, which is not among the documentation files in %s; fix the path (relative to docs_dir) or add the file", b.cfg.File, e.Line, e.Path, strings.TrimSuffix(prefix, "/"))
					continue
				}
				if e.Title != "" {
					p.Title = e.Title
				}
				order = append(order, p)
				out = append(out, &NavItem{Title: p.Title, URL: p.URL})
			}
		}
		return out
	}
	nav := walk(entries)
	// Nav labels may have changed titles: refresh the items.
	var fix func([]*NavItem)
	fix = func(items []*NavItem) {
		for _, it := range items {
			if !it.External && it.Children == nil {
				for _, p := range order {
					if p.URL == it.URL {
						it.Title = p.Title
					}
				}
			}
			fix(it.Children)
		}
	}
	fix(nav)
	return nav, order
}

// navFromFiles is mkdocs' nav without a nav key: every page in order, folders as
// sections titled after the folder.
func (b *builder) navFromFiles(pages []*Page) ([]*NavItem, []*Page) {
	root := []*NavItem{}
	sections := map[string]*NavItem{}
	var add func(dir string) *[]*NavItem
	add = func(dir string) *[]*NavItem {
		if dir == "" {
			return &root
		}
		if s, ok := sections[dir]; ok {
			return &s.Children
		}
		parent := add(parentDir(dir))
		s := &NavItem{Title: dirTitle(path.Base(dir)), Children: []*NavItem{}}
		sections[dir] = s
		*parent = append(*parent, s)
		return &s.Children
	}
	for _, p := range pages {
		dir := path.Dir(p.Src)
		if dir == "." {
			dir = ""
		}
		list := add(dir)
		*list = append(*list, &NavItem{Title: p.Title, URL: p.URL})
	}
	return root, pages
}

func parentDir(d string) string {
	if p := path.Dir(d); p != "." {
		return p
	}
	return ""
}

// navLess orders docs paths as mkdocs does: by path segments, a folder's index (or
// README) first.
func navLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		ai, bi := isIndex(as[i]) && i == len(as)-1, isIndex(bs[i]) && i == len(bs)-1
		if ai != bi {
			return ai
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

func isIndex(name string) bool { return name == "index.md" || strings.EqualFold(name, "README.md") }

func isMarkdown(p string) bool {
	l := strings.ToLower(p)
	return strings.HasSuffix(l, ".md") || strings.HasSuffix(l, ".markdown")
}

func hidden(rel string) bool {
	for _, s := range strings.Split(rel, "/") {
		if strings.HasPrefix(s, ".") {
			return true
		}
	}
	return false
}

// pageURL is the page's URL under use_directory_urls: x.md at x/, a folder's
// index.md or README.md at the folder.
func pageURL(src string) string {
	dir, base := path.Split(src)
	stem := base[:len(base)-len(path.Ext(base))]
	if base == "index.md" || strings.EqualFold(base, "README.md") {
		return dir
	}
	return dir + stem + "/"
}

func fileTitle(p *Page) string {
	if p.URL == "" {
		return "Home"
	}
	base := path.Base(p.Src)
	stem := base[:len(base)-len(path.Ext(base))]
	if isIndex(base) {
		stem = "index"
	}
	return dirTitle(stem)
}

// dirTitle is mkdocs' title from a file or folder name: - and _ become spaces, and an
// all-lower-case name is capitalised.
func dirTitle(name string) string {
	t := strings.NewReplacer("-", " ", "_", " ").Replace(name)
	if strings.ToLower(t) == t && t != "" {
		return strings.ToUpper(t[:1]) + t[1:]
	}
	return t
}

// frontMatter splits YAML front matter (between --- lines at the top) from the body.
func frontMatter(b []byte) (map[string]any, []byte) {
	if !bytes.HasPrefix(b, []byte("---\n")) && !bytes.HasPrefix(b, []byte("---\r\n")) {
		return nil, b
	}
	rest := b[bytes.IndexByte(b, '\n')+1:]
	for off := 0; off < len(rest); {
		nl := bytes.IndexByte(rest[off:], '\n')
		line := rest[off:]
		if nl >= 0 {
			line = rest[off : off+nl]
		}
		l := strings.TrimRight(string(line), "\r ")
		if l == "---" || l == "..." {
			var meta map[string]any
			if yaml.Unmarshal(rest[:off], &meta) != nil {
				return nil, b
			}
			if nl < 0 {
				return meta, nil
			}
			return meta, rest[off+nl+1:]
		}
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	return nil, b
}

// firstLineTitle is mkdocs' get_markdown_title: the first line with content, when it
// starts with "# ", without its leading #s and spaces. Lines end at \n, \r\n or \r.
// It reads the body in place: copying and splitting every page took 15 MB a build.
func firstLineTitle(body []byte) string {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !bytes.HasPrefix(line, []byte("# ")) {
			return ""
		}
		return strings.TrimLeft(string(line), "# ")
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
