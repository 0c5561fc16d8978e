package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// genDocs writes a realistic docs tree of pages Markdown pages (ten sections, each page
// with headings, prose, lists, a table, fenced code, an admonition and links to other
// pages) with a mkdocs.yml that Debian's mkdocs builds with Python-Markdown's own
// extensions only.
func genDocs(tb testing.TB, dir string, pages int) {
	tb.Helper()
	writeTree(tb, dir, "mkdocs.yml", "site_name: Generated\nsite_description: A generated site\nmarkdown_extensions:\n  - admonition\n  - tables\n  - fenced_code\n  - footnotes\n  - def_list\n  - attr_list\n  - toc:\n      permalink: true\n")
	langs := []string{"go", "python", "yaml", "sh", "java"}
	for i := 0; i < pages; i++ {
		sec, n := i%10, i/10
		var b strings.Builder
		fmt.Fprintf(&b, "# Page %d of section %d\n\n", n, sec)
		for h := 0; h < 4; h++ {
			fmt.Fprintf(&b, "## Topic %d\n\nThis part explains **topic %d** of page %d with `inline code`, *emphasis* and a [link to the next page](page-%d.md). ", h, h, n, (n+1)%30)
			b.WriteString("The service reads its configuration at start-up, validates it, and refuses to start when a value is out of range; operators see the YAML path and the fix in the log.\n\n")
			b.WriteString("- first point about the topic\n- second point, with `code`\n- third point\n\n")
			fmt.Fprintf(&b, "### Example %d\n\n```%s\n", h, langs[(i+h)%len(langs)])
			for l := 0; l < 8; l++ {
				fmt.Fprintf(&b, "value_%d = compute(%d, \"text\")  # step %d\n", l, l*h, l)
			}
			b.WriteString("```\n\n| Key | Default | Meaning |\n|---|---|---|\n| `timeout` | 5s | per call |\n| `retries` | 3 | on 503 |\n\n")
			b.WriteString("!!! note\n    Keep the defaults unless the service is under load.\n\n")
		}
		fmt.Fprintf(&b, "See also [the section index](index.md) and [another section](../section-%d/page-0.md).\n", (sec+1)%10)
		writeTree(tb, dir, fmt.Sprintf("docs/section-%d/page-%d.md", sec, n), b.String())
	}
	for sec := 0; sec < 10; sec++ {
		writeTree(tb, dir, fmt.Sprintf("docs/section-%d/index.md", sec), fmt.Sprintf("# Section %d\n\nThe pages of section %d.\n", sec, sec))
	}
	writeTree(tb, dir, "docs/index.md", "# Generated\n\nA generated site.\n")
}

// syncStep is a timed step of a sync's log: "built 311 pages in 1.2s".
var syncStep = regexp.MustCompile(`"(read|built|stored|indexed) [^"]*? in ([0-9.hmsµ]+)`)

// BenchmarkTechDocsBuild300 builds a 300-page site inside the Wasm plugin through the
// whole server (sync: read the tree through url_read_tree, build, store), each
// iteration after a change to one page; beside it, in the same run, Debian's `mkdocs
// build` on the same tree. Goals: ≤ 1 s per build, ≥ 10× faster than mkdocs.
func BenchmarkTechDocsBuild300(b *testing.B) {
	dir := b.TempDir()
	svcDocs(b, dir)
	genDocs(b, filepath.Join(dir, "big"), 300)
	catalog := techdocsCatalog + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: big\n  annotations: {backstage.io/techdocs-ref: \"dir:./big\"}\nspec: {type: service, lifecycle: production, owner: team-a}\n"
	base := techdocsPortal(b, dir, catalog, "    config: {syncInterval: 0}\n")
	var last string
	// The sync's steps, as its log times them: reading the tree, building, storing the
	// files, indexing for search.
	steps := map[string]time.Duration{}
	sync := func() {
		st, body := callTB(b, base+"/api/techdocs/sync/default/component/big")
		if st != 200 || !strings.Contains(body, `{"updated":true}`) {
			b.Fatalf("sync: %d %s", st, body)
		}
		last = body
		for _, m := range syncStep.FindAllStringSubmatch(body, -1) {
			d, err := time.ParseDuration(m[2])
			if err != nil {
				b.Fatalf("sync log %q: %v", m[0], err)
			}
			steps[m[1]] += d
		}
	}
	sync()
	clear(steps)
	mkdocs, err := exec.LookPath("mkdocs")
	if err != nil && (os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "") {
		b.Fatal("mkdocs is not installed (Debian's mkdocs package); it is the baseline of this benchmark")
	}
	// Wall time, and CPU time (the whole test process, where the server runs, against
	// mkdocs'), which a loaded machine inflates less.
	var ours, theirs, oursCPU, theirsCPU time.Duration
	page := filepath.Join(dir, "big", "docs", "section-0", "page-0.md")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f, _ := os.OpenFile(page, os.O_APPEND|os.O_WRONLY, 0)
		fmt.Fprintf(f, "\nEdit %d.\n", i)
		f.Close()
		b.StartTimer()
		start, cpu := time.Now(), processCPU(b)
		sync()
		ours += time.Since(start)
		oursCPU += processCPU(b) - cpu
		if mkdocs != "" {
			b.StopTimer()
			out := filepath.Join(b.TempDir(), "site")
			start := time.Now()
			cmd := exec.Command(mkdocs, "build", "-q", "-d", out, "-f", filepath.Join(dir, "big", "mkdocs.yml"))
			if o, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("mkdocs build: %v\n%s", err, o)
			}
			theirs += time.Since(start)
			theirsCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			b.StartTimer()
		}
	}
	if testing.Verbose() {
		b.Log(last) // the build's steps, timed
	}
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "greenroom-ms/build")
	for _, step := range []string{"read", "built", "stored", "indexed"} {
		if d, ok := steps[step]; ok {
			b.ReportMetric(float64(d.Milliseconds())/float64(b.N), step+"-ms")
		} else {
			b.Errorf("the sync log does not time the step %q:\n%s", step, last)
		}
	}
	if mkdocs != "" {
		b.ReportMetric(float64(theirs.Milliseconds())/float64(b.N), "mkdocs-ms/build")
		b.ReportMetric(float64(theirs)/float64(ours), "times-faster")
		b.ReportMetric(float64(oursCPU.Milliseconds())/float64(b.N), "greenroom-cpu-ms/build")
		b.ReportMetric(float64(theirsCPU.Milliseconds())/float64(b.N), "mkdocs-cpu-ms/build")
		b.ReportMetric(float64(theirsCPU)/float64(oursCPU), "cpu-times-faster")
	} else {
		b.Log("mkdocs is not installed: no baseline (apt-get install mkdocs)")
	}
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTechDocsServe serves a built page on the static route through the whole
// server (goal p50 ≤ 1 ms), and syncs an unchanged source (one conditional read, no
// rebuild).
func BenchmarkTechDocsServe(b *testing.B) {
	dir := b.TempDir()
	svcDocs(b, dir)
	genDocs(b, filepath.Join(dir, "big"), 300)
	catalog := techdocsCatalog + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: big\n  annotations: {backstage.io/techdocs-ref: \"dir:./big\"}\nspec: {type: service, lifecycle: production, owner: team-a}\n"
	base := techdocsPortal(b, dir, catalog, "    config: {syncInterval: 0}\n")
	if st, body := callTB(b, base+"/api/techdocs/sync/default/component/big"); st != 200 || !strings.Contains(body, `{"updated":true}`) {
		b.Fatalf("sync: %d %s", st, body)
	}
	b.Run("page", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			st, body := callTB(b, base+"/api/techdocs/static/docs/default/component/big/section-3/page-7/")
			lat = append(lat, time.Since(start))
			if st != 200 || !strings.Contains(body, "Page 7 of section 3") {
				b.Fatalf("page: %d", st)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
	})
	b.Run("unchanged-sync", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			st, body := callTB(b, base+"/api/techdocs/sync/default/component/big")
			if st != 200 || !strings.Contains(body, `{"updated":false}`) || !strings.Contains(body, "the source is unchanged") {
				b.Fatalf("unchanged sync: %d %s", st, body)
			}
		}
	})
}
