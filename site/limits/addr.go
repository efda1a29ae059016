package limits

import (
	"net/netip"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// Addr limits what one caller may do by its address and, because one
// attacker usually holds many neighbouring addresses, by its network: the
// /24 of an IPv4 address and the /64 of an IPv6 one (a single customer
// line). The prefix allows PrefixFactor times the address's burst.
type Addr struct {
	addr, prefix *Bucket
}

// PrefixFactor is how many addresses' worth a prefix may use at once.
const PrefixFactor = 3

// NewAddr limits each address to burst attempts, then one per interval; a
// prefix to PrefixFactor×burst, refilled PrefixFactor times as fast.
func NewAddr(c clock.Clock, burst int, interval time.Duration) *Addr {
	return &Addr{
		addr:   NewBucket(c, burst, interval),
		prefix: NewBucket(c, burst*PrefixFactor, interval/PrefixFactor),
	}
}

// Allow takes a token from the address and from its prefix; it refuses
// when either is empty (and then takes nothing from the other).
func (a *Addr) Allow(addr string) bool {
	p := Prefix(addr)
	if !a.prefix.Has(p) || !a.addr.Has(addr) {
		return false
	}
	a.prefix.Spend(p)
	a.addr.Spend(addr)
	return true
}

// Has reports whether both the address and its prefix have a token left.
func (a *Addr) Has(addr string) bool { return a.prefix.Has(Prefix(addr)) && a.addr.Has(addr) }

// Spend takes a token from the address and its prefix.
func (a *Addr) Spend(addr string) {
	a.prefix.Spend(Prefix(addr))
	a.addr.Spend(addr)
}

// Prefix is the network an address is limited with: IPv4 /24, IPv6 /64
// (IPv4-mapped IPv6 addresses count as IPv4). Anything that does not parse
// is its own prefix.
func Prefix(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "?" + addr
	}
	ip = ip.Unmap()
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return "?" + addr
	}
	return p.String()
}
