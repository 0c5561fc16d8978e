package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkFilesWriteSite stores a 300-page docs site as the TechDocs plugin does after
// each build: 315 files, 12 MB, in one transaction that replaces the site's directory.
// "first" writes it into an empty store; "rebuild" writes it again after one page
// changed, which is what a sync after an edit does.
func BenchmarkFilesWriteSite(b *testing.B) {
	f, err := OpenFile(filepath.Join(b.TempDir(), "greenroom.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := bytes.Repeat([]byte("<p>The service reads its configuration at start-up.</p>\n"), 700)
	var files []FileWrite
	for i := 0; i < 315; i++ {
		files = append(files, FileWrite{Path: fmt.Sprintf("sites/default/component/big/section-%d/page-%d/index.html", i%10, i/10), Content: page})
	}
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.Files().Delete("techdocs", "sites"); err != nil {
				b.Fatal(err)
			}
			if _, err := f.Files().Write("techdocs", files, "sites/default/component/big", FileLimits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			files[0].Content = append(bytes.Clone(page), fmt.Sprintf("<p>Edit %d.</p>", i)...)
			if _, err := f.Files().Write("techdocs", files, "sites/default/component/big", FileLimits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
