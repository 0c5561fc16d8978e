package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Resolver looks up the addresses of a host name. *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// StaticResolver maps host names to fixed addresses. Tests use it to make a name resolve
// to 127.0.0.1 so that the code after resolution runs for real. Unknown names fail.
type StaticResolver map[string][]string

// LookupNetIP implements Resolver.
func (s StaticResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	addrs, ok := s[strings.ToLower(host)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("static resolver: %s: %w", host, err)
		}
		if (network == "ip4" && !ip.Unmap().Is4()) || (network == "ip6" && ip.Is4()) {
			continue
		}
		out = append(out, ip)
	}
	return out, nil
}

// BlockedError is returned when every address of a host is refused.
type BlockedError struct {
	Host  string
	Addr  netip.Addr
	Class Class
}

func (e *BlockedError) Error() string {
	if e.Class == Metadata {
		return fmt.Sprintf("egress refused: %s resolves to %s, a cloud metadata address; it is never reachable through a host name", e.Host, e.Addr)
	}
	return fmt.Sprintf("egress refused: %s resolves to %s, a %s address; name this exact host in config (an exact backend.reading.allow host, an integration host or a proxy target) to allow it", e.Host, e.Addr, e.Class)
}

// ErrBlocked matches every *BlockedError with errors.Is.
var ErrBlocked = errors.New("egress refused")

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// Dialer opens TCP connections after checking the resolved addresses.
type Dialer struct {
	// Resolver resolves names; nil means net.DefaultResolver.
	Resolver Resolver
	// Trusted reports whether the operator named this exact host (lower case, no port)
	// in config, which allows it to reach loopback, private and link-local addresses.
	// Nil trusts nothing.
	Trusted func(host string) bool
	// Timeout bounds each connection attempt; 0 means 10 seconds.
	Timeout time.Duration
}

// DialContext resolves addr's host, refuses addresses the policy does not allow, and
// connects to the first allowed address that answers. It is an http.Transport DialContext.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	trusted := d.Trusted != nil && d.Trusted(host)
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		r := d.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ipNet := "ip"
		switch network {
		case "tcp4":
			ipNet = "ip4"
		case "tcp6":
			ipNet = "ip6"
		}
		ips, err = r.LookupNetIP(ctx, ipNet, host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	var blocked *BlockedError
	var lastErr error
	for _, ip := range ips {
		if c, ok := allowed(host, trusted, ip); !ok {
			if blocked == nil {
				blocked = &BlockedError{Host: host, Addr: ip.Unmap(), Class: c}
			}
			continue
		}
		conn, err := d.dialIP(ctx, network, host, trusted, ip, port)
		if err == nil {
			return conn, nil
		}
		lastErr = err
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, blocked
}

func (d *Dialer) dialIP(ctx context.Context, network, host string, trusted bool, ip netip.Addr, port string) (net.Conn, error) {
	timeout := d.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	nd := net.Dialer{
		Timeout: timeout,
		// Control runs on the address actually being connected to: a second check, so
		// that nothing between here and the socket can swap in another address.
		Control: func(_, address string, _ syscall.RawConn) error {
			h, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			got, err := netip.ParseAddr(h)
			if err != nil {
				return fmt.Errorf("egress: dialing non-IP address %q", address)
			}
			if c, ok := allowed(host, trusted, got); !ok {
				return &BlockedError{Host: host, Addr: got.Unmap(), Class: c}
			}
			return nil
		},
	}
	return nd.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
}
