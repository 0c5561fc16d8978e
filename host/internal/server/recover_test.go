package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

type panickingPages struct{}

func (panickingPages) RenderPage(ctx context.Context, req PageRequest) (int, []byte) {
	if req.Path == "/boom" {
		var m map[string]int
		//lint:ignore SA5000 deliberate: a runtime panic, as a real bug would cause
		m["x"]++ // nil map write: a real bug's panic
	}
	return 200, []byte("<p>fine</p>")
}

func TestHandlerPanicAnswers500AndKeepsServing(t *testing.T) {
	var logs bytes.Buffer
	s := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Pages: panickingPages{}})
	base := "http://" + serveTest(t, s)

	resp, err := http.Get(base + "/boom")
	if err != nil {
		t.Fatalf("the server went down with the panic: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500: %s", resp.StatusCode, body)
	}
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Name != "Error" || eb.Response.StatusCode != 500 || eb.Request.URL != "/boom" {
		t.Fatalf("body %s is not Backstage's error body for the request (%v)", body, err)
	}
	if !strings.Contains(logs.String(), "request handler panicked") || !strings.Contains(logs.String(), "assignment to entry in nil map") {
		t.Errorf("the panic was not logged with its cause:\n%s", logs.String())
	}
	for _, path := range []string{"/healthz", "/fine"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("after the panic, GET %s answers %d", path, resp.StatusCode)
		}
	}
}
