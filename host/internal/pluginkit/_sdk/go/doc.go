// Package greenroom is the Go SDK for Greenroom plugins.
//
// A Greenroom plugin is a WebAssembly module that the Greenroom host loads, sandboxes and
// calls. This package implements the plugin side of ABI v1 (abi/SPEC.md in the Greenroom
// repository): it exports gr_http, gr_task, gr_extension and gr_render, reads its input
// and writes its output through the Extism guest ABI (import module extism:host/env),
// copies memory in bulk with greenroom:host/v1 mem_read, mem_write and input_read, and
// wraps every Greenroom host function in a typed Go call. It depends on the standard library only, so a plugin does
// not pull in the host.
//
// # Writing a plugin
//
// Register handlers in an init function and leave main empty: a module built with
// -buildmode=c-shared runs package initialisation when the host calls _initialize, and
// never calls main.
//
//	package main
//
//	import greenroom "greenroom.dev/greenroom/sdk/go"
//
//	func init() {
//		greenroom.HandleFunc("GET /hello", func(r *greenroom.Request) *greenroom.Response {
//			return greenroom.JSON(200, map[string]string{"message": "hello " + r.QueryValue("name")})
//		})
//	}
//
//	func main() {}
//
// Build it with the standard Go toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// then write the manifest into it with
// "greenroom plugin pack --manifest plugin.yaml plugin.wasm -o <id>.wasm".
//
// No module proxy serves this module's path: a plugin outside the Greenroom repository
// requires it at v0.0.0 and replaces it with the sdk/go directory of a checkout,
//
//	replace greenroom.dev/greenroom/sdk/go => /path/to/greenroom/sdk/go
//
// (docs/plugin-authors.md in the repository has the whole recipe).
//
// # Routing
//
// The host matches the incoming request against the routes of the plugin's manifest and
// passes the method, the path, the route pattern that matched and its parameters. The SDK
// dispatches on method and route: a handler registered as "GET /items/:id" serves the
// manifest route {method: GET, path: /items/:id}. A pattern without a method ("/items/:id")
// or with method "*" serves every method. When the host sends no route, the SDK matches the
// path against the registered patterns itself. HEAD falls back to the GET handler.
//
// # Frontend extensions
//
// A frontend plugin contributes extensions to the app's extension tree: pages, nav items,
// entity cards and tabs. Each is declared in the manifest's extensions (id, attachTo,
// output, configSchema) and registered in code with Page, NavItem, EntityCard, EntityTab,
// or Extension and Render. The host calls gr_extension for an extension's outputs at
// start-up and gr_render for every render of its element; render functions return a UI
// tree built with package greenroom.dev/greenroom/sdk/go/ui, which the host validates and
// draws with its own styles. Entity cards and tabs get the page's entity in
// RenderRequest.Entity (and, as the catalog serves it, custom fields included, in
// RenderRequest.EntityJSON) and may call host functions (catalog, URL readers, proxy)
// while rendering.
//
// # Host calls
//
// Config, logging, the key-value store (KV), the catalog, the URL readers and the proxy are
// reached through host functions. A host function that fails, for example because the
// operator did not grant its capability, returns an error of type *Error whose Code says
// why (CodeCapabilityDenied, CodeNotFound, ...). Only the host functions a plugin actually
// calls are imported by its module, and every import needs a grant, so a plugin that never
// calls the catalog does not need catalog.read.
//
// # Testing natively
//
// Outside WebAssembly (GOOS other than wasip1) the package talks to a TestHost instead:
// an in-memory key-value store, a config object, a log and a hook for the other host
// functions. Install one with UseTestHost and call Serve or RunTask to exercise handlers
// with go test on the development machine.
package greenroom
