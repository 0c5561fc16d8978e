// Package requestid gives every request an ID that follows it: the HTTP edge keeps a
// valid incoming X-Request-Id or makes one, returns it, writes it to the access log,
// puts it in the plugin's request message, and every audit entry the request causes
// records it (the audit log and the capability host read it from the context).
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header is the request and response header that carries the ID.
const Header = "X-Request-Id"

// MaxLen is the longest incoming ID kept; a longer one is replaced.
const MaxLen = 128

type key struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the ID ctx carries, or "".
func From(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Valid reports whether an incoming ID may be kept: 1 to MaxLen characters, each an
// ASCII letter or digit or one of - _ . : + / = (what tracing systems and load
// balancers send: UUIDs, hex, base64, "Root=1-..."-style values without the semicolons).
// Anything else — spaces, quotes, control characters, non-ASCII — could forge log
// lines or headers, and is replaced by a new ID.
func Valid(id []byte) bool {
	if len(id) == 0 || len(id) > MaxLen {
		return false
	}
	for _, c := range id {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}

// New makes an ID: a random version 4 UUID.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
