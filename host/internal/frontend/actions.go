package frontend

import (
	"context"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// RefreshAction is the host route the entity page's Refresh button posts to, a form
// with entityRef (the entity's full ref) and redirect (the page to come back to). The
// server serves it with the caller's catalog.entity.refresh decision, for forms posted
// from the portal's own pages only.
const RefreshAction = "/api/app/refresh"

// Authorizer decides what the caller of a page (identity.From(ctx)) may do, so that
// the pages offer only the actions it may take; the routes behind them decide again.
type Authorizer interface {
	// Allowed reports whether the caller may perm. For a resource permission,
	// resourceRef names the resource (a catalog entity's full ref), and a CONDITIONAL
	// decision is settled for it.
	Allowed(ctx context.Context, perm permission.Permission, resourceRef string) (bool, error)
}

// allowed reports whether the pages offer the caller an action that needs perm: every
// action route needs a caller, and the authorizer's ALLOW. A failure to decide offers
// nothing.
func allowed(ctx context.Context, a Authorizer, perm permission.Permission, resourceRef string) bool {
	if a == nil || !identity.From(ctx).Authenticated() {
		return false
	}
	ok, err := a.Allowed(ctx, perm, resourceRef)
	return err == nil && ok
}

// entityActions are the actions the entity page offers its caller on e: Refresh, to
// read the entity's location again now, when the caller may refresh e.
func entityActions(ctx context.Context, a Authorizer, e *ext.Entity) []ui.Node {
	var out []ui.Node
	if allowed(ctx, a, permission.CatalogEntityRefresh, e.Ref()) {
		out = append(out, ui.Action("Refresh", RefreshAction,
			"entityRef", e.Ref(), "redirect", EntityPath(e.NamespaceOrDefault(), e.Kind, e.Metadata.Name)))
	}
	return out
}
