// Command kvwriter is a test plugin for package cli: PUT /items/:id stores the body
// under the key id in the key-value store, GET /items/:id answers it; PUT and GET
// /files/:name do the same with the plugin's file name (the files capability); a
// failing store call is answered with the SDK's ErrorResponse (its code picks the
// status).
package main

import greenroom "greenroom.dev/greenroom/sdk/go"

func init() {
	greenroom.HandleFunc("PUT /items/:id", func(r *greenroom.Request) *greenroom.Response {
		if err := greenroom.KV.Put(r.Param("id"), r.Body); err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.JSON(200, map[string]string{"stored": r.Param("id")})
	})
	greenroom.HandleFunc("GET /items/:id", func(r *greenroom.Request) *greenroom.Response {
		v, ok, err := greenroom.KV.Get(r.Param("id"))
		if err != nil {
			return greenroom.ErrorResponse(err)
		}
		if !ok {
			return greenroom.JSON(404, map[string]string{"missing": r.Param("id")})
		}
		return greenroom.JSON(200, map[string]string{"value": string(v)})
	})
	greenroom.HandleFunc("PUT /files/:name", func(r *greenroom.Request) *greenroom.Response {
		if _, err := greenroom.Files.Write([]greenroom.FileContent{{Path: r.Param("name"), Content: r.Body}}, ""); err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.JSON(200, map[string]string{"stored": r.Param("name")})
	})
	greenroom.HandleFunc("GET /files/:name", func(r *greenroom.Request) *greenroom.Response {
		v, ok, err := greenroom.Files.Read(r.Param("name"))
		if err != nil {
			return greenroom.ErrorResponse(err)
		}
		if !ok {
			return greenroom.JSON(404, map[string]string{"missing": r.Param("name")})
		}
		return greenroom.JSON(200, map[string]string{"value": string(v)})
	})
}

func main() {}
