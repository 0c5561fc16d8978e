package frontend

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// The User and Group pages' cards, as Backstage's org plugin shows them: the profile
// (display name, email, picture; a group's type, parent, children and members; a
// user's groups) and what the entity owns, grouped by kind.

// maxOwned bounds the entities the ownership card reads.
const maxOwned = 500

func relationTargets(e *ext.Entity, typ string) []string {
	var out []string
	for _, r := range e.Relations {
		if strings.EqualFold(r.Type, typ) {
			out = append(out, strings.ToLower(r.TargetRef))
		}
	}
	sort.Strings(out)
	return out
}

func profileCard(ctx context.Context, src CatalogSource, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, fmt.Errorf("no entity on this page")
	}
	profile, _ := e.Spec["profile"].(map[string]any)
	kv := ui.Node{Type: ui.TypeKV}
	add := func(k string, v ui.Node) { kv.Pairs = append(kv.Pairs, ui.Pair{Key: k, Value: v}) }
	var children []ui.Node
	if pic := str(profile["picture"]); pic != "" {
		children = append(children, ui.Node{Type: ui.TypeImage, Href: pic, Text: "Picture of " + e.Metadata.Name})
	}
	name := str(profile["displayName"])
	if name == "" {
		name = e.Metadata.Name
	}
	add("Name", ui.Text(name))
	if mail := str(profile["email"]); mail != "" {
		add("Email", ui.Link(mail, "mailto:"+mail))
	}
	isGroup := strings.EqualFold(e.Kind, "group")
	if isGroup {
		if t := e.SpecString("type"); t != "" {
			add("Type", ui.Text(t))
		}
	}
	lists := map[string][]string{}
	var all []string
	for _, typ := range []string{"childOf", "parentOf", "hasMember", "memberOf"} {
		lists[typ] = relationTargets(e, typ)
		all = append(all, lists[typ]...)
	}
	may, err := readable(ctx, src, all)
	if err != nil {
		return ui.Node{}, err
	}
	links := func(refs []string, defKind string) ui.Node {
		if len(refs) == 0 {
			return ui.Text("None")
		}
		g := ui.Node{Type: ui.TypeGroup}
		for _, r := range refs {
			kind, ns, n := parseEntityRef(r, defKind, "default")
			g.Children = append(g.Children, entityLink(humanize(kind, ns, n, defKind), kind, ns, n, may))
		}
		return g
	}
	if isGroup {
		add("Parent", links(lists["childOf"], "group"))
		add("Child groups", links(lists["parentOf"], "group"))
		add(fmt.Sprintf("Members (%d)", len(lists["hasMember"])), links(lists["hasMember"], "user"))
	} else {
		add("Groups", links(lists["memberOf"], "group"))
	}
	title := "Profile"
	if isGroup {
		title = "Group profile"
	}
	return ui.Card(title, append(children, kv)...), nil
}

func ownershipCard(ctx context.Context, src CatalogSource, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, fmt.Errorf("no entity on this page")
	}
	res, err := src.QueryEntities(ctx, EntityQuery{Owner: e.Ref(), Limit: maxOwned})
	if err != nil {
		return ui.Node{}, fmt.Errorf("catalog: what %s owns: %w", e.Ref(), err)
	}
	if len(res.Items) == 0 {
		return ui.Card("Ownership", ui.Empty("", "Owns no entities.")), nil
	}
	byKind := map[string][]ui.Node{}
	for i := range res.Items {
		o := &res.Items[i]
		title := o.Metadata.Title
		if title == "" {
			title = o.Metadata.Name
		}
		byKind[o.Kind] = append(byKind[o.Kind], ui.Link(title, EntityPath(o.NamespaceOrDefault(), o.Kind, o.Metadata.Name)))
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	kv := ui.Node{Type: ui.TypeKV}
	for _, k := range kinds {
		kv.Pairs = append(kv.Pairs, ui.Pair{Key: fmt.Sprintf("%s (%d)", k, len(byKind[k])), Value: ui.Node{Type: ui.TypeGroup, Children: byKind[k]}})
	}
	card := ui.Card("Ownership", kv)
	if res.TotalItems > len(res.Items) {
		card.Children = append(card.Children, ui.Link(fmt.Sprintf("All %d in the catalog", res.TotalItems), "/catalog?owner="+e.Ref()))
	}
	return card, nil
}
