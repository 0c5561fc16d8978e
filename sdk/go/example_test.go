//go:build !wasip1

package greenroom_test

import (
	"fmt"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// A plugin registers its handlers in init; the host calls them through gr_http. Outside
// WebAssembly a TestHost plays the host, so handlers run under go test.
func Example() {
	greenroom.HandleFunc("GET /greet/:name", func(r *greenroom.Request) *greenroom.Response {
		greeting := greenroom.ConfigString("greeting")
		visits := 0
		if v, ok, err := greenroom.KV.Get("visits"); err != nil {
			return greenroom.ErrorResponse(err)
		} else if ok {
			fmt.Sscan(string(v), &visits)
		}
		visits++
		if err := greenroom.KV.Put("visits", []byte(fmt.Sprint(visits))); err != nil {
			return greenroom.ErrorResponse(err)
		}
		return greenroom.JSON(200, map[string]any{"message": greeting + " " + r.Param("name"), "visits": visits})
	})

	defer greenroom.UseTestHost(&greenroom.TestHost{Config: map[string]any{"greeting": "hej"}})()
	for i := 0; i < 2; i++ {
		resp := greenroom.Serve(&greenroom.Request{Method: "GET", Path: "/greet/Ada"})
		fmt.Println(resp.StatusCode(), string(resp.Content()))
	}

	// Without the kv grant the store answers capability_denied, which becomes a 403.
	defer greenroom.UseTestHost(&greenroom.TestHost{DenyKV: true})()
	resp := greenroom.Serve(&greenroom.Request{Method: "GET", Path: "/greet/Ada"})
	fmt.Println(resp.StatusCode(), string(resp.Content()))
	// Output:
	// 200 {"message":"hej Ada","visits":1}
	// 200 {"message":"hej Ada","visits":2}
	// 403 {"error":{"name":"NotAllowedError","message":"kv_get: the test host grants no kv","code":"capability_denied"},"response":{"statusCode":403}}
}
