// Package egress makes outgoing HTTP connections that stay inside what the operator's
// config allows. It is shared by the URL readers and the proxy.
//
// The rules it enforces:
//   - Names are resolved by the dialer itself, every resolved address is checked, and the
//     connection is made to the checked address, so DNS rebinding between the check and
//     the connect cannot bypass the check.
//   - Loopback, private, link-local, unspecified, multicast and other special-purpose
//     addresses are refused unless the caller marks the exact host as trusted (because
//     the operator named it in config).
//   - Cloud metadata addresses (169.254.169.254, fd00:ec2::254, ...) are refused even for
//     a trusted name; only a trusted IP literal equal to the address reaches them.
//   - Environment proxies (HTTP_PROXY and friends) are never used.
//   - Redirects are either not followed or re-checked by the caller's rule.
//   - Bodies are read with size caps.
package egress

import (
	"net/netip"
)

// Class names what kind of address an IP is, for error messages and policy.
type Class string

// Address classes. Public is the only class reachable without trust.
const (
	Public      Class = "public"
	Loopback    Class = "loopback"
	Private     Class = "private"
	LinkLocal   Class = "link-local"
	Metadata    Class = "cloud metadata"
	Unspecified Class = "unspecified"
	Multicast   Class = "multicast"
	Reserved    Class = "reserved"
)

var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true, // AWS, GCP, Azure, OpenStack, DigitalOcean
	netip.MustParseAddr("169.254.170.2"):   true, // AWS ECS task metadata
	netip.MustParseAddr("169.254.170.23"):  true, // AWS EKS pod identity
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS IPv6 IMDS
	netip.MustParseAddr("fd00:ec2::23"):    true, // AWS EKS pod identity (IPv6)
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("192.0.0.192"):     true, // Oracle Cloud
}

type prefixClass struct {
	p netip.Prefix
	c Class
}

var special = func() []prefixClass {
	var out []prefixClass
	add := func(c Class, ps ...string) {
		for _, p := range ps {
			out = append(out, prefixClass{netip.MustParsePrefix(p), c})
		}
	}
	add(Unspecified, "0.0.0.0/8", "::/128")
	add(Loopback, "127.0.0.0/8", "::1/128")
	add(Private, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
		"100.64.0.0/10") // carrier-grade NAT, also used by cluster networks
	add(LinkLocal, "169.254.0.0/16", "fe80::/10")
	add(Multicast, "224.0.0.0/4", "ff00::/8")
	add(Reserved, "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "2001:db8::/32", "100::/64", "fec0::/10",
		"::/96") // IPv4-compatible IPv6, deprecated; after :: and ::1 above

	return out
}()

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// Classify reports the class of an address. IPv4-mapped, NAT64 and 6to4 IPv6 addresses
// are classified by the IPv4 address they carry.
func Classify(ip netip.Addr) Class {
	ip = ip.Unmap().WithZone("")
	if metadataAddrs[ip] {
		return Metadata
	}
	if ip.Is6() && nat64.Contains(ip) {
		b := ip.As16()
		return Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	if ip.Is6() && sixTo4.Contains(ip) {
		b := ip.As16()
		return Classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	for _, pc := range special {
		if pc.p.Contains(ip) {
			return pc.c
		}
	}
	return Public
}

// allowed reports whether a connection to ip may be made for host. trusted means the
// operator named this exact host in config. A metadata address needs host to be that
// very IP literal.
func allowed(host string, trusted bool, ip netip.Addr) (Class, bool) {
	c := Classify(ip)
	switch {
	case c == Public:
		return c, true
	case c == Metadata:
		lit, err := netip.ParseAddr(host)
		return c, trusted && err == nil && lit.Unmap().WithZone("") == ip.Unmap().WithZone("")
	default:
		return c, trusted
	}
}
