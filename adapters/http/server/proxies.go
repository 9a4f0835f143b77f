package server

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// proxies are the trusted reverse proxies (HTTP_TRUSTED_PROXIES). Only a request whose
// peer is one of them has its X-Forwarded-* headers believed.
type proxies struct {
	prefixes []netip.Prefix
}

// newProxies parses IPs and CIDR ranges (validated by the configuration); bad entries
// are skipped.
func newProxies(list []string) *proxies {
	p := &proxies{}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if pfx, err := netip.ParsePrefix(s); err == nil {
			p.prefixes = append(p.prefixes, pfx.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			p.prefixes = append(p.prefixes, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return p
}

// trusted reports whether a is a trusted proxy.
func (p *proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pfx := range p.prefixes {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// settle works out the client's address and scheme, and rewrites X-Forwarded-For to
// that one address (what Fiber's c.IP() then reports): walking the list from the right
// (the hops nearest to us), the first address that is not a trusted proxy. A malformed
// entry there ends the walk: the client is then the last trusted hop that handed it
// over, never a string the client made up. Only a trusted peer's forwarding headers are
// believed.
func (p *proxies) settle(ctx *fasthttp.RequestCtx) (client string, https bool) {
	h := &ctx.Request.Header
	peer, ok := netip.AddrFromSlice(ctx.RemoteIP())
	if !ok || !p.trusted(peer) {
		return ctx.RemoteIP().String(), ctx.IsTLS()
	}
	var hops [][]byte
	h.VisitAll(func(key, value []byte) {
		if bytes.EqualFold(key, []byte(fiber.HeaderXForwardedFor)) {
			hops = append(hops, bytes.Split(value, []byte(","))...)
		}
	})
	addr := peer.Unmap()
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(string(bytes.TrimSpace(hops[i])))
		if err != nil || a.Zone() != "" {
			break
		}
		addr = a.Unmap()
		if !p.trusted(addr) {
			break
		}
	}
	client = addr.String()
	h.Set(fiber.HeaderXForwardedFor, client)
	// The scheme is the nearest proxy's word: the right-most X-Forwarded-Proto entry, in
	// lower case ("https, http" came to that proxy over http).
	if proto := h.Peek(fiber.HeaderXForwardedProto); len(proto) > 0 {
		last := proto[bytes.LastIndexByte(proto, ',')+1:]
		h.Set(fiber.HeaderXForwardedProto, strings.ToLower(string(bytes.TrimSpace(last))))
	}
	return client, ctx.IsTLS() || forwardedHTTPS(h)
}

// forwardedHTTPS reads a trusted proxy's word on the scheme as Fiber's c.Protocol() does.
func forwardedHTTPS(h *fasthttp.RequestHeader) bool {
	for _, name := range []string{fiber.HeaderXForwardedProto, fiber.HeaderXForwardedProtocol, fiber.HeaderXUrlScheme} {
		if v := h.Peek(name); len(v) > 0 {
			return bytes.EqualFold(bytes.TrimSpace(v[bytes.LastIndexByte(v, ',')+1:]), []byte("https"))
		}
	}
	return bytes.EqualFold(h.Peek(fiber.HeaderXForwardedSsl), []byte("on"))
}
