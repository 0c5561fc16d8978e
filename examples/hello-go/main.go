// Command hello-go is the example Greenroom plugin written with the Go SDK.
//
// GET /hello?name=X answers {"message":"<greeting> X"}, where greeting comes from the
// plugin's config (default "hello"); GET /count answers how many times the scheduled task
// "tick" has run, a counter it keeps in the key-value store.
package main

import (
	"strconv"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// counterKey is the key-value store key of the tick counter.
const counterKey = "counter"

func init() {
	greenroom.HandleFunc("GET /hello", hello)
	greenroom.HandleFunc("GET /count", count)
	greenroom.HandleTask("tick", tick)
}

// main is never called: the host calls _initialize, which runs init, then the exports.
func main() {}

func hello(r *greenroom.Request) *greenroom.Response {
	name := r.QueryValue("name")
	if name == "" {
		return greenroom.ErrorResponse(greenroom.Errorf(greenroom.CodeInvalidArgument, "query parameter name is required"))
	}
	greeting := greenroom.ConfigString("greeting")
	if greeting == "" {
		greeting = "hello"
	}
	return greenroom.JSON(200, map[string]string{"message": greeting + " " + name})
}

func count(*greenroom.Request) *greenroom.Response {
	n, err := readCounter()
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	return greenroom.JSON(200, map[string]int{"count": n})
}

func tick(t *greenroom.TaskRequest) error {
	n, err := readCounter()
	if err != nil {
		return err
	}
	n++
	if err := greenroom.KV.Put(counterKey, []byte(strconv.Itoa(n))); err != nil {
		return err
	}
	greenroom.Log.Debug("tick", "count", n, "scheduledAt", t.ScheduledAt)
	return nil
}

func readCounter() (int, error) {
	v, ok, err := greenroom.KV.Get(counterKey)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, greenroom.Errorf(greenroom.CodeInternal, "key-value store entry %q holds %q, not a number", counterKey, v)
	}
	return n, nil
}
