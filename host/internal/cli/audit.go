package cli

import (
	"errors"

	"greenroom.dev/greenroom/host/internal/cli/auditreport"
)

// runAudit is `greenroom audit [--config F ...] [--json] [--pubkey K ...] [x.wasm]`.
// Without a file it audits every plugin of the config files (default app-config.yaml);
// with one it audits that module alone, and --config then only supplies the signature
// policy. It exits 1 on any mismatch, 2 on bad usage or a config that does not load.
func runAudit(env *Env, args []string) error {
	fs := newFlags(env, "audit", "[--config app-config.yaml ...] [--json] [--pubkey NAME.pub ...] [x.wasm]")
	files := fs.StringArray("config", nil, "a config `FILE`; repeat for overlays (default app-config.yaml)")
	asJSON := fs.Bool("json", false, "print JSON (host/internal/cli/auditreport/report.schema.json)")
	pubs := fs.StringArray("pubkey", nil, "trust this public key `FILE` too (repeatable); for auditing one .wasm file without config")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return usagef("audit takes at most one .wasm file")
	}
	err := auditreport.Audit(env.Stdout, auditreport.Request{
		Files: *files, File: fs.Arg(0), PubKeys: *pubs, JSON: *asJSON, Getenv: env.Getenv,
	})
	var m *auditreport.MismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &m):
		return err
	}
	return asUsage(err)
}
