package ext

import (
	"context"
	"encoding/json"
	"fmt"

	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Boundary wraps an element so that an error, a panic or an invalid UI tree renders
// an error box naming the extension instead of failing the page. With validate false
// the returned tree is trusted (host elements, whose children from other extensions
// went through their own boundaries).
func Boundary(extensionID string, el Element, validate bool) Element {
	if b, ok := el.(*boundary); ok && b.id == extensionID {
		return b
	}
	return &boundary{id: extensionID, el: el, validate: validate}
}

type boundary struct {
	id       string
	el       Element
	validate bool
}

// ErrorNode is the error box that stands in for a failed extension.
func ErrorNode(extensionID string, err error) ui.Node {
	return ui.ErrorBox(fmt.Sprintf("Extension %s failed", extensionID), err.Error())
}

func (b *boundary) Render(ctx context.Context, rc *RenderContext) (n ui.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			n, err = ErrorNode(b.id, fmt.Errorf("panic: %v", p)), nil
		}
	}()
	if b.el == nil {
		return ErrorNode(b.id, fmt.Errorf("no element")), nil
	}
	n, err = b.el.Render(ctx, rc)
	if err != nil {
		return ErrorNode(b.id, err), nil
	}
	if b.validate {
		if verr := n.Validate(); verr != nil {
			return ErrorNode(b.id, fmt.Errorf("returned an invalid UI tree: %w", verr)), nil
		}
	}
	return n, nil
}
