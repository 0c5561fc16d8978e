//go:build wasip1

package greenroom

//go:wasmexport gr_extension
func grExtension() int32 {
	out, err := extensionMessage(current.input())
	return finish(out, err)
}

//go:wasmexport gr_render
func grRender() int32 {
	out, err := renderMessage(current.input())
	return finish(out, err)
}
