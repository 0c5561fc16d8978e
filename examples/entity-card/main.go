// Command entity-card is an example frontend plugin in Go: a card on the catalog's entity
// page that shows the entity's owner, lifecycle, type, system, tags and links, and, through
// the catalog_query host function (capability catalog.read), the entities that depend on
// it and how many entities its owner has.
package main

import (
	"net/url"
	"strconv"
	"strings"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// cardID is the extension's id, as declared in plugin.yaml.
const cardID = "entity-card:entity-card/overview"

func init() {
	greenroom.EntityCard(cardID, "kind:component,api,resource,system", overview)
}

// main is never called: the host calls _initialize, which runs init, then the exports.
func main() {}

// ref is a parsed entity reference.
type ref struct{ kind, namespace, name string }

// parseRef reads [kind:][namespace/]name with defaults, as Backstage does.
func parseRef(s, defKind, defNamespace string) ref {
	r := ref{kind: defKind, namespace: defNamespace, name: s}
	if k, rest, ok := strings.Cut(r.name, ":"); ok {
		r.kind, r.name = k, rest
	}
	if ns, rest, ok := strings.Cut(r.name, "/"); ok {
		r.namespace, r.name = ns, rest
	}
	return r
}

func (r ref) String() string {
	return strings.ToLower(r.kind + ":" + r.namespace + "/" + r.name)
}

// path is the entity's page in the portal.
func (r ref) path() string {
	return "/catalog/" + url.PathEscape(strings.ToLower(r.namespace)) + "/" + url.PathEscape(strings.ToLower(r.kind)) + "/" + url.PathEscape(r.name)
}

func (r ref) link() ui.Node { return ui.Link(r.String(), r.path()) }

func lifecycleTone(l string) string {
	switch strings.ToLower(l) {
	case "production":
		return ui.ToneSuccess
	case "experimental":
		return ui.ToneWarning
	case "deprecated":
		return ui.ToneDanger
	}
	return ui.ToneNeutral
}

func overview(r *greenroom.RenderRequest) (ui.Node, error) {
	e := r.Entity
	if e == nil {
		return ui.Node{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s is an entity card; attach it to page:catalog/entity", cardID)
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	self := ref{kind: e.Kind, namespace: ns, name: e.Metadata.Name}
	kv := ui.KV()
	var owner *ref
	if o := e.SpecString("owner"); o != "" {
		p := parseRef(o, "group", ns)
		owner = &p
		kv.Pairs = append(kv.Pairs, ui.P("Owner", p.link()))
	} else {
		kv.Pairs = append(kv.Pairs, ui.P("Owner", ui.Badge("no owner", ui.ToneWarning)))
	}
	if l := e.SpecString("lifecycle"); l != "" {
		kv.Pairs = append(kv.Pairs, ui.P("Lifecycle", ui.Badge(l, lifecycleTone(l))))
	}
	if t := e.SpecString("type"); t != "" {
		kv.Pairs = append(kv.Pairs, ui.P("Type", ui.Text(t)))
	}
	if s := e.SpecString("system"); s != "" {
		kv.Pairs = append(kv.Pairs, ui.P("System", parseRef(s, "system", ns).link()))
	}
	if len(e.Metadata.Tags) > 0 {
		tags := ui.Group()
		for _, t := range e.Metadata.Tags {
			tags.Children = append(tags.Children, ui.Badge(t, ui.ToneInfo))
		}
		kv.Pairs = append(kv.Pairs, ui.P("Tags", tags))
	}
	if len(e.Metadata.Links) > 0 {
		links := ui.List()
		for _, l := range e.Metadata.Links {
			title := l.Title
			if title == "" {
				title = l.URL
			}
			links.Children = append(links.Children, ui.Link(title, l.URL))
		}
		kv.Pairs = append(kv.Pairs, ui.P("Links", links))
	}

	limit := 10
	if f, ok := r.Config["maxDependents"].(float64); ok && f >= 1 {
		limit = int(f)
	}
	kv.Pairs = append(kv.Pairs, ui.P("Depended on by", dependents(self, limit)))
	if owner != nil {
		kv.Pairs = append(kv.Pairs, ui.P("Owner's entities", ownerCount(*owner)))
	}
	return ui.Card(r.ConfigString("title", "At a glance"), kv), nil
}

// fields keeps catalog_query answers small: only what a link needs.
var fields = []string{"kind", "metadata.name", "metadata.namespace"}

// dependents lists the entities with a dependsOn relation to self.
func dependents(self ref, limit int) ui.Node {
	page, err := greenroom.CatalogQuery(greenroom.CatalogQueryRequest{
		Filter: []greenroom.CatalogFilter{{"relations.dependsOn": {self.String()}}},
		Fields: fields, Limit: limit,
	})
	if err != nil {
		return unavailable(err)
	}
	if page.TotalItems == 0 {
		return ui.Text("Nothing in the catalog depends on it.")
	}
	list := ui.List()
	for _, d := range page.Items {
		ns := d.Metadata.Namespace
		if ns == "" {
			ns = "default"
		}
		list.Children = append(list.Children, ref{kind: d.Kind, namespace: ns, name: d.Metadata.Name}.link())
	}
	if more := page.TotalItems - len(page.Items); more > 0 {
		list.Children = append(list.Children, ui.Text("and "+strconv.Itoa(more)+" more"))
	}
	return list
}

// ownerCount says how many entities the owner owns.
func ownerCount(owner ref) ui.Node {
	page, err := greenroom.CatalogQuery(greenroom.CatalogQueryRequest{
		Filter: []greenroom.CatalogFilter{{"relations.ownedBy": {owner.String()}}},
		Fields: fields, Limit: 1,
	})
	if err != nil {
		return unavailable(err)
	}
	return ui.Text(strconv.Itoa(page.TotalItems))
}

// unavailable turns a failed host call into a line of the card, so that the rest of the
// card still shows.
func unavailable(err error) ui.Node {
	if greenroom.ErrorCode(err) == greenroom.CodeCapabilityDenied {
		return ui.Text("Unknown: grant catalog.read to the entity-card plugin to see this.")
	}
	return ui.Badge("catalog unavailable: "+err.Error(), ui.ToneDanger)
}
