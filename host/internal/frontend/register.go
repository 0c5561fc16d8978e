package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/permission"
)

// Registering an existing component, as Backstage's catalog-import page does: the
// page reads a catalog file's URL as a dry run (POST /locations?dryRun=true) and shows
// what registering it would add; its Import button posts RegisterAction, which
// registers it (POST /locations) for the caller.

// RegisterPath is the page's path, as Backstage's.
const RegisterPath = "/catalog-import"

// RegisterAction is the host route the page's Import button posts to: a form with
// target (the catalog file's URL). The server registers it with the caller's
// catalog.location.create decision, for forms posted from the portal's own pages only.
const RegisterAction = "/api/app/register"

// Registrar previews what registering a catalog file would add, for the page's caller.
type Registrar interface {
	Preview(ctx context.Context, target string) (RegisterPreview, error)
}

// RegisterPreview is a dry run's result.
type RegisterPreview struct {
	Entities []ext.Entity
	// Exists reports that the location is registered already.
	Exists bool
}

// RegisterInputError is a problem with the URL itself (not readable, not a catalog
// file, not allowed): the page says it and answers 400.
type RegisterInputError struct{ Msg string }

func (e *RegisterInputError) Error() string { return e.Msg }

func registerPage(ctx context.Context, reg Registrar, authz Authorizer, rc *ext.RenderContext) (ui.Node, error) {
	page := ui.Node{Type: ui.TypePage, Title: "Register an existing component", Subtitle: "Enter the URL of a catalog-info.yaml file in your source control, as copied from the browser."}
	if reg == nil {
		page.Children = []ui.Node{ui.Empty("Not available", "Registering components is not configured on this host.")}
		return page, nil
	}
	target := strings.TrimSpace(rc.Query.Get("url"))
	page.Children = append(page.Children, ui.Node{Type: ui.TypeForm, Action: RegisterPath, Submit: "Analyze", Fields: []ui.Field{
		{Name: "url", Label: "Repository URL", Kind: ui.FieldText, Value: target, Placeholder: "https://github.com/org/repo/blob/main/catalog-info.yaml"},
	}})
	if rc.Query.Get("registered") == "true" && target != "" {
		page.Children = append(page.Children, ui.Card("Registered", ui.Text("The location "+target+" is registered; its entities appear in the catalog as it is read."), ui.Link("Go to the catalog", "/catalog")))
		return page, nil
	}
	if target == "" {
		return page, nil
	}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		rc.SetStatus(400)
		page.Children = append(page.Children, ui.ErrorBox("Not a URL", fmt.Sprintf("%q is not an http(s) URL; paste the address of the catalog file as the browser shows it.", target)))
		return page, nil
	}
	prev, err := reg.Preview(ctx, target)
	var bad *RegisterInputError
	if errors.As(err, &bad) {
		rc.SetStatus(400)
		page.Children = append(page.Children, ui.ErrorBox("This URL cannot be registered", bad.Msg))
		return page, nil
	}
	if err != nil {
		return ui.Node{}, fmt.Errorf("register %s: dry run: %w", target, err)
	}
	t := ui.Node{Type: ui.TypeTable, Columns: []string{"Kind", "Name", "Namespace", "Title"}}
	for _, e := range prev.Entities {
		t.Rows = append(t.Rows, []ui.Node{ui.Text(e.Kind), ui.Text(e.Metadata.Name), ui.Text(e.NamespaceOrDefault()), ui.Text(e.Metadata.Title)})
	}
	preview := ui.Card(fmt.Sprintf("Registering it would add %d entities", len(prev.Entities)), t)
	switch {
	case prev.Exists:
		preview.Children = append(preview.Children, ui.Text("This location is registered already; its entities are in the catalog."))
	case len(prev.Entities) == 0:
		preview.Children = append(preview.Children, ui.Text("The file holds no entities."))
	case allowed(ctx, authz, permission.CatalogLocationCreate, ""):
		preview.Children = append(preview.Children, ui.Action("Import", RegisterAction, "target", target))
	default:
		preview.Children = append(preview.Children, ui.Text("Sign in with a user who may register locations (catalog.location.create) to import it."))
	}
	page.Children = append(page.Children, preview)
	return page, nil
}
