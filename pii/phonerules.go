package pii

import (
	"slices"
	"strings"
)

// Rules for phone candidates beyond libphonenumber's validity: numbers that
// are valid somewhere but are plainly something else (an identifier named by
// the word before it, digits of an IBAN-shaped string, a grouping no
// numbering plan uses), and numbers the library calls invalid that people
// write as phone numbers (Ofcom's drama ranges).

// idWords name what a number is when it is not a phone number: "seed
// 4155550123", "build 20240611.3", "order number is 1731827160". The first
// word before a candidate that is not a filler decides.
var idWords = map[string]bool{
	"seed": true, "build": true, "version": true, "ver": true, "release": true, "reference": true,
	"ref": true, "id": true, "ids": true, "order": true, "invoice": true, "ticket": true, "case": true,
	"job": true, "step": true, "steps": true, "sku": true, "serial": true, "tracking": true, "po": true,
	"transaction": true, "txn": true, "confirmation": true, "booking": true, "account": true,
	"acct": true, "iban": true, "prompt": true, "request": true, "req": true, "item": true, "part": true,
	"batch": true, "lot": true, "commit": true, "issue": true, "bug": true, "run": true, "epoch": true,
	"checksum": true, "hash": true, "revision": true, "rev": true, "patch": true, "parcel": true,
	"shipment": true, "policy": true, "claim": true, "membership": true, "voucher": true, "coupon": true,
	"trace": true, "session": true, "span": true, "pid": true, "port": true, "width": true, "height": true,
}

// idFillers may stand between an identifier word and its number without
// changing what the number is: "order number is", "tracking no.".
var idFillers = map[string]bool{"number": true, "no": true, "nr": true, "num": true, "is": true, "was": true, "of": true, "the": true}

// namedIdentifier reports whether the first word before start that is not a
// filler names an identifier (idWords). It looks back at most four words and
// does not cross a line.
func namedIdentifier(text string, start int) bool {
	var buf [16]byte
	i := start
	for words := 0; words < 4; words++ {
		for i > 0 && !isAlpha(text[i-1]) {
			if c := text[i-1]; c == '\n' || (c != ' ' && c != ':' && c != '#' && c != '.' && c != '=' && c != '-' && c != '(' && c != ',') {
				return false
			}
			i--
		}
		end := i
		for i > 0 && isAlpha(text[i-1]) {
			i--
		}
		w := lowerASCII(buf[:], text[i:end])
		if len(w) == 0 || (i > 0 && text[i-1] >= 0x80) {
			return false
		}
		if idWords[string(w)] {
			return true
		}
		if !idFillers[string(w)] {
			return false
		}
	}
	return false
}

// inIBANShape reports whether the digit group at i continues an IBAN-shaped
// string written in groups ("NL77 SSFI 3187 2653 55"): single-space separated
// groups of up to four upper-case letters and digits back to a group of a
// known IBAN country code and two check digits. Such digits are not a phone
// number whether or not the string passes mod-97 (if it does, it is an IBAN).
func inIBANShape(text string, i int) bool {
	for groups := 0; groups < 9; groups++ {
		if i < 2 || text[i-1] != ' ' {
			return false
		}
		end := i - 1
		j := end
		for j > 0 && end-j < 4 && (isUpper(text[j-1]) || isDigit(text[j-1])) {
			j--
		}
		if j == end || (j > 0 && isWordByte(text[j-1])) {
			return false
		}
		g := text[j:end]
		if len(g) == 4 && isUpper(g[0]) && isUpper(g[1]) && isDigit(g[2]) && isDigit(g[3]) {
			if _, ok := ibanLengths[g[:2]]; ok {
				return true
			}
		}
		i = j
	}
	return false
}

// oddGrouping reports whether digit groups are shaped unlike any written
// phone number: in three or more groups, a group of six or more digits
// before the last ("3412-119770-42201"); with dots, a one-digit group after
// the first ("1.2.98267.5955", "20240611.3": versions and builds).
func oddGrouping(s string, lens []int) bool {
	if len(lens) >= 3 {
		for _, l := range lens[:len(lens)-1] {
			if l >= 6 {
				return true
			}
		}
	}
	if strings.IndexByte(s, '.') >= 0 {
		for _, l := range lens[1:] {
			if l == 1 {
				return true
			}
		}
	}
	return false
}

// dramaRanges are the national significant numbers Ofcom reserves for
// drama (films, television, radio, books), by their first seven digits; each
// is followed by three free digits. libphonenumber deems some of them
// invalid (07700 900xxx, 01632 960xxx, 0115 496 0xxx), but people write them
// as phone numbers and a model cannot tell them from real ones.
var dramaRanges = []string{
	"1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960", "1314960",
	"1414960", "1514960", "1614960", "1914980", "2079460", "2896496", "2920180", "1632960",
	"7700900", "8081570", "9098790", "3069990",
}

// ukDrama reports whether digits (of a candidate in international form when
// plus, or national) are a UK number in a drama range: +44 or 0044 and the
// national number, or, when national numbers of GB are recognized, 0 and
// the national number.
func ukDrama(digits string, plus bool, regions []string) bool {
	var nsn string
	switch {
	case plus && strings.HasPrefix(digits, "44"):
		nsn = digits[2:]
	case !plus && strings.HasPrefix(digits, "0044"):
		nsn = digits[4:]
	case !plus && strings.HasPrefix(digits, "0") && slices.Contains(regions, "GB"):
		nsn = digits[1:]
	default:
		return false
	}
	return len(nsn) == 10 && slices.Contains(dramaRanges, nsn[:7])
}
