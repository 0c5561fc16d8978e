package frontend_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// A plugin-style entity card, enabled and configured through app.extensions.
func Example() {
	var cfg struct {
		Extensions ext.Extensions `yaml:"extensions"`
	}
	_ = yaml.Unmarshal([]byte(`
extensions:
  - entity-card:catalog/relations: false
  - entity-card:hello/greeting:
      config: {filter: "kind:component"}
`), &cfg)

	card := frontend.EntityCard("entity-card:hello/greeting", "", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return ext.ElementFunc(func(_ context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return ui.Card("Greeting", ui.Text("Hello, "+rc.Entity.Metadata.Name)), nil
		}), nil
	})
	card.Source, card.Disabled = "plugin hello", true

	catalog := frontend.NewMemoryCatalog([]ext.Entity{{Kind: "Component", Metadata: ext.EntityMetadata{Name: "payments"}}})
	app, err := frontend.New(context.Background(), frontend.Options{Catalog: catalog, Extensions: []ext.Extension{card}, Config: cfg.Extensions})
	if err != nil {
		fmt.Println(err)
		return
	}
	status, html := app.RenderPage(context.Background(), "/catalog/default/component/payments", url.Values{})
	fmt.Println(status, strings.Contains(string(html), "Hello, payments"), strings.Contains(string(html), ">Relations<"))
	// Output: 200 true false
}
