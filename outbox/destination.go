package outbox

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"github.com/steward-privacy/steward"
)

// maxURL bounds a webhook URL.
const maxURL = 2048

// checkURL accepts an absolute https URL, or http to a loopback host (an
// application beside steward, and tests); no credentials, no fragment, at
// most maxURL bytes. Without allowPrivate, a host that is a loopback,
// private or link-local address is refused too (names are checked again
// when dialled). Errors name the field "url" and never echo the value.
func checkURL(raw string, allowPrivate bool) error {
	if raw == "" || len(raw) > maxURL {
		return steward.Invalid("url", "is required, at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return steward.Invalid("url", "must be an absolute https:// URL")
	}
	if u.User != nil {
		return steward.Invalid("url", "must not hold credentials (user:password@); authenticate the request with its signature")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return steward.Invalid("url", "must not have a fragment")
	}
	host := u.Hostname()
	loopback := host == "localhost" || isLoopback(host)
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback {
			return steward.Invalid("url", "must use https (plain http only to a loopback host)")
		}
	default:
		return steward.Invalid("url", "must use https")
	}
	if allowPrivate {
		return nil
	}
	if ip, err := netip.ParseAddr(host); loopback || (err == nil && !public(ip)) {
		return steward.Invalid("url", "loopback, private and link-local destinations are refused on this server (setting webhook_allow_private)")
	}
	return nil
}

func isLoopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// public reports whether ip is a destination on the internet: not loopback,
// private, link-local, unspecified, multicast or shared address space.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// errRefused is a dial to a destination this server does not send to.
var errRefused = errors.New("destination refused")

// guard checks each address actually dialled (after name resolution, so
// a name that resolves to an internal address is caught too): never an
// unspecified or multicast address, and only public ones unless
// allowPrivate.
func guard(allowPrivate bool) func(ctx context.Context, network, address string, c syscall.RawConn) error {
	return func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return errRefused
		}
		ip := ap.Addr().Unmap()
		if ip.IsUnspecified() || ip.IsMulticast() {
			return errRefused
		}
		if !allowPrivate && !public(ip) {
			return errRefused
		}
		return nil
	}
}

// dialer returns the dialer of deliveries.
func dialer(allowPrivate bool) *net.Dialer {
	return &net.Dialer{ControlContext: guard(allowPrivate)}
}
