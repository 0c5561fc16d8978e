package ext

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Extensions is `app.extensions`: a list that enables, disables, moves and configures
// the extensions of the app (host built-ins and those of frontend plugins), with
// Backstage's syntax. Each item names one extension by id:
//
//	app:
//	  extensions:
//	    - page:tech-radar                    # enable (also if disabled by default)
//	    - entity-card:catalog/links: false   # disable
//	    - entity-card:catalog/links: true    # enable
//	    - nav-item:catalog:                  # full form; every key is optional
//	        attachTo: { id: app/nav, input: items }
//	        disabled: false
//	        config: { title: Software }
//
// Rules, as in Backstage:
//   - Items apply in order; for the same extension, later items win. `config`
//     replaces the whole config (it is not merged) and is checked against the
//     extension's config schema, whose defaults fill in what is left out.
//   - An item enables its extension unless it says `false` or `disabled: true`.
//   - Enabling an extension that was disabled moves it to the end of its parent's
//     input, in the order of this list. So to order nav items or entity cards, list
//     them here.
//   - An unknown id, an attachTo to an unknown extension or input, and a config that
//     does not fit the schema are start-up errors.
type Extensions []ExtensionEntry

// ExtensionEntry is one item of app.extensions.
type ExtensionEntry struct {
	// ID of the extension.
	ID string
	// Disabled is set when the item says true/false or disabled:.
	Disabled *bool
	// AttachTo moves the extension to another parent input.
	AttachTo *AttachPoint
	// Config replaces the extension's config.
	Config map[string]any
	// Path is the item's YAML path, e.g. app.extensions[2]; Line its line (0 when
	// unknown). Both are for messages.
	Path string
	Line int
}

func (e ExtensionEntry) where() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d)", e.Path, e.Line)
	}
	return e.Path
}

const extensionsPath = "app.extensions"

// UnmarshalYAML reads the list strictly: anything but the three item forms is an
// error naming the YAML path and line.
func (x *Extensions) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*x = nil
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s (line %d): must be a list of extension items, e.g. `- page:tech-radar` or `- app/nav: false`", extensionsPath, n.Line)
	}
	out := make(Extensions, 0, len(n.Content))
	for i, item := range n.Content {
		e, err := decodeEntry(item, fmt.Sprintf("%s[%d]", extensionsPath, i))
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	*x = out
	return nil
}

func decodeEntry(n *yaml.Node, path string) (ExtensionEntry, error) {
	e := ExtensionEntry{Path: path, Line: n.Line}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", e.where(), fmt.Sprintf(format, args...))
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!str" || n.Value == "" {
			return e, bad("an item is an extension id (`- page:catalog`) or a one-key map (`- page:catalog: false`), not %q", n.Value)
		}
		e.ID = n.Value
		f := false
		e.Disabled = &f
		return e, nil
	case yaml.MappingNode:
	default:
		return e, bad("an item is an extension id (`- page:catalog`) or a one-key map (`- page:catalog: false`)")
	}
	if len(n.Content) != 2 {
		return e, bad("an item names exactly one extension; put each extension on its own `- ` line")
	}
	key, val := n.Content[0], n.Content[1]
	if key.Kind != yaml.ScalarNode || key.Value == "" {
		return e, bad("the key must be an extension id")
	}
	e.ID = key.Value
	e.Path = path + "." + e.ID
	switch val.Kind {
	case yaml.ScalarNode:
		switch val.Tag {
		case "!!null":
			f := false
			e.Disabled = &f
		case "!!bool":
			var on bool
			if err := val.Decode(&on); err != nil {
				return e, bad("%v", err)
			}
			off := !on
			e.Disabled = &off
		default:
			return e, bad("%q is not true, false or a map with attachTo, disabled and config", val.Value)
		}
		return e, nil
	case yaml.MappingNode:
	default:
		return e, bad("the value must be true, false or a map with attachTo, disabled and config")
	}
	for i := 0; i+1 < len(val.Content); i += 2 {
		k, v := val.Content[i], val.Content[i+1]
		sub := e.Path + "." + k.Value
		subBad := func(format string, args ...any) error {
			return fmt.Errorf("%s (line %d): %s", sub, v.Line, fmt.Sprintf(format, args...))
		}
		switch k.Value {
		case "disabled":
			var d bool
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return e, subBad("must be true or false")
			}
			if err := v.Decode(&d); err != nil {
				return e, subBad("%v", err)
			}
			e.Disabled = &d
		case "attachTo":
			if v.Kind == yaml.SequenceNode {
				return e, subBad("attaching to several parents is not supported; give one {id, input}")
			}
			if v.Kind != yaml.MappingNode {
				return e, subBad("must be a map {id: <parent extension>, input: <input name>}")
			}
			var ap AttachPoint
			for j := 0; j+1 < len(v.Content); j += 2 {
				ak, av := v.Content[j], v.Content[j+1]
				if ak.Value != "id" && ak.Value != "input" {
					return e, fmt.Errorf("%s.%s (line %d): unknown key; attachTo has id and input", sub, ak.Value, ak.Line)
				}
				if av.Kind != yaml.ScalarNode || av.Tag != "!!str" || av.Value == "" {
					return e, fmt.Errorf("%s.%s (line %d): must be a non-empty string", sub, ak.Value, av.Line)
				}
				switch ak.Value {
				case "id":
					ap.ID = av.Value
				case "input":
					ap.Input = av.Value
				}
			}
			if ap.ID == "" || ap.Input == "" {
				return e, subBad("needs both id and input, e.g. {id: app/nav, input: items}")
			}
			e.AttachTo = &ap
		case "config":
			if v.Kind != yaml.MappingNode {
				return e, subBad("must be a map of settings")
			}
			var c map[string]any
			if err := v.Decode(&c); err != nil {
				return e, subBad("%v", err)
			}
			if c == nil {
				c = map[string]any{}
			}
			e.Config = c
		default:
			return e, fmt.Errorf("%s (line %d): unknown key %q; an extension item has attachTo, disabled and config", sub, k.Line, k.Value)
		}
	}
	return e, nil
}
