package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/abi"
)

// echoEndpoint answers each request with a text body and a header made from its path,
// decoded in place into the pooled response buffer, as the plugin endpoint does.
type echoEndpoint struct{}

func (echoEndpoint) MaxBody() int64 { return 1 << 20 }

func (echoEndpoint) AllowsAnonymous(string, string) bool { return false }

func (echoEndpoint) ServeHTTPView(ctx context.Context, method, path string, enc func(string, map[string]string) []byte, out []byte, resp *abi.HTTPResponseView) ([]byte, error) {
	enc("/*", nil)
	out = append(out[:0], `{"headers":{"x-path":"`...)
	out = append(out, path...)
	out = append(out, `"},"text":"`...)
	out = append(out, strings.Repeat(path, 4096/len(path))...)
	out = append(out, `"}`...)
	return out, resp.Decode(out)
}

// TestPluginResponsesDoNotShareBuffers hammers a plugin route with concurrent requests
// and checks that every client gets its own answer: the response body must not refer
// into the pooled buffer that the next request reuses.
func TestPluginResponsesDoNotShareBuffers(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base := "http://" + serveTest(t, New(Options{Logger: quiet, Plugins: fakePlugins{"x": echoEndpoint{}}}))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections() // before the server's shutdown waits for them
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				path := fmt.Sprintf("/g%02d-%03d", g, i)
				resp, err := client.Get(base + "/api/x" + path)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := strings.Repeat(path, 4096/len(path)); string(b) != want || resp.Header.Get("X-Path") != path {
					j := 0
					for j < len(b) && j < len(want) && b[j] == want[j] {
						j++
					}
					errs <- fmt.Errorf("request %s got header %q and a body of %d bytes that differs at %d: %.24q", path, resp.Header.Get("X-Path"), len(b), j, b[j:])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
