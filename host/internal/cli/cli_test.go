package cli

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestHelp: every command and command group answers --help (and `greenroom help ...`)
// with its usage and exit code 0, and every flag's placeholder reads as one word.
func TestHelp(t *testing.T) {
	// A flag line: "  -o, --output FILE   text" or "      --json   text".
	flagLine := regexp.MustCompile(`^\s+(-\w, )?--[\w-]+( [A-Z]+)?\s{2,}\S`)
	for _, c := range commands() {
		for _, args := range [][]string{
			append(strings.Fields(c.name), "--help"),
			append([]string{"help"}, strings.Fields(c.name)...),
		} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := run(t, args...)
				help := stdout + stderr
				if code != 0 || !strings.HasPrefix(help, "usage: greenroom "+c.name) {
					t.Fatalf("exit %d, output %q; want 0 and the usage of %s", code, help, c.name)
				}
				for _, line := range strings.Split(strings.TrimSpace(help), "\n")[1:] {
					if strings.Contains(line, "--") && !flagLine.MatchString(line) {
						t.Errorf("flag help %q: the placeholder must be one upper-case word (a backquoted word in the usage text)", line)
					}
				}
			})
		}
	}
	for _, tc := range []struct {
		args      []string
		code      int
		want      []string
		wantNot   string
		toStderr  bool
		errorText string
	}{
		{args: []string{"plugin"}, want: []string{"plugin pack", "plugin inspect", "plugin keygen", "plugin sign", "plugin verify"}, wantNot: "serve"},
		{args: []string{"plugin", "--help"}, want: []string{"plugin pack", "plugin verify"}, wantNot: "catalog validate"},
		{args: []string{"plugin", "-h"}, want: []string{"plugin sign"}},
		{args: []string{"help", "plugin"}, want: []string{"plugin sign"}},
		{args: []string{"catalog"}, want: []string{"catalog validate"}, wantNot: "plugin"},
		{args: []string{"catalog", "--help"}, want: []string{"catalog validate"}},
		{args: []string{"config"}, want: []string{"config validate", "config schema"}, wantNot: "catalog"},
		{args: []string{"config", "--help"}, want: []string{"config validate", "config schema"}},
		{args: []string{"help", "config", "validate"}, want: []string{"usage: greenroom config validate FILE..."}, toStderr: true},
		{args: []string{"--help"}, want: []string{"serve", "config validate", "config schema", "plugin pack", "audit", "catalog validate", "version", "--version"}},
		{args: []string{"help"}, want: []string{"serve"}},
		{args: []string{"plugin", "frob"}, code: 2, want: []string{"plugin pack"}, toStderr: true, errorText: `unknown command "plugin frob"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			out := stdout
			if tc.toStderr {
				out = stderr
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
			if tc.wantNot != "" && strings.Contains(out, tc.wantNot) {
				t.Errorf("output %q lists %q, which is not in the group", out, tc.wantNot)
			}
			if !strings.Contains(stderr, tc.errorText) {
				t.Errorf("stderr %q lacks %q", stderr, tc.errorText)
			}
		})
	}
}

// TestVersion: `greenroom version` and `greenroom --version` print the stamped version,
// the revision and the toolchain.
func TestVersion(t *testing.T) {
	defer func(v, r string) { Version, Revision = v, r }(Version, Revision)
	Version, Revision = "v1.2.3", "0123456789abcdef0123456789abcdef01234567"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, _ := run(t, args...)
		want := "greenroom v1.2.3 (revision 0123456789abcdef0123456789abcdef01234567) " + runtime.Version()
		if code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("%v: exit %d, %q; want 0 and %q", args, code, stdout, want)
		}
	}
	if code, _, stderr := run(t, "version", "extra"); code != 2 || !strings.Contains(stderr, "takes no arguments") {
		t.Errorf("version extra: exit %d, %q", code, stderr)
	}
}
