// Package units holds the two value types that operator config writes in units: sizes
// (ByteSize: 512, 64KiB, 10MiB, 1GiB) and durations (Duration: a Go duration such as
// 500ms, 5s, 10m, or Backstage's HumanDuration object such as {minutes: 5}). It is a
// leaf: every config section uses it, and it imports nothing of the host.
//
// A bad value is reported to the YAML decoder as a *yaml.TypeError ("line N: ..."),
// which the config loader turns into an error naming the file, line and YAML path.
package units

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ByteSize is a size in bytes, written as 512, 64KiB, 10MiB, 1GiB (KB, MB and GB, and
// K, M and G, are read as powers of 1024 too).
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}

// ParseByteSize parses a ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			mult = u.mult
			s = strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size like 64MiB")
	}
	return ByteSize(n * mult), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "want a size like 64MiB")
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return typeError(n, fmt.Sprintf("%q is %v", n.Value, err))
	}
	*b = v
	return nil
}

func (b ByteSize) String() string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", b>>30)
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", b>>10)
	}
	return fmt.Sprintf("%dB", int64(b))
}

// MarshalText writes the size in its largest whole unit.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Duration is a time.Duration written as a Go duration (500ms, 5s, 10m, 1h30m) or as
// Backstage's HumanDuration object ({minutes: 5}, {hours: 1, minutes: 30}; units years,
// months, weeks, days, hours, minutes, seconds, milliseconds). It is never negative.
type Duration time.Duration

var humanUnits = map[string]time.Duration{
	"years": 365 * 24 * time.Hour, "months": 30 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"days": 24 * time.Hour, "hours": time.Hour, "minutes": time.Minute,
	"seconds": time.Second, "milliseconds": time.Millisecond,
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		v, err := time.ParseDuration(n.Value)
		if err != nil || v < 0 {
			return typeError(n, fmt.Sprintf("%q is not a duration like 500ms, 5s or 10m (or an object such as {minutes: 5})", n.Value))
		}
		*d = Duration(v)
		return nil
	case yaml.MappingNode:
		var total time.Duration
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			unit, ok := humanUnits[k.Value]
			if !ok {
				return typeError(k, fmt.Sprintf("unknown unit %q; use years, months, weeks, days, hours, minutes, seconds or milliseconds", k.Value))
			}
			var f float64
			if err := v.Decode(&f); err != nil || f < 0 {
				return typeError(v, fmt.Sprintf("%s: %q is not a non-negative number", k.Value, v.Value))
			}
			total += time.Duration(f * float64(unit))
		}
		*d = Duration(total)
		return nil
	}
	return typeError(n, "want a duration like 5s, or an object such as {minutes: 5}")
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// typeError reports a bad value at n's line the way the YAML decoder reports its own.
func typeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}
