package catalog

import (
	"fmt"
	"io"
	"os"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/excerpt"
)

// ValidateFiles checks catalog files the way `greenroom catalog validate FILE...` does:
// every document of every file is validated with Backstage's rules and reported as
// "file:line: ref: message" (one line per broken rule). It returns the number of invalid
// entities plus unreadable or unparsable files; the CLI exits non-zero when that is
// above zero.
func ValidateFiles(w io.Writer, paths ...string) int {
	return ValidateFilesWith(w, nil, paths...)
}

// ValidateFilesWith is ValidateFiles that also knows the custom kinds of catalog.kinds
// (which must be valid): their entities are checked against their schemas.
func ValidateFilesWith(w io.Writer, kinds []KindConfig, paths ...string) int {
	ks, _ := compileKinds(kinds)
	c := &Catalog{}
	c.custom.Store(ks)
	invalid, total, badFiles := 0, 0, 0
	for _, p := range paths {
		st, err := os.Stat(p)
		if err == nil && st.Size() > DefaultMaxBytes {
			err = fmt.Errorf("file is %d bytes, over the %d-byte limit for catalog files", st.Size(), DefaultMaxBytes)
		}
		var data []byte
		if err == nil {
			data, err = os.ReadFile(p)
		}
		if err != nil {
			fmt.Fprintf(w, "%s: %v\n", p, err)
			badFiles++
			continue
		}
		docs, err := model.ParseYAML(p, data)
		for _, d := range docs {
			total++
			if d.Err != nil {
				fmt.Fprintf(w, "%s\n", d.Err)
				invalid++
				continue
			}
			ref := excerpt.Text(model.RefOf(d.Entity).String()) // the file's text, to a terminal
			errs := c.ValidateEntity(d.Entity)
			if len(errs) == 0 {
				continue
			}
			invalid++
			for _, e := range errs {
				fmt.Fprintf(w, "%s:%d: %s: %s\n", p, d.Line, ref, e)
			}
		}
		if err != nil {
			fmt.Fprintf(w, "%s\n", err)
			badFiles++
		}
	}
	fmt.Fprintf(w, "%d entities checked, %d invalid", total, invalid)
	if badFiles > 0 {
		fmt.Fprintf(w, "; %d files could not be read or parsed", badFiles)
	}
	fmt.Fprintln(w)
	return invalid + badFiles
}
