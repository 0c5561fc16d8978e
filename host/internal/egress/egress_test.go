package egress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	cases := map[string]Class{
		"8.8.8.8":                Public,
		"2606:4700::1111":        Public,
		"127.0.0.1":              Loopback,
		"127.9.9.9":              Loopback,
		"::1":                    Loopback,
		"::ffff:127.0.0.1":       Loopback,
		"10.1.2.3":               Private,
		"172.31.0.1":             Private,
		"192.168.1.1":            Private,
		"fd12::1":                Private,
		"100.64.0.1":             Private,
		"169.254.1.1":            LinkLocal,
		"fe80::1":                LinkLocal,
		"169.254.169.254":        Metadata,
		"::ffff:169.254.169.254": Metadata,
		"fd00:ec2::254":          Metadata,
		"100.100.100.200":        Metadata,
		"0.0.0.0":                Unspecified,
		"::":                     Unspecified,
		"224.0.0.1":              Multicast,
		"64:ff9b::7f00:1":        Loopback, // NAT64 carrying 127.0.0.1
		"64:ff9b::a9fe:a9fe":     Metadata, // NAT64 carrying 169.254.169.254
		"2002:7f00:1::":          Loopback, // 6to4 carrying 127.0.0.1
		"240.0.0.1":              Reserved,
	}
	for in, want := range cases {
		if got := Classify(netip.MustParseAddr(in)); got != want {
			t.Errorf("Classify(%s) = %s, want %s", in, got, want)
		}
	}
}

func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

func TestDialerRefusesLoopbackNameUnlessTrusted(t *testing.T) {
	port := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secret")
	}))
	res := StaticResolver{"evil.test": {"127.0.0.1"}, "good.test": {"127.0.0.1"}, "meta.test": {"169.254.169.254"}}
	d := &Dialer{Resolver: res, Trusted: func(h string) bool { return h == "good.test" || h == "meta.test" }}
	c := NewClient(ClientOptions{Dialer: d})

	_, err := c.Get("http://evil.test:" + port + "/")
	var be *BlockedError
	if !errors.As(err, &be) || be.Class != Loopback || be.Host != "evil.test" {
		t.Fatalf("untrusted name to 127.0.0.1: got %v, want a loopback BlockedError", err)
	}
	if !strings.Contains(err.Error(), "name this exact host in config") {
		t.Errorf("error does not say how to fix it: %v", err)
	}

	resp, err := c.Get("http://good.test:" + port + "/")
	if err != nil {
		t.Fatalf("trusted name: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "secret" {
		t.Fatalf("trusted name: body %q", b)
	}

	// A metadata address is refused even for a trusted name.
	_, err = c.Get("http://meta.test/latest/meta-data/")
	if !errors.As(err, &be) || be.Class != Metadata {
		t.Fatalf("metadata via name: got %v, want a metadata BlockedError", err)
	}
	// A literal IP is checked too.
	for _, u := range []string{"http://127.0.0.1:" + port + "/", "http://169.254.169.254/", "http://[::1]:" + port + "/", "http://[fd00:ec2::254]/"} {
		if _, err := c.Get(u); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: got %v, want ErrBlocked", u, err)
		}
	}
}

func TestDialerIgnoresEnvironmentProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	port := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "direct") }))
	d := &Dialer{Resolver: StaticResolver{"svc.test": {"127.0.0.1"}}, Trusted: func(string) bool { return true }}
	resp, err := NewClient(ClientOptions{Dialer: d}).Get("http://svc.test:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "direct" {
		t.Fatalf("got %q", b)
	}
}

func TestRedirects(t *testing.T) {
	var port string
	port = startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-evil":
			http.Redirect(w, r, "http://evil.test:"+port+"/secret", http.StatusFound)
		case "/to-good":
			http.Redirect(w, r, "/final", http.StatusFound)
		default:
			io.WriteString(w, r.URL.Path)
		}
	}))
	d := &Dialer{Resolver: StaticResolver{"good.test": {"127.0.0.1"}, "evil.test": {"127.0.0.1"}}, Trusted: func(string) bool { return true }}
	rule := func(u *url.URL) error {
		if u.Hostname() != "good.test" {
			return fmt.Errorf("host %s is not allowed", u.Hostname())
		}
		return nil
	}
	c := NewClient(ClientOptions{Dialer: d, Redirect: rule})
	_, err := c.Get("http://good.test:" + port + "/to-evil")
	var re *RedirectError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "evil.test") {
		t.Fatalf("redirect to a disallowed host: got %v", err)
	}
	resp, err := c.Get("http://good.test:" + port + "/to-good")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "/final" {
		t.Fatalf("allowed redirect: got %q", b)
	}
	// Not following: the 302 comes back as is.
	resp, err = NewClient(ClientOptions{Dialer: d}).Get("http://good.test:" + port + "/to-evil")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302 returned unfollowed", resp.StatusCode)
	}
}

func TestReadLimits(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 100)
	if b, err := ReadAll(bytes.NewReader(data), 100, "body"); err != nil || len(b) != 100 {
		t.Fatalf("exactly at the limit: %d %v", len(b), err)
	}
	if _, err := ReadAll(bytes.NewReader(data), 99, "body of x"); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "body of x") {
		t.Fatalf("over the limit: %v", err)
	}
	if b, err := io.ReadAll(LimitReader(bytes.NewReader(data), 100, "body")); err != nil || len(b) != 100 {
		t.Fatalf("LimitReader at the limit: %d %v", len(b), err)
	}
	if _, err := io.ReadAll(LimitReader(bytes.NewReader(data), 50, "body")); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("LimitReader over the limit: %v", err)
	}
}

func TestReachesDotDot(t *testing.T) {
	for _, c := range []struct {
		path string
		want bool
	}{
		{"/a/b", false}, {"/a/../b", true}, {"..", true}, {"/a/%2e%2e/b", true}, {"/a/%2E%2e", true},
		{"/a/%252e%252e/b", true}, {"/a/%25252e%25252e/b", true}, {"/a/.%252e%252fb", true},
		{`/a\..\b`, true}, {"/a/..%5cb", true}, {"/a/..%255cb", true},
		{"/a/group%2Fproject", false}, {"/a/%2F%2F", false}, {"/a/..b/c..", false}, {"/a/./b", false},
		{"/a/%zz/..x", false}, {"/a/%25zz", false}, {"/a/%2e", false},
		{"/" + strings.Repeat("%"+strings.Repeat("25", 5)+"2e", 2), true}, // `..` after 6 rounds
		{"/%" + strings.Repeat("25", 10) + "2e", true},                    // still decoding after maxDecodes rounds
	} {
		if got := ReachesDotDot(c.path); got != c.want {
			t.Errorf("ReachesDotDot(%q) = %v, want %v", c.path, got, c.want)
		}
	}
}
