package pii

import (
	"net/netip"
	"strings"
)

// scanTokens visits every machine token (a run of alphanumerics and
// _-+/=.:~%) and tries the token recognizers: IBAN, MAC and IPv6 addresses,
// secrets and crypto-currency addresses.
func (st *state) scanTokens() {
	text := st.text
	covered := 0
	for i := 0; i < len(text); {
		if class[text[i]]&cToken == 0 {
			i++
			continue
		}
		j := i + 1
		m := class[text[i]]
		for j < len(text) && class[text[j]]&cToken != 0 {
			m |= class[text[j]]
			j++
		}
		// A token shorter than 14 bytes without a digit or ':' is none of
		// them (IBANs need digits, MAC and IPv6 addresses are 14 bytes or
		// have colons, secrets and addresses are 14 bytes or more): skip the
		// words of prose.
		if i >= covered && j-i >= 3 && (j-i >= 14 || m&(cDigit|cColon) != 0) && (i == 0 || !isWordByte(text[i-1])) {
			n := len(st.cands)
			st.token(i, j)
			for _, c := range st.cands[n:] {
				covered = max(covered, c.End)
			}
		}
		i = j
	}
}

// token tries the token recognizers on text[i:j].
func (st *state) token(i, j int) {
	text := st.text
	if st.s.on(bitIBAN) && j-i >= 4 && isUpper(text[i]) && isUpper(text[i+1]) && isDigit(text[i+2]) && isDigit(text[i+3]) {
		if st.ibanAt(i) {
			return
		}
	}
	if j-i < 7 && text[i] != ':' && (j-i < 3 || text[i+1] != ':') {
		return // too short for anything but "::1"-like IPv6 or an IBAN group
	}
	// Split "key=value" pairs; each part may be an address or a secret.
	for p := i; p < j; {
		q := p + strings.IndexByte(text[p:j], '=')
		if q < p {
			q = j
		}
		st.tokenPart(p, q)
		p = q + 1
	}
}

// tokenPart tries MAC, IPv6, secrets and crypto on text[p:q].
func (st *state) tokenPart(p, q int) {
	text := st.text
	for q > p && strings.IndexByte(".:,", text[q-1]) >= 0 && !strings.HasSuffix(text[p:q], "::") {
		q--
	}
	if q-p < 3 {
		return
	}
	part := text[p:q]
	colons := strings.Count(part, ":")
	if st.s.on(bitMACAddress) && (q-p == 17 || q-p == 14) && validMAC(part) {
		st.add(MACAddress, p, q, scoreMAC, "mac")
		return
	}
	if st.s.on(bitIPAddress) && colons >= 2 && validIPv6(part) {
		st.add(IPAddress, p, q, scoreIPv6, "ipv6")
		return
	}
	if q-p < 14 {
		return
	}
	// Secrets and addresses never contain ':'; URLs and "k:v" pairs split.
	for a := p; a < q; {
		b := a + strings.IndexByte(text[a:q], ':')
		if b < a {
			b = q
		}
		if b-a >= 14 {
			if st.s.on(bitCrypto) && st.cryptoAt(a, b) {
				// found
			} else if st.s.on(bitSecret) {
				st.secretAt(a, b)
			}
		}
		a = b + 1
	}
}

// MAC and IPv6 scores: the shape is validated by a parser.
const (
	scoreMAC  = 0.8
	scoreIPv6 = 0.8
)

// validMAC reports whether s is a MAC-48 address: six hex pairs joined by ':'
// or '-' (the same throughout), or Cisco's three dotted hex quads; all-zero
// and broadcast addresses are not personal and are rejected.
func validMAC(s string) bool {
	var sep byte
	step := 3
	switch len(s) {
	case 17:
		sep = s[2]
		if sep != ':' && sep != '-' {
			return false
		}
	case 14:
		sep, step = '.', 5
	default:
		return false
	}
	zero, ff := true, true
	for k := 0; k < len(s); k++ {
		if (k+1)%step == 0 {
			if s[k] != sep {
				return false
			}
			continue
		}
		if !isHex(s[k]) {
			return false
		}
		zero = zero && s[k] == '0'
		ff = ff && (s[k] == 'f' || s[k] == 'F')
	}
	return !zero && !ff
}

// validIPv6 reports whether s parses as an IPv6 address or prefix with at
// least four hex digits (so that "a::b" in code is not an address).
func validIPv6(s string) bool {
	if !strings.Contains(s, "::") && strings.Count(s, ":") < 7 && !strings.Contains(s, ".") {
		return false
	}
	hexDigits := 0
	for k := 0; k < len(s) && s[k] != '%' && s[k] != '/'; k++ {
		if isHex(s[k]) {
			hexDigits++
		} else if s[k] != ':' && s[k] != '.' {
			return false
		}
	}
	if hexDigits < 4 && s != "::1" {
		return false
	}
	if strings.IndexByte(s, '/') >= 0 {
		pfx, err := netip.ParsePrefix(s)
		return err == nil && pfx.Addr().Is6()
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}
