package ext

import (
	"context"
	"encoding/json"
	"fmt"

	"greenroom.dev/greenroom/host/internal/excerpt"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Boundary wraps an element so that an error, a panic or an invalid UI tree renders
// an error box naming the extension instead of failing the page. With validate false
// the returned tree is trusted (host elements, whose children from other extensions
// went through their own boundaries). A ValidatingElement's trees are not validated
// again: each tree is validated once.
func Boundary(extensionID string, el Element, validate bool) Element {
	if b, ok := el.(*boundary); ok && b.id == extensionID {
		return b
	}
	if _, ok := el.(ValidatingElement); ok {
		validate = false
	}
	return &boundary{id: extensionID, el: el, validate: validate}
}

// ValidatingElement is an Element that validates every tree it returns (for example
// by reading it with ui.Decode, as the elements of Wasm plugins do), so that the error
// boundary around it does not walk the tree a second time.
type ValidatingElement interface {
	Element
	// ValidatesUI marks the element; it does nothing.
	ValidatesUI()
}

type boundary struct {
	id       string
	el       Element
	validate bool
}

// maxErrorBytes caps the text of an error box: what a plugin says of itself (its error
// message, its functions' names in a trap's stack trace) shows as an escaped excerpt.
const maxErrorBytes = 1024

// ErrorNode is the error box that stands in for a failed extension.
func ErrorNode(extensionID string, err error) ui.Node {
	return ui.ErrorBox(fmt.Sprintf("Extension %s failed", extensionID), excerpt.Limit(err.Error(), maxErrorBytes))
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
