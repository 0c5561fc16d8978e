package cli

import (
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend"
)

// customKinds are catalog.kinds as the pages show them (columns, filters, titles,
// icons, About card rows).
func customKinds(cfgs []catalog.KindConfig) []frontend.CustomKind {
	kinds := catalog.DescribeKinds(cfgs)
	out := make([]frontend.CustomKind, len(kinds))
	for i, k := range kinds {
		ck := frontend.CustomKind{Kind: k.Kind, Icon: k.Icon, TitleField: k.TitleField, Schema: k.Schema, Refs: map[string]string{}}
		for _, c := range k.Columns {
			ck.Columns = append(ck.Columns, frontend.KindColumn{Field: c.Field, Title: c.Title, Filter: c.Filter})
		}
		for _, r := range k.Relations {
			ck.Refs[r.Field] = r.Kind
		}
		out[i] = ck
	}
	return out
}
