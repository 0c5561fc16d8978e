package auditreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"greenroom.dev/greenroom/abi"
)

// WriteJSON writes the report as indented JSON (host/internal/cli/auditreport/report.schema.json).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people: one block per plugin, then a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	if len(r.Config) > 0 {
		fmt.Fprintf(&b, "config: %s\n", strings.Join(r.Config, ", "))
	}
	keys := "none"
	if len(r.Signatures.TrustedKeys) > 0 {
		keys = strings.Join(r.Signatures.TrustedKeys, ", ")
	}
	fmt.Fprintf(&b, "signatures: required=%v, trusted keys: %s\n", r.Signatures.Required, keys)
	bad := 0
	for i := range r.Plugins {
		p := &r.Plugins[i]
		if p.Mismatch {
			bad++
		}
		b.WriteByte('\n')
		writePlugin(&b, p)
	}
	verdict := "no mismatches"
	if r.Mismatch {
		verdict = fmt.Sprintf("%d with mismatches", bad)
	}
	fmt.Fprintf(&b, "\n%d plugin(s), %s\n", len(r.Plugins), verdict)
	_, err := w.Write(b.Bytes())
	return err
}

func writePlugin(b *bytes.Buffer, p *Plugin) {
	state := "enabled"
	if !p.Enabled {
		state = "disabled"
	}
	verdict := "ok"
	if p.Mismatch {
		verdict = "MISMATCH"
	}
	fmt.Fprintf(b, "plugin %s (%s): %s\n", p.ID, state, verdict)
	line := func(label, format string, args ...any) {
		fmt.Fprintf(b, "  %-13s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	if p.Location != "" {
		line("config", "%s", p.Location)
	}
	src := p.Source
	if p.File != "" && p.File != p.Source {
		src += " (" + p.File + ")"
	}
	line("source", "%s", src)
	if p.SHA256 != "" {
		line("sha256", "%s", p.SHA256)
	}
	pin := p.Pin.Status
	if p.Pin.Status == PinnedMismatch {
		pin += ", config pins " + p.Pin.Expected
	}
	line("pin", "%s", pin)
	if s := p.Signature; s != nil {
		sig := string(s.Status)
		if s.KeyID != "" {
			sig += " (key " + s.KeyID + ")"
		}
		line("signature", "%s", sig)
	}
	if m := p.Manifest; m != nil {
		line("manifest", "%s %s (abi %s)", m.ID, m.Version, m.ABI)
		if m.Description != "" {
			line("about", "%s", m.Description)
		}
	}
	c := &p.Capabilities
	var decl []string
	for _, d := range c.Declared {
		s := d.Name
		if d.Optional {
			s += " (optional)"
		}
		decl = append(decl, s)
	}
	line("declared", "%s", list(decl))
	var imp []string
	for _, name := range c.Imported {
		fs := funcsOf(p.Imports, name)
		if name == abi.CapTasks {
			imp = append(imp, name+" ("+plural(len(p.Tasks), "1 task", fmt.Sprintf("%d tasks", len(p.Tasks)))+")")
			continue
		}
		imp = append(imp, name+" ("+strings.Join(fs, ", ")+")")
	}
	line("imported", "%s", list(imp))
	if c.Granted != nil {
		var gr []string
		for _, g := range p.Grants {
			gr = append(gr, g.Capability+narrowing(g))
		}
		line("granted", "%s", list(gr))
		line("over-granted", "%s", list(c.OverGranted))
	}
	line("missing", "%s", list(c.Missing))
	if len(c.Stubbed) > 0 {
		line("stubbed", "%s", list(c.Stubbed))
	}
	if l := p.Limits; l != nil {
		line("limits", "memory %s, timeout %s, instances %d, queue %s, body %s", l.Memory, l.Timeout, l.Instances, l.QueueTimeout, l.MaxBodySize)
	}
	for _, rt := range p.Routes {
		if rt.Anonymous {
			line("route", "%s %s (open to anonymous callers)", rt.Method, rt.Path)
			continue
		}
		line("route", "%s %s", rt.Method, rt.Path)
	}
	for _, pm := range p.Permissions {
		s := pm.Name
		if pm.Attributes.Action != "" {
			s += " (" + pm.Attributes.Action
			if pm.ResourceType != "" {
				s += " " + pm.ResourceType
			}
			s += ")"
		}
		line("permission", "%s", s)
	}
	for _, a := range p.Actions {
		s := a.ID
		if a.Description != "" {
			s += ": " + a.Description
		}
		line("action", "%s", s)
	}
	for _, t := range p.Tasks {
		s := t.Name + " every " + t.Every
		if t.Timeout != "" {
			s += ", timeout " + t.Timeout
		}
		line("task", "%s", s)
	}
	if len(p.Extensions) > 0 {
		var out bytes.Buffer
		if json.Compact(&out, p.Extensions) == nil {
			line("extensions", "%s", out.String())
		}
	}
	for _, s := range p.Problems {
		line("problem", "%s", s)
	}
	for _, s := range p.Warnings {
		line("warning", "%s", s)
	}
}

func narrowing(g Grant) string {
	var parts []string
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+": ["+strings.Join(v, ", ")+"]")
		}
	}
	if g.Quota != "" {
		parts = append(parts, "quota: "+g.Quota)
	}
	add("hosts", g.Hosts)
	add("paths", g.Paths)
	add("endpoints", g.Endpoints)
	add("kinds", g.Kinds)
	add("namespaces", g.Namespaces)
	if len(parts) == 0 {
		return ""
	}
	return " {" + strings.Join(parts, ", ") + "}"
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}
