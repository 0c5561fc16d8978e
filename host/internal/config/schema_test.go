package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/config/configdoc"
)

// repoRoot is the repository root, three levels above this package.
var repoRoot = filepath.Join("..", "..", "..")

const regenerate = "run `go generate ./host/internal/config` and commit the result"

// TestSchemaGenerated: the committed descriptions (schema_docs.go) are the doc comments
// of the config's fields as they are now, every field has one, and the committed
// docs/app-config.schema.json is what the binary prints (`greenroom config schema`).
func TestSchemaGenerated(t *testing.T) {
	docs, err := configdoc.Read(repoRoot, ModulePath(), SchemaTypes())
	if err != nil {
		t.Fatal(err)
	}
	if len(docs.Missing) > 0 {
		t.Errorf("config fields without a doc comment (their description in the schema): %v", docs.Missing)
	}
	src, err := configdoc.GoFile("config", "schemaDocs", "go run ./gendocs", docs.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("schema_docs.go"); !bytes.Equal(got, src) {
		t.Errorf("schema_docs.go is not what the doc comments say; %s", regenerate)
	}
	texts := map[string]string{}
	for k, d := range docs.Fields {
		texts[k] = d.Text
	}
	fresh, err := BuildSchema(texts)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join(repoRoot, "docs", "app-config.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, fresh) {
		t.Errorf("docs/app-config.schema.json is not the schema of the config model; %s", regenerate)
	}
	printed, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(printed, committed) {
		t.Errorf("Schema() differs from docs/app-config.schema.json; %s", regenerate)
	}
}

// TestSchemaDescriptions: every property of the schema, down to the last nested key,
// has a description, and every YAML key of every config struct is a property.
func TestSchemaDescriptions(t *testing.T) {
	s := schemaValue(t)
	n := 0
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			if props, ok := x["properties"].(map[string]any); ok {
				for name, p := range props {
					n++
					if d, _ := p.(map[string]any)["description"].(string); strings.TrimSpace(d) == "" {
						t.Errorf("%s.%s has no description", path, name)
					}
				}
			}
			for k, e := range x {
				walk(e, path+"/"+k)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	walk(s, "#")
	keys := 0
	for _, st := range SchemaTypes() {
		keys += len(yamlFields(st))
	}
	if n < keys {
		t.Errorf("the schema has %d properties, fewer than the %d YAML keys of the config's structs", n, keys)
	}
}

// TestSchemaNeedsEveryShape: a type that decodes itself but whose shape the schema does
// not know makes building the schema fail, naming the type, rather than describing it
// by its Go fields.
func TestSchemaNeedsEveryShape(t *testing.T) {
	b := &schemaBuilder{structs: map[reflect.Type]bool{}}
	b.value(reflect.TypeOf(struct {
		X selfDecoding `yaml:"x"`
	}{}))
	if b.err == nil || !strings.Contains(b.err.Error(), "config.selfDecoding decodes itself") {
		t.Errorf("err = %v, want one naming config.selfDecoding", b.err)
	}
}

type selfDecoding struct{ A string }

func (s *selfDecoding) UnmarshalYAML(n *yaml.Node) error { return nil }

// TestSchemaExamples: the repository's app-config.yaml, the config examples of the
// README and docs/, and those in the config's doc comments are valid against the schema
// and decode strictly.
func TestSchemaExamples(t *testing.T) {
	sch := compileSchema(t, nil)
	top := map[string]bool{}
	for k := range yamlFields(reflect.TypeOf(Config{})) {
		top[k] = true
	}
	type example struct{ where, text string }
	b, err := os.ReadFile(filepath.Join(repoRoot, "app-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	examples := []example{{"app-config.yaml", string(b)}}
	mds, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	fence := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	for _, md := range append(mds, filepath.Join(repoRoot, "README.md")) {
		b, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range fence.FindAllStringSubmatch(string(b), -1) {
			examples = append(examples, example{fmt.Sprintf("%s yaml block %d", filepath.Base(md), i+1), m[1]})
		}
	}
	docs, err := configdoc.Read(repoRoot, ModulePath(), SchemaTypes())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]configdoc.Doc{docs.Types, docs.Fields} {
		for k, d := range m {
			for i, code := range d.Code {
				examples = append(examples, example{fmt.Sprintf("doc comment of %s, block %d", k, i+1), code})
			}
		}
	}
	checked := 0
	for _, ex := range examples {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(ex.text), &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue // not a config (a CI step, a policy file, ...)
		}
		root := doc.Content[0]
		config := true
		for i := 0; i < len(root.Content); i += 2 {
			config = config && top[root.Content[i].Value]
		}
		if !config {
			continue
		}
		checked++
		if err := sch.Validate(instance(t, ex.text)); err != nil {
			t.Errorf("%s: not valid against the schema: %v", ex.where, err)
		}
		if err := decodeNode(ex.where, root, &Config{}); err != nil {
			t.Errorf("%s: the decoder refuses it: %v", ex.where, err)
		}
	}
	// app-config.yaml, the README's overlay and externalAccess, the permission, plugin,
	// security and audit examples of docs/, and the auth, backend.auth, proxy, security,
	// audit, permission, reading and integrations examples of the doc comments.
	t.Logf("checked %d config examples", checked)
	if checked < 15 {
		t.Errorf("checked %d config examples; want at least 15 (did the examples move?)", checked)
	}
}

// TestSchemaAgreesWithDecoder: configs the strict decoder refuses (unknown keys, wrong
// types, values a type cannot read) are refused by the schema too, and configs it takes
// (including its lenient forms: ${VAR} for a number, yes for true, a number for a string,
// ~ to unset) are valid against the schema.
func TestSchemaAgreesWithDecoder(t *testing.T) {
	sch := compileSchema(t, nil)
	const plugin = "plugins:\n  - id: a\n    source: a.wasm\n"
	bad := []struct{ yaml, loadErr string }{
		{"bakend: {}\n", "bakend: unknown key"},
		{"backend: {listen: {prot: 1}}\n", "backend.listen.prot: unknown key"},
		{"backend: {listen: {port: abc}}\n", "cannot unmarshal"},
		{"backend: {listen: {port: '7007'}}\n", "cannot unmarshal"},
		{"backend: {listen: {port: x}, watchConfig: true}\n", "backend.listen.port: cannot unmarshal"},
		{"backend: {listen: {host: h, port: abcdefghijklmnop}}\n", "backend.listen.port: cannot unmarshal"},
		{"backend: {watchConfig: maybe}\n", "cannot unmarshal"},
		{"backend: {listen: 7007}\n", "cannot unmarshal"},
		{"app: {title: [a]}\n", "cannot unmarshal"},
		{"plugins: {id: a}\n", "cannot unmarshal"},
		{plugin + "    enabled: maybe\n", "cannot unmarshal"},
		{plugin + "    limits: {memory: lots}\n", `"lots" is not a size`},
		{plugin + "    limits: {memory: -1}\n", "not a size"},
		{plugin + "    limits: {memory: 1.5MiB}\n", "not a size"},
		{plugin + "    limits: {timeout: 5}\n", "not a duration"},
		{plugin + "    limits: {timeout: -5s}\n", "not a duration"},
		{plugin + "    limits: {timeout: {fortnights: 1}}\n", `unknown unit "fortnights"`},
		{plugin + "    limits: {timeout: {minutes: -1}}\n", "not a non-negative number"},
		{plugin + "    limits: {timeout: {minutes: soon}}\n", "not a non-negative number"},
		{plugin + "    limits: {timeout: [5s]}\n", "want a duration"},
		{plugin + "    limits: {instances: four}\n", "cannot unmarshal"},
		{plugin + "    grants: {bogus: {}}\n", "plugins[0].grants.bogus: unknown key"},
		{plugin + "    grants: {kv: {quota: 1MiB, extra: 1}}\n", "grants.kv.extra: unknown key"},
		{plugin + "    grants: {url.read: {hosts: example.com}}\n", "cannot unmarshal"},
		{"proxy: {endpoints: {/x: {target: 'http://a', bogus: 1}}}\n", `proxy endpoint key "bogus" is not known`},
		{"proxy: {endpoints: {/x: [http://a]}}\n", "a proxy endpoint is a target URL string or an object"},
		{"proxy: {endpoints: {/x: {target: 'http://a', pathRewrite: [a]}}}\n", "pathRewrite must be a mapping"},
		{"proxy: {endpoints: {/x: {target: 'http://a', pathRewrite: {a: [b]}}}}\n", "pathRewrite entries must map a string to a string"},
		{"proxy: {endpoints: {/x: {target: 'http://a', headers: [a]}}}\n", "cannot unmarshal"},
		{"app: {extensions: page:x}\n", "must be a list of extension items"},
		{"app: {extensions: [123]}\n", "an item is an extension id"},
		{"app: {extensions: [~]}\n", "an item is an extension id"},
		{"app: {extensions: [{page:x: true, page:y: true}]}\n", "an item names exactly one extension"},
		{"app: {extensions: [{page:x: maybe}]}\n", "is not true, false or a map"},
		{"app: {extensions: [{page:x: [a]}]}\n", "the value must be true, false or a map"},
		{"app: {extensions: [{page:x: {disabled: 'yes'}}]}\n", "must be true or false"},
		{"app: {extensions: [{page:x: {attachTo: {id: app/nav}}}]}\n", "needs both id and input"},
		{"app: {extensions: [{page:x: {attachTo: {id: app/nav, input: items, at: 1}}}]}\n", "unknown key; attachTo has id and input"},
		{"app: {extensions: [{page:x: {attachTo: [{id: app/nav, input: items}]}}]}\n", "attaching to several parents is not supported"},
		{"app: {extensions: [{page:x: {config: [a]}}]}\n", "must be a map of settings"},
		{"app: {extensions: [{page:x: {enabled: true}}]}\n", `unknown key "enabled"`},
		{"auth: {providers: {oidc: {production: {additionalScopes: {a: 1}}}}}\n", "want a string or a list of strings"},
		{"auth: {providers: {guest: {user: x}}}\n", "auth.providers.guest.user: unknown key"},
		{"backend: {auth: {externalAccess: [{type: jwks, options: {issuer: {a: b}}}]}}\n", "want a string or a list of strings"},
		{"catalog: {processingInterval: soon}\n", "not a duration"},
		{"catalog: {locations: [{type: file, target: x.yaml, rules: {allow: [User]}}]}\n", "cannot unmarshal"},
		{"audit: {log: {maxFiles: many}}\n", "cannot unmarshal"},
		{"audit: {log: {maxSize: big}}\n", "not a size"},
		{"permission: {rbac: {admin: {users: [{name: 'user:default/a', role: x}]}}}\n", "unknown key"},
		{"integrations: {github: {host: github.com}}\n", "cannot unmarshal"},
		{"security: {trustedKeys: [{key: abc}]}\n", "security.trustedKeys[0].key: unknown key"},
		{"runtime: {compilationCache: {dir: x}}\n", "cannot unmarshal"},
	}
	dir := t.TempDir()
	for i, tc := range bad {
		t.Run("refused/"+strings.TrimSpace(tc.yaml), func(t *testing.T) {
			f := write(t, dir, fmt.Sprintf("bad%d.yaml", i), tc.yaml)
			_, err := Load([]string{f}, env(nil))
			if err == nil || !strings.Contains(err.Error(), tc.loadErr) {
				t.Errorf("Load: %v; want an error with %q", err, tc.loadErr)
			}
			if err := sch.Validate(instance(t, tc.yaml)); err == nil {
				t.Errorf("the schema takes what the decoder refuses")
			}
		})
	}

	good := []string{
		"backend: {listen: {port: 0}, watchConfig: yes, shutdownTimeout: {seconds: 10}}\n",
		"backend:\n  listen:\n    port: ${PORT}\n  watchConfig: ${WATCH}\n",
		"app: {title: 123, baseUrl: 'http://localhost:7007'}\n",
		"app: {title: ~}\nbackend: ~\n",
		"app:\n  extensions:\n    - page:x\n    - nav-item:y: false\n    - app/nav: ~\n    - page:z: {attachTo: {id: app/routes, input: routes}, disabled: false, config: {a: 1}}\n    - page:w: {}\n",
		plugin + "    enabled: off\n    limits: {timeout: 0, queueTimeout: {seconds: 1.5}, memory: 1048576, maxBodySize: ' 64 KiB '}\n    grants: {kv: ~, url.read: {hosts: [example.com]}}\n    config: just a string\n",
		plugin + "    limits: {timeout: 1h30m, queueTimeout: 250ms, memory: 4GiB, instances: 2}\n    config: {n: '${N}'}\n    grants: {catalog.write: {kinds: [Component]}, tasks: {}, permission: {}}\n",
		plugin + "    limits:\n      instances: ${N}\n      timeout: ${TIMEOUT}\n      memory: ${MEMORY}\n    config: {nested: {list: [1, 2]}}\n",
		"proxy:\n  endpoints:\n    /plain: http://example.com\n    /full:\n      target: http://example.com\n      changeOrigin: false\n      pathRewrite: {'^/api/proxy/full/': '/'}\n      headers: {X-Token: '${TOKEN}'}\n      allowedMethods: [GET]\n      credentials: dangerously-allow-unauthenticated\n",
		"backend:\n  auth:\n    externalAccess:\n      - type: jwks\n        options: {url: 'https://ci.example.com/jwks.json', issuer: https://ci.example.com, algorithm: [RS256], audience: a}\n        accessRestrictions: [{plugin: catalog, permission: 'catalog.entity.read,catalog.entity.create', permissionAttribute: {action: read}}]\n",
		"auth:\n  providers:\n    oidc:\n      development:\n        metadataUrl: https://idp.example.com\n        clientId: x\n        clientSecret: y\n        additionalScopes: groups offline_access\n        sessionDuration: {hours: 8}\n        signIn: {resolvers: [{resolver: emailMatchingUserEntityProfileEmail, allowedDomains: [example.com]}]}\n",
		"catalog: {processingInterval: 0, rules: ~, locations: [{type: file, target: x.yaml, rules: [{allow: [User]}]}]}\n",
		"audit: {log: {maxSize: 64KiB, maxFiles: 0}, api: {enabled: true, recent: 10}}\n",
		"backend: {reading: {allow: [{host: example.com, paths: [/api/]}], maxBytes: 1024, timeout: 90s, cacheBytes: -1}}\n",
	}
	for i, y := range good {
		t.Run("taken/"+strings.TrimSpace(y), func(t *testing.T) {
			f := write(t, dir, fmt.Sprintf("good%d.yaml", i), y)
			if _, err := Load([]string{f}, env(map[string]string{"PORT": "0", "WATCH": "false", "N": "2", "TOKEN": "t", "TIMEOUT": "2s", "MEMORY": "32MiB"})); err != nil {
				t.Errorf("Load: %v", err)
			}
			if err := sch.Validate(instance(t, y)); err != nil {
				t.Errorf("the schema refuses what the decoder takes: %v", err)
			}
		})
	}
}

// TestSchemaPlugins: with plugins' config schemas, each applies to the config of the
// entries with its id, in base files and overlays alike, whether it refers to its own
// definitions, has an $id of its own or is written for another draft.
func TestSchemaPlugins(t *testing.T) {
	sch := compileSchema(t, []PluginSchema{
		{ID: "hello", Schema: json.RawMessage(`{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"greeting": {"type": "string"}}, "additionalProperties": false}`)},
		{ID: "refs", Schema: json.RawMessage(`{"type": "object", "properties": {"size": {"$ref": "#/$defs/size"}, "again": {"$ref": "#"}}, "$defs": {"size": {"enum": ["s", "m", "l"]}}}`)},
		{ID: "own-id", Schema: json.RawMessage(`{"$id": "https://example.com/own.json", "type": "object", "required": ["url"], "properties": {"url": {"$ref": "#/$defs/url"}}, "$defs": {"url": {"type": "string", "pattern": "^https://"}}}`)},
		{ID: "draft7", Schema: json.RawMessage(`{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"n": {"$ref": "#/definitions/n"}}, "definitions": {"n": {"type": "integer"}}}`)},
	})
	for _, tc := range []struct {
		yaml string
		ok   bool
	}{
		{"plugins: [{id: hello, config: {greeting: hi}}]", true},
		{"plugins: [{id: hello, config: {greeting: 1}}]", false},
		{"plugins: [{id: hello, config: {greting: hi}}]", false},
		{"plugins: [{id: other, config: {greting: hi}}]", true},
		{"plugins: [{config: {greting: hi}}]", true},
		{"plugins: [{id: refs, config: {size: m, again: {size: s}}}]", true},
		{"plugins: [{id: refs, config: {size: xl}}]", false},
		{"plugins: [{id: refs, config: {again: {size: xl}}}]", false},
		{"plugins: [{id: own-id, config: {url: 'https://a'}}]", true},
		{"plugins: [{id: own-id, config: {url: 'http://a'}}]", false},
		{"plugins: [{id: own-id, config: {}}]", false},
		{"plugins: [{id: draft7, config: {n: 1}}]", true},
		{"plugins: [{id: draft7, config: {n: one}}]", false},
		{"plugins: [{id: hello, enabled: false}, {id: refs, config: {size: l}}]", true},
	} {
		err := sch.Validate(instance(t, tc.yaml))
		if (err == nil) != tc.ok {
			t.Errorf("%s: valid = %v, want %v (%v)", tc.yaml, err == nil, tc.ok, err)
		}
	}
	if _, err := Schema(PluginSchema{ID: "bad", Schema: json.RawMessage(`{"type": `)}); err == nil || !strings.Contains(err.Error(), "plugin bad: manifest configSchema") {
		t.Errorf("a broken plugin schema: %v", err)
	}
}

func schemaValue(t *testing.T, plugins ...PluginSchema) any {
	t.Helper()
	b, err := Schema(plugins...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func compileSchema(t *testing.T, plugins []PluginSchema) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	if err := c.AddResource("app-config.schema.json", schemaValue(t, plugins...)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("app-config.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// instance reads YAML as the JSON value a schema validator (or an editor) sees.
func instance(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jsonKeys(v))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonKeys(e)
		}
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonKeys(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = jsonKeys(e)
		}
	}
	return v
}
