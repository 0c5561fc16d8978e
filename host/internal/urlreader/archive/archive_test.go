package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/urlreader"
)

type entry struct {
	name string
	body string
	size int64 // zeros of this size when body is empty
	typ  byte
	link string
}

// TarGz builds a tar.gz in memory.
func TarGz(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(e.body))
		if e.body == "" {
			size = e.size
		}
		if typ != tar.TypeReg {
			size = 0
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Size: size, Mode: 0o644, Linkname: e.link}
		if typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Name: e.name, Typeflag: typ, PAXRecords: map[string]string{"comment": "abc"}}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.body != "" {
			tw.Write([]byte(e.body))
		} else if size > 0 {
			zeros := make([]byte, 1<<20)
			for left := size; left > 0; {
				n := min(left, int64(len(zeros)))
				tw.Write(zeros[:n])
				left -= n
			}
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if e.body != "" {
			w.Write([]byte(e.body))
		} else {
			w.Write(make([]byte, e.size))
		}
	}
	zw.Close()
	return buf.Bytes()
}

var lim = Limits{MaxFileBytes: 64 << 10, MaxTotalBytes: 256 << 10, MaxFiles: 10, MaxCompressedBytes: 64 << 10}

func paths(fs []urlreader.File) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path+"="+string(f.Content))
	}
	return strings.Join(out, ",")
}

func TestTarSelect(t *testing.T) {
	b := TarGz(t, []entry{
		{name: "pax_global_header", typ: tar.TypeXGlobalHeader},
		{name: "o-r-abc/", typ: tar.TypeDir},
		{name: "o-r-abc/README.md", body: "readme"},
		{name: "o-r-abc/docs/index.md", body: "index"},
		{name: "o-r-abc/docs/sub/a.md", body: "a"},
		{name: "o-r-abc/docs/link", typ: tar.TypeSymlink, link: "../../../../etc/passwd"},
		{name: "o-r-abc/docsx/b.md", body: "b"},
	})
	files, err := ReadTarGz(bytes.NewReader(b), "t.tgz", lim, Select{Strip: 1, Prefix: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(files); got != "index.md=index,sub/a.md=a" {
		t.Fatalf("got %s", got)
	}
}

func TestTarSlipAndZipSlip(t *testing.T) {
	for _, name := range []string{"o-r/../../evil", "/etc/passwd", `o-r\..\evil`, "C:/x"} {
		b := TarGz(t, []entry{{name: "o-r/ok", body: "x"}, {name: name, body: "evil"}})
		_, err := ReadTarGz(bytes.NewReader(b), "t.tgz", lim, Select{Strip: 1})
		if !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), "refused") {
			t.Errorf("tar %q: %v", name, err)
		}
		z := zipOf(t, []entry{{name: "ok", body: "x"}, {name: name, body: "evil"}})
		_, err = ReadZip(bytes.NewReader(z), int64(len(z)), "z.zip", lim, Select{})
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("zip %q: %v", name, err)
		}
	}
}

func TestDecompressionBombs(t *testing.T) {
	// 8 MiB of zeros compress to well under the 64 KiB compressed cap.
	b := TarGz(t, []entry{{name: "o-r/bomb", size: 8 << 20}})
	if len(b) > 64<<10 {
		t.Fatalf("fixture is %d bytes", len(b))
	}
	_, err := ReadTarGz(bytes.NewReader(b), "bomb.tgz", lim, Select{Strip: 1})
	if !errors.Is(err, urlreader.ErrTooLarge) {
		t.Fatalf("one huge file: %v", err)
	}
	// Many medium files, each under the per-file cap and filtered out: the total cap stops it.
	var many []entry
	for i := 0; i < 8; i++ {
		many = append(many, entry{name: "o-r/f" + string(rune('a'+i)), size: 60 << 10})
	}
	b = TarGz(t, many)
	_, err = ReadTarGz(bytes.NewReader(b), "many.tgz", lim, Select{Strip: 1, Keep: func(string, int64) bool { return false }})
	if !errors.Is(err, urlreader.ErrTooLarge) || !strings.Contains(err.Error(), "unpacked archive") {
		t.Fatalf("total cap: %v", err)
	}
	z := zipOf(t, []entry{{name: "bomb", size: 8 << 20}})
	_, err = ReadZip(bytes.NewReader(z), int64(len(z)), "bomb.zip", lim, Select{})
	if !errors.Is(err, urlreader.ErrTooLarge) {
		t.Fatalf("zip bomb: %v", err)
	}
	// Too many files.
	var lots []entry
	for i := 0; i < 11; i++ {
		lots = append(lots, entry{name: "o-r/" + strings.Repeat("x", i+1), body: "x"})
	}
	_, err = ReadTarGz(bytes.NewReader(TarGz(t, lots)), "lots.tgz", lim, Select{Strip: 1})
	if !errors.Is(err, urlreader.ErrTooLarge) {
		t.Fatalf("file count: %v", err)
	}
}
