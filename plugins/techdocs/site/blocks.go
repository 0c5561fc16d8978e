package site

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The block syntaxes of Python-Markdown that techdocs-core enables and goldmark lacks:
// admonitions (`!!! note "Title"`), pymdownx.details (`??? note`, `???+ note` open) and
// pymdownx.tabbed (`=== "Tab"`), each followed by content indented four spaces.

// Admonition is an admonition or a details block.
type Admonition struct {
	ast.BaseBlock
	Variant string // note, warning, ... (lower case)
	Title   string
	HasHead bool // false for an explicit empty title ""
	Details bool // ??? or ???+
	Open    bool // ???+
}

// KindAdmonition is Admonition's node kind.
var KindAdmonition = ast.NewNodeKind("Admonition")

// Kind implements ast.Node.
func (n *Admonition) Kind() ast.NodeKind { return KindAdmonition }

// Dump implements ast.Node.
func (n *Admonition) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Variant": n.Variant, "Title": n.Title}, nil)
}

// Tab is one tab of pymdownx.tabbed; consecutive tabs form a TabSet.
type Tab struct {
	ast.BaseBlock
	Label string
}

// KindTab is Tab's node kind.
var KindTab = ast.NewNodeKind("Tab")

// Kind implements ast.Node.
func (n *Tab) Kind() ast.NodeKind { return KindTab }

// Dump implements ast.Node.
func (n *Tab) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Label": n.Label}, nil)
}

// TabSet groups consecutive tabs.
type TabSet struct{ ast.BaseBlock }

// KindTabSet is TabSet's node kind.
var KindTabSet = ast.NewNodeKind("TabSet")

// Kind implements ast.Node.
func (n *TabSet) Kind() ast.NodeKind { return KindTabSet }

// Dump implements ast.Node.
func (n *TabSet) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

var (
	admonitionLine = regexp.MustCompile(`^ {0,3}(!!!|\?\?\?\+?)[ \t]+([A-Za-z0-9_-]+)(?:[ \t]+[A-Za-z0-9_ -]*?)?(?:[ \t]+"(.*)")?[ \t]*$`)
	tabLine        = regexp.MustCompile(`^ {0,3}===!?\+?[ \t]+"(.*)"[ \t]*$`)
)

type indentedBlockParser struct {
	trigger []byte
	open    func(line string) ast.Node
}

func (p *indentedBlockParser) Trigger() []byte { return p.trigger }

func (p *indentedBlockParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, _ := reader.PeekLine()
	n := p.open(strings.TrimRight(string(line), "\r\n"))
	if n == nil {
		return nil, parser.NoChildren
	}
	reader.AdvanceToEOL()
	return n, parser.HasChildren
}

func (p *indentedBlockParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, _ := reader.PeekLine()
	if util.IsBlank(line) {
		reader.AdvanceToEOL()
		return parser.Continue | parser.HasChildren
	}
	if w, _ := util.IndentWidth(line, reader.LineOffset()); w < 4 {
		return parser.Close
	}
	pos, padding := util.IndentPosition(line, reader.LineOffset(), 4)
	reader.AdvanceAndSetPadding(pos, padding)
	return parser.Continue | parser.HasChildren
}

func (p *indentedBlockParser) Close(ast.Node, text.Reader, parser.Context) {}
func (p *indentedBlockParser) CanInterruptParagraph() bool                 { return true }
func (p *indentedBlockParser) CanAcceptIndentedLine() bool                 { return false }

func admonitionParser() parser.BlockParser {
	return &indentedBlockParser{trigger: []byte{'!', '?'}, open: func(line string) ast.Node {
		m := admonitionLine.FindStringSubmatchIndex(line)
		if m == nil {
			return nil
		}
		marker, kind := line[m[2]:m[3]], strings.ToLower(line[m[4]:m[5]])
		n := &Admonition{Variant: kind, Details: marker != "!!!", Open: marker == "???+", HasHead: true}
		if m[6] >= 0 {
			n.Title = line[m[6]:m[7]]
			n.HasHead = n.Title != ""
		} else {
			n.Title = strings.ToUpper(kind[:1]) + kind[1:]
		}
		return n
	}}
}

func tabParser() parser.BlockParser {
	return &indentedBlockParser{trigger: []byte{'='}, open: func(line string) ast.Node {
		m := tabLine.FindStringSubmatch(line)
		if m == nil {
			return nil
		}
		return &Tab{Label: m[1]}
	}}
}

// groupTabs wraps each run of consecutive Tab nodes in a TabSet.
func groupTabs(doc ast.Node) {
	var runs [][]ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Kind() != KindTab {
			return ast.WalkContinue, nil
		}
		if prev := n.PreviousSibling(); prev != nil && prev.Kind() == KindTab && len(runs) > 0 {
			last := runs[len(runs)-1]
			if last[len(last)-1] == prev {
				runs[len(runs)-1] = append(last, n)
				return ast.WalkContinue, nil
			}
		}
		runs = append(runs, []ast.Node{n})
		return ast.WalkContinue, nil
	})
	for _, run := range runs {
		parent := run[0].Parent()
		set := &TabSet{}
		parent.InsertBefore(parent, run[0], set)
		for _, t := range run {
			parent.RemoveChild(parent, t)
			set.AppendChild(set, t)
		}
	}
}
