//go:build !wasip1

package greenroom

// CallExtension runs the plugin's gr_extension export on the request message in, as the
// host would, and returns the export's result code and its output or error message.
func (h *TestHost) CallExtension(in []byte) (rc int32, out []byte) {
	return h.callExport(in, func() int32 {
		o, err := extensionMessage(h.input())
		return finish(o, err)
	})
}

// CallRender runs the plugin's gr_render export on the request message in, as the host
// would. Host functions called while rendering (catalog, URL reader, proxy) go to h.Call.
func (h *TestHost) CallRender(in []byte) (rc int32, out []byte) {
	return h.callExport(in, func() int32 {
		o, err := renderMessage(h.input())
		return finish(o, err)
	})
}
