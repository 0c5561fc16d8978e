package audit

import (
	"fmt"
	"strconv"
)

// Filter selects entries for Recent. Empty fields match everything.
type Filter struct {
	Plugin     string
	Capability string
	Outcome    Outcome
	// Limit caps the result; 0 means DefaultLimit.
	Limit int
}

// Limits of GET /api/audit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Recent returns the most recent entries that match f, newest first, from memory (the
// last audit.api.recent entries of this process, whatever the file holds).
func (l *Log) Recent(f Filter) []Entry {
	if l == nil {
		return []Entry{}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	out := []Entry{}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; i < l.n && len(out) < limit; i++ {
		e := &l.ring[(l.next-1-i+len(l.ring))%len(l.ring)]
		if (f.Plugin == "" || e.Plugin == f.Plugin) &&
			(f.Capability == "" || e.Capability == f.Capability) &&
			(f.Outcome == "" || e.Outcome == f.Outcome) {
			out = append(out, *e)
		}
	}
	return out
}

// Page is the JSON body of GET /api/audit.
type Page struct {
	Items []Entry `json:"items"`
}

// ParseFilter reads GET /api/audit's query parameters plugin, capability, outcome
// (ok, denied or error) and limit (1-1000, default 100). get returns a parameter's
// value, "" when absent: url.Values.Get, or fiber's c.Query. An error is the message
// of a 400 InputError.
func ParseFilter(get func(key string) string) (Filter, error) {
	f := Filter{Plugin: get("plugin"), Capability: get("capability"), Outcome: Outcome(get("outcome"))}
	switch f.Outcome {
	case "", OK, Denied, Failed:
	default:
		return Filter{}, fmt.Errorf("outcome %q is not one of ok, denied, error", f.Outcome)
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Filter{}, fmt.Errorf("limit %q is not a number from 1 to %d", s, MaxLimit)
		}
		f.Limit = n
	}
	return f, nil
}
