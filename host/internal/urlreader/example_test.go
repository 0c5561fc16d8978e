package urlreader_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"greenroom.dev/greenroom/host/internal/urlreader"
)

// Reading a catalog file through the file reader, then asking again with the ETag.
func Example() {
	dir, _ := os.MkdirTemp("", "catalog")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte("kind: Component\n"), 0o644)

	readers, err := urlreader.New(urlreader.ReadingConfig{FileRoots: []string{dir}},
		urlreader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	u, _ := urlreader.FileURL(filepath.Join(dir, "catalog-info.yaml"))
	res, err := readers.ReadURL(context.Background(), u, urlreader.ReadURLOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s", res.Content)
	_, err = readers.ReadURL(context.Background(), u, urlreader.ReadURLOptions{ETag: res.ETag})
	fmt.Println(errors.Is(err, urlreader.ErrNotModified))
	_, err = readers.ReadURL(context.Background(), "https://example.com/x.yaml", urlreader.ReadURLOptions{})
	fmt.Println(errors.Is(err, urlreader.ErrNotAllowed))
	// Output:
	// kind: Component
	// true
	// true
}
