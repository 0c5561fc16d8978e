package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// The API entity's Definition tab (Backstage's /catalog/:namespace/api/:name/definition):
// spec.definition rendered for its spec.type: OpenAPI as operations grouped by tag
// with their parameters, request body and responses; AsyncAPI as channels and their
// messages; GraphQL as its SDL, highlighted; anything else as the raw text (highlighted
// when it is JSON or YAML, by ui's code component).

// maxDefinition bounds the definition the tab parses (a larger one is shown raw).
const maxDefinition = 2 << 20

func definitionTab(_ context.Context, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Empty("No entity", "This tab shows an API entity's definition."), nil
	}
	def := e.SpecString("definition")
	typ := strings.ToLower(e.SpecString("type"))
	if strings.TrimSpace(def) == "" {
		return ui.Empty("No definition", "spec.definition is empty. Put the API's definition there, or a $text substitution that reads it."), nil
	}
	raw := ui.Card("Raw definition", ui.Node{Type: ui.TypeCode, Text: def, Language: rawLanguage(typ, def)})
	if len(def) > maxDefinition {
		return stack(ui.Text(fmt.Sprintf("The definition is %d bytes, too large to lay out; here it is as written.", len(def))), raw), nil
	}
	var body ui.Node
	var err error
	switch typ {
	case "openapi":
		body, err = openAPIView(def)
	case "asyncapi":
		body, err = asyncAPIView(def)
	case "graphql":
		return ui.Card("GraphQL schema", ui.Node{Type: ui.TypeCode, Text: def, Language: "graphql"}), nil
	default:
		return raw, nil
	}
	if err != nil {
		return stack(ui.ErrorBox("The definition does not parse", fmt.Sprintf("spec.definition is not a valid %s document: %v. It is shown as written.", typ, err)), raw), nil
	}
	return stack(body, raw), nil
}

// rawLanguage is the language of a definition's raw text, which the code component
// highlights for graphql, json and yaml: OpenAPI and AsyncAPI documents are JSON or
// YAML; other types are left unmarked rather than highlighted as what they are not.
func rawLanguage(typ, def string) string {
	switch typ {
	case "graphql":
		return "graphql"
	case "grpc":
		return "protobuf"
	case "openapi", "asyncapi":
		if strings.HasPrefix(strings.TrimSpace(def), "{") {
			return "json"
		}
		return "yaml"
	}
	return ""
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIView lays out an OpenAPI (or Swagger 2) document.
func openAPIView(def string) (ui.Node, error) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(def), &doc); err != nil {
		return ui.Node{}, err
	}
	paths, _ := doc["paths"].(map[string]any)
	if doc["openapi"] == nil && doc["swagger"] == nil {
		return ui.Node{}, fmt.Errorf("it has neither an openapi nor a swagger field")
	}
	info, _ := doc["info"].(map[string]any)
	head := ui.Node{Type: ui.TypeHeader, Title: str(info["title"]), Subtitle: "version " + str(info["version"])}
	byTag := map[string][]ui.Node{}
	pathNames := make([]string, 0, len(paths))
	for p := range paths {
		pathNames = append(pathNames, p)
	}
	sort.Strings(pathNames)
	for _, p := range pathNames {
		item, _ := paths[p].(map[string]any)
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			tag := "default"
			if tags, _ := op["tags"].([]any); len(tags) > 0 {
				tag = str(tags[0])
			}
			byTag[tag] = append(byTag[tag], operationNode(m, p, op, item))
		}
	}
	tags := make([]string, 0, len(byTag))
	for t := range byTag {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	out := stack(head)
	if len(tags) == 0 {
		out.Children = append(out.Children, ui.Empty("No operations", "The definition has no paths."))
	}
	for _, t := range tags {
		out.Children = append(out.Children, ui.Card(t, byTag[t]...))
	}
	return out, nil
}

// operationNode is one operation: method and path, summary, parameters, request body
// and responses.
func operationNode(method, path string, op, item map[string]any) ui.Node {
	title := ui.Node{Type: ui.TypeGroup, Children: []ui.Node{ui.Badge(strings.ToUpper(method), methodTone(method)), {Type: ui.TypeCode, Text: path}}}
	if s := str(op["summary"]); s != "" {
		title.Children = append(title.Children, ui.Text(s))
	}
	var pairs []ui.Pair
	if id := str(op["operationId"]); id != "" {
		pairs = append(pairs, ui.Pair{Key: "Operation", Value: ui.Text(id)})
	}
	params, _ := op["parameters"].([]any)
	if shared, _ := item["parameters"].([]any); len(shared) > 0 {
		params = append(shared, params...)
	}
	if len(params) > 0 {
		rows := [][]ui.Node{}
		for _, x := range params {
			p, _ := x.(map[string]any)
			req := ""
			if b, _ := p["required"].(bool); b {
				req = "required"
			}
			typ := ""
			if s, _ := p["schema"].(map[string]any); s != nil {
				typ = str(s["type"])
			} else {
				typ = str(p["type"])
			}
			if ref := str(p["$ref"]); ref != "" {
				rows = append(rows, []ui.Node{ui.Text(ref), ui.Text(""), ui.Text(""), ui.Text(""), ui.Text("")})
				continue
			}
			rows = append(rows, []ui.Node{ui.Text(str(p["name"])), ui.Text(str(p["in"])), ui.Text(typ), ui.Text(req), ui.Text(str(p["description"]))})
		}
		pairs = append(pairs, ui.Pair{Key: "Parameters", Value: ui.Node{Type: ui.TypeTable, Columns: []string{"Name", "In", "Type", "", "Description"}, Rows: rows}})
	}
	if rb, _ := op["requestBody"].(map[string]any); rb != nil {
		pairs = append(pairs, ui.Pair{Key: "Request body", Value: contentNode(rb)})
	}
	if resps, _ := op["responses"].(map[string]any); len(resps) > 0 {
		codes := make([]string, 0, len(resps))
		for c := range resps {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		var list []ui.Node
		for _, c := range codes {
			r, _ := resps[c].(map[string]any)
			n := ui.Node{Type: ui.TypeGroup, Children: []ui.Node{ui.Badge(c, codeTone(c)), ui.Text(str(r["description"]))}}
			if _, ok := r["content"]; ok {
				n.Children = append(n.Children, contentNode(r))
			}
			list = append(list, n)
		}
		pairs = append(pairs, ui.Pair{Key: "Responses", Value: ui.Node{Type: ui.TypeList, Children: list}})
	}
	return stack(title, ui.Node{Type: ui.TypeKV, Pairs: pairs})
}

// contentNode shows a body's media types and schemas.
func contentNode(body map[string]any) ui.Node {
	content, _ := body["content"].(map[string]any)
	types := make([]string, 0, len(content))
	for t := range content {
		types = append(types, t)
	}
	sort.Strings(types)
	out := ui.Node{Type: ui.TypeGroup}
	for _, t := range types {
		m, _ := content[t].(map[string]any)
		out.Children = append(out.Children, ui.Badge(t, ui.ToneNeutral))
		if s, ok := m["schema"]; ok {
			b, _ := json.MarshalIndent(jsonable(s), "", "  ")
			out.Children = append(out.Children, ui.Node{Type: ui.TypeCode, Text: string(b), Language: "json"})
		}
	}
	return out
}

// asyncAPIView lays out an AsyncAPI document: each channel with its operations and
// messages.
func asyncAPIView(def string) (ui.Node, error) {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(def), &doc); err != nil {
		return ui.Node{}, err
	}
	if doc["asyncapi"] == nil {
		return ui.Node{}, fmt.Errorf("it has no asyncapi field")
	}
	info, _ := doc["info"].(map[string]any)
	out := stack(ui.Node{Type: ui.TypeHeader, Title: str(info["title"]), Subtitle: "version " + str(info["version"])})
	channels, _ := doc["channels"].(map[string]any)
	names := make([]string, 0, len(channels))
	for n := range channels {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ch, _ := channels[n].(map[string]any)
		var items []ui.Node
		if d := str(ch["description"]); d != "" {
			items = append(items, ui.Text(d))
		}
		for _, op := range []string{"publish", "subscribe"} {
			o, ok := ch[op].(map[string]any)
			if !ok {
				continue
			}
			row := ui.Node{Type: ui.TypeGroup, Children: []ui.Node{ui.Badge(op, ui.ToneInfo), ui.Text(str(o["summary"]))}}
			if msg, ok := o["message"]; ok {
				b, _ := json.MarshalIndent(jsonable(msg), "", "  ")
				row.Children = append(row.Children, ui.Node{Type: ui.TypeCode, Text: string(b), Language: "json"})
			}
			items = append(items, row)
		}
		out.Children = append(out.Children, ui.Card(n, items...))
	}
	if len(names) == 0 {
		out.Children = append(out.Children, ui.Empty("No channels", "The definition has no channels."))
	}
	return out, nil
}

// jsonable turns what yaml.v3 decodes (map[string]any, with any keys made strings)
// into values encoding/json can write.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[k] = jsonable(c)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[fmt.Sprint(k)] = jsonable(c)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = jsonable(c)
		}
		return out
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func methodTone(m string) string {
	switch m {
	case "get":
		return ui.ToneInfo
	case "post":
		return ui.ToneSuccess
	case "delete":
		return ui.ToneDanger
	case "put", "patch":
		return ui.ToneWarning
	}
	return ui.ToneNeutral
}

func codeTone(c string) string {
	switch {
	case strings.HasPrefix(c, "2"):
		return ui.ToneSuccess
	case strings.HasPrefix(c, "4"), strings.HasPrefix(c, "5"):
		return ui.ToneDanger
	}
	return ui.ToneNeutral
}

// stack lays nodes out one below the other.
func stack(children ...ui.Node) ui.Node {
	return ui.Node{Type: ui.TypeGrid, Cols: 1, Children: children}
}
