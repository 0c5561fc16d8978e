package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Document is one YAML document of a catalog file.
type Document struct {
	Line   int            // line of the document's first node (1-based)
	Entity map[string]any // nil when Err is set
	Err    error          // the document is not a mapping, or has excessive aliasing
}

// maxExpandedNodes bounds the values built from one document, whatever its aliases do.
// A document with more than this many values after alias expansion is refused.
const maxExpandedNodes = 1 << 20

// ErrAliasBomb is returned for documents whose aliases expand beyond maxExpandedNodes.
var ErrAliasBomb = errors.New("document contains excessive aliasing (an alias bomb?); refusing to expand it")

// ParseYAML splits data into YAML documents and converts each into plain values. A syntax
// error fails the whole file and names the file and line; a document that is not a mapping
// or expands too far is reported on its own Document.
func ParseYAML(file string, data []byte) ([]Document, error) {
	if docs, ok := parseFast(data); ok {
		return docs, nil
	}
	return parseYAMLNodes(file, data)
}

// parseYAMLNodes is ParseYAML through yaml.v3's node tree, for any YAML.
func parseYAMLNodes(file string, data []byte) ([]Document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Document
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, syntaxError(file, data, err)
		}
		root := &n
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // empty document, as between two "---"
		}
		d := Document{Line: root.Line}
		budget := maxExpandedNodes
		v, err := convert(root, &budget, 0)
		switch {
		case err != nil:
			d.Err = fmt.Errorf("%s: line %d: %w", file, root.Line, err)
		default:
			m, ok := v.(map[string]any)
			if !ok {
				d.Err = fmt.Errorf("%s: line %d: expected an entity (a YAML mapping) but found %s", file, root.Line, describe(root))
			} else {
				d.Entity = m
			}
		}
		docs = append(docs, d)
	}
}

// syntaxError names the file and the line of a YAML syntax error. yaml.v3 reports a
// parser error, such as "did not find expected key" (what a wrong indentation usually
// gives), at the line where the enclosing block starts, counted from 0, so that an
// indentation mistake deep in a file is reported on line 1; its scanner errors are
// right. The line of the problem is the first one at which the file, cut after that
// line, fails to parse with the same message; bisection finds it.
func syntaxError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	text, reported := msg, 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		text = msg[len(m[0]):]
		reported, _ = strconv.Atoi(m[1])
	}
	if line := problemLine(data, text, reported); line > 0 {
		return fmt.Errorf("%s: line %d: %s", file, line, text)
	}
	return fmt.Errorf("%s: %s", file, msg)
}

var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// maxBisectBytes bounds the text that problemLine parses again (about twenty times);
// past it, yaml.v3's own line stands.
const maxBisectBytes = 1 << 20

// problemLine returns the 1-based line at which data stops parsing with the error
// message text, or 0 if it cannot tell. reported is yaml.v3's line for the error: the
// problem is at or after it, so the search starts at the document that holds it.
func problemLine(data []byte, text string, reported int) int {
	var starts []int // offset of each line
	for off := 0; off < len(data); {
		starts = append(starts, off)
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	from := 0
	for i := min(reported, len(starts)) - 1; i > 0; i-- {
		if l := data[starts[i]:]; bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r') {
			from = i
			break
		}
	}
	if line := bisectLines(data, starts, from, text); line > 0 || from == 0 {
		return line
	}
	return bisectLines(data, starts, 0, text) // the document alone parses differently
}

// bisectLines looks for the problem in the text from line index from on: the first line
// after which that text fails with message text.
func bisectLines(data []byte, starts []int, from int, text string) int {
	if len(starts) == 0 || len(data)-starts[from] > maxBisectBytes {
		return 0
	}
	fails := func(last int) bool {
		end := len(data)
		if last+1 < len(starts) {
			end = starts[last+1]
		}
		err := decodeAll(data[starts[from]:end])
		return err != nil && strings.HasSuffix(err.Error(), ": "+text)
	}
	lo, hi := from, len(starts)-1
	if !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo + 1
}

// decodeAll parses every document of data and returns the first syntax error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "something else"
}

func convert(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, ErrAliasBomb
	}
	if depth > 200 {
		return nil, fmt.Errorf("line %d: nesting deeper than 200 levels", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return convert(n.Alias, budget, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			for k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
			}
			val, err := convert(v, budget, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := convert(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, val)
		}
		return a, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	}
	return nil, nil
}

func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i
		}
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}
