package site

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// genTree is a realistic 300-page docs tree (as the host's benchmark generates).
func genTree(pages int) map[string][]byte {
	files := map[string][]byte{"mkdocs.yml": []byte("site_name: Generated\n")}
	langs := []string{"go", "python", "yaml", "sh", "java"}
	for i := 0; i < pages; i++ {
		sec, n := i%10, i/10
		var b strings.Builder
		fmt.Fprintf(&b, "# Page %d of section %d\n\n", n, sec)
		for h := 0; h < 4; h++ {
			fmt.Fprintf(&b, "## Topic %d\n\nThis part explains **topic %d** of page %d with `inline code`, *emphasis* and a [link to the next page](page-%d.md). ", h, h, n, (n+1)%30)
			b.WriteString("The service reads its configuration at start-up, validates it, and refuses to start when a value is out of range.\n\n")
			b.WriteString("- first point\n- second point, with `code`\n- third point\n\n")
			fmt.Fprintf(&b, "### Example %d\n\n```%s\n", h, langs[(i+h)%len(langs)])
			for l := 0; l < 8; l++ {
				fmt.Fprintf(&b, "value_%d = compute(%d, \"text\")  # step %d\n", l, l*h, l)
			}
			b.WriteString("```\n\n| Key | Default |\n|---|---|\n| `timeout` | 5s |\n\n!!! note\n    Keep the defaults.\n\n")
		}
		files[fmt.Sprintf("docs/section-%d/page-%d.md", sec, n)] = []byte(b.String())
	}
	files["docs/index.md"] = []byte("# Generated\n")
	return files
}

func BenchmarkBuild300(b *testing.B) {
	files := genTree(300)
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := Build(files, Options{}); err != nil {
			b.Fatal(err)
		}
		_ = start
	}
}
