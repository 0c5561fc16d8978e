package cli

import (
	"context"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/catalog"
)

// catalogUsers is the sign-in resolvers' view of the catalog: the User entities that
// match a filter (metadata.name, metadata.namespace, spec.profile.email), read whole —
// the sign-in itself must see every user, whoever asks.
type catalogUsers struct{ c *catalog.Catalog }

func (u catalogUsers) FindUsers(_ context.Context, f auth.UserFilter) ([]auth.User, error) {
	parts := []string{"kind=user"}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+f[k])
	}
	res, err := u.c.QueryEntities(catalog.PluginQuery{Filter: []string{strings.Join(parts, ",")}, Limit: 10}, nil)
	if err != nil {
		return nil, err
	}
	out := make([]auth.User, 0, len(res.Items))
	for _, it := range res.Items {
		usr, err := auth.UserFromEntity(it)
		if err != nil {
			return nil, err
		}
		out = append(out, usr)
	}
	return out, nil
}
