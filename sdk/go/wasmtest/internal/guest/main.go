// Command guest is a plugin that exercises every part of the Go SDK inside WebAssembly,
// for the tests of package wasmtest.
package main

import (
	"strings"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

func init() {
	greenroom.HandleFunc("POST /echo", func(r *greenroom.Request) *greenroom.Response {
		return greenroom.Bytes(200, r.Header("content-type"), r.Body)
	})
	greenroom.HandleFunc("GET /config", func(r *greenroom.Request) *greenroom.Response {
		var cfg map[string]any
		if err := greenroom.DecodeConfig(&cfg); err != nil {
			return greenroom.ErrorResponse(err)
		}
		v, ok := greenroom.ConfigValue(r.QueryValue("key"))
		return greenroom.JSON(200, map[string]any{"all": cfg, "value": v, "present": ok})
	})
	greenroom.HandleFunc("GET /log", func(r *greenroom.Request) *greenroom.Response {
		greenroom.Log.Debug("debug line", "n", 1)
		greenroom.Log.Warn("warn line", "who", r.QueryValue("who"))
		return greenroom.NoContent()
	})
	greenroom.HandleFunc("PUT /kv/:key", func(r *greenroom.Request) *greenroom.Response {
		if err := greenroom.KV.Put(r.Param("key"), r.Body); err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.NoContent()
	})
	greenroom.HandleFunc("GET /kv/:key", func(r *greenroom.Request) *greenroom.Response {
		v, ok, err := greenroom.KV.Get(r.Param("key"))
		if err != nil {
			return greenroom.ErrorResponse(err)
		}
		if !ok {
			return greenroom.ErrorResponse(greenroom.Errorf(greenroom.CodeNotFound, "no key %s", r.Param("key")))
		}
		return greenroom.Bytes(200, "application/octet-stream", v)
	})
	greenroom.HandleFunc("DELETE /kv/:key", func(r *greenroom.Request) *greenroom.Response {
		if err := greenroom.KV.Delete(r.Param("key")); err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.NoContent()
	})
	greenroom.HandleFunc("GET /kv", func(r *greenroom.Request) *greenroom.Response {
		keys, err := greenroom.KV.List(r.QueryValue("prefix"), 0)
		if err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.Text(200, strings.Join(keys, ","))
	})
	greenroom.HandleFunc("GET /entity/*", func(r *greenroom.Request) *greenroom.Response {
		e, err := greenroom.CatalogGet(r.Param("*"))
		if err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.JSON(200, e)
	})
	greenroom.HandleFunc("GET /panic", func(*greenroom.Request) *greenroom.Response { panic("guest panic") })
	greenroom.HandleTask("fail", func(*greenroom.TaskRequest) error {
		return greenroom.Errorf(greenroom.CodeUnavailable, "task failed on purpose")
	})
}

func main() {}
