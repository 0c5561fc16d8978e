package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/runtime"
)

// TestPluginRouteHammer drives the C and AssemblyScript hello plugins through the server
// from many connections at once, with answers of 200, 400 and 404 interleaved, and checks
// every answer is the one its request asked for. Under -race it also catches a pooled
// request or response buffer that fasthttp still reads after the handler returned.
func TestPluginRouteHammer(t *testing.T) {
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Packed(t, "examples/hello-c/hello-c.wasm"), filepath.Join(dir, "hello-c.wasm"))
	plugintest.Copy(t, plugintest.Packed(t, "examples/hello-assemblyscript/hello-assemblyscript.wasm"), filepath.Join(dir, "hello-assemblyscript.wasm"))
	cfgPath := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgPath, []byte("plugins:\n  - {id: hello-c, source: hello-c.wasm, limits: {instances: 4}}\n  - {id: hello-assemblyscript, source: hello-assemblyscript.wasm, limits: {instances: 4}}\n"), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := runtime.NewEngine(context.Background(), runtime.EngineConfig{CacheDir: filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(context.Background())
	m := plugin.NewManager(plugin.Deps{Engine: eng, Logger: quiet})
	if err := m.Apply(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	base := "http://" + serveTest(t, New(Options{Logger: quiet, Plugins: managerPlugins{m}}))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for g := 0; g < 24; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 150; i++ {
				id := []string{"hello-c", "hello-assemblyscript"}[i%2]
				name := fmt.Sprintf("n%02d-%03d-%s", g, i, strings.Repeat("z", i*7))
				url, want, code := base+"/api/"+id+"/hello?name="+name, `{"message":"hello `+name+`"}`, 200
				switch i % 5 {
				case 3:
					url, want, code = base+"/api/"+id+"/nope"+name, "NotFoundError", 404
				case 4:
					url, want, code = base+"/api/"+id+"/hello", "invalid_argument", 400
				}
				req, _ := http.NewRequest("GET", url, strings.NewReader(""))
				req.Header.Set("X-Junk", name)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != code || (code == 200 && string(b) != want) || !strings.Contains(string(b), want) {
					t.Errorf("%s: %d %s", url, resp.StatusCode, b)
					return
				}
			}
		}()
	}
	wg.Wait()
}
