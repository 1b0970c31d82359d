package corpus

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// gen draws the values of the corpus from one seeded source.
type gen struct {
	r *rand.Rand
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *gen) chars(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	alnumChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperNum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	hexChars   = "0123456789abcdef"
	b64Chars   = alnumChars + "+/"
	urlChars   = alnumChars + "-_"
)

// person returns a full or partial name and whether its words are all on
// the scanner's name list (listedGiven/listedSurnames) or held out.
func (g *gen) person() (string, string) {
	if g.r.IntN(4) == 0 {
		return g.pick(unlistedGiven) + " " + g.pick(unlistedSurnames), TagUnlisted
	}
	return g.pick(listedGiven) + " " + g.pick(listedSurnames), TagListed
}

func (g *gen) email() string {
	first := strings.ToLower(g.pick(listedGiven))
	last := strings.ToLower(g.pick(append(listedSurnames[:len(listedSurnames):len(listedSurnames)], unlistedSurnames...)))
	local := []string{first + "." + last, first + last + g.digits(2), first[:1] + last, first + "_" + last, last + "+ai"}[g.r.IntN(5)]
	return local + "@" + g.pick(emailDomains)
}

var emailDomains = []string{"gmail.com", "outlook.com", "yahoo.co.jp", "web.de", "orange.fr", "proton.me",
	"acme-studio.io", "mail.ru", "hotmail.co.uk", "company.com.br", "uni-hamburg.de", "agency.com.au", "icloud.com"}

// phoneRegions are the regions whose numbers the corpus contains.
var phoneRegions = []string{"US", "GB", "DE", "FR", "IN", "BR", "AU", "ES", "IT", "NL"}

// phone returns a valid number of a random region in a random common format.
func (g *gen) phone() string {
	for {
		region := g.pick(phoneRegions)
		typ := phonenumbers.MOBILE
		if g.r.IntN(2) == 0 {
			typ = phonenumbers.FIXED_LINE
		}
		ex := phonenumbers.GetExampleNumberForType(region, typ)
		if ex == nil {
			continue
		}
		nsn := phonenumbers.GetNationalSignificantNumber(ex)
		keep := max(2, len(nsn)-5)
		var num phonenumbers.PhoneNumber
		if phonenumbers.ParseToNumber(nsn[:keep]+g.digits(len(nsn)-keep), region, &num) != nil || !phonenumbers.IsValidNumber(&num) {
			continue
		}
		switch g.r.IntN(4) {
		case 0:
			return phonenumbers.Format(&num, phonenumbers.INTERNATIONAL)
		case 1:
			return phonenumbers.Format(&num, phonenumbers.E164)
		case 2:
			return phonenumbers.Format(&num, phonenumbers.NATIONAL)
		default:
			s := phonenumbers.Format(&num, phonenumbers.INTERNATIONAL)
			return strings.ReplaceAll(s, " ", "-")
		}
	}
}

// card returns a Luhn-valid number of a major network, grouped or not.
func (g *gen) card() string {
	prefix, n := []struct {
		p string
		n int
	}{{"4", 16}, {"51", 16}, {"55", 16}, {"2221", 16}, {"34", 15}, {"37", 15}, {"6011", 16}, {"3530", 16}}[g.r.IntN(8)].p, 0
	switch prefix {
	case "34", "37":
		n = 15
	default:
		n = 16
	}
	body := prefix + g.digits(n-len(prefix)-1)
	d := body + string(rune('0'+luhnDigit(body)))
	sep := []string{" ", "-", ""}[g.r.IntN(3)]
	if sep == "" {
		return d
	}
	if n == 15 {
		return d[:4] + sep + d[4:10] + sep + d[10:]
	}
	return d[:4] + sep + d[4:8] + sep + d[8:12] + sep + d[12:]
}

// luhnDigit returns the check digit that makes body+digit Luhn-valid.
func luhnDigit(body string) int {
	sum := 0
	double := true
	for i := len(body) - 1; i >= 0; i-- {
		x := int(body[i] - '0')
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return (10 - sum%10) % 10
}

// badCard returns a card-like number whose Luhn check fails.
func (g *gen) badCard() string {
	body := "4" + g.digits(14)
	bad := (luhnDigit(body) + 1 + g.r.IntN(9)) % 10
	d := body + string(rune('0'+bad))
	return d[:4] + " " + d[4:8] + " " + d[8:12] + " " + d[12:]
}

// iban returns a valid IBAN of a random country, compact or grouped by four.
func (g *gen) iban() string { return g.ibanChecked(true) }

// badIBAN returns an IBAN-shaped string whose check digits are wrong (it
// fails mod-97), compact or grouped by four: not personal data, and its
// digits are no phone number either.
func (g *gen) badIBAN() string { return g.ibanChecked(false) }

// ibanChecked returns an IBAN of a random country with right or wrong check
// digits.
func (g *gen) ibanChecked(valid bool) string {
	var cc, bban string
	switch g.r.IntN(6) {
	case 0:
		cc, bban = "DE", g.digits(18)
	case 1:
		cc, bban = "GB", g.chars(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")+g.digits(14)
	case 2:
		cc, bban = "FR", g.digits(10)+g.chars(11, upperNum)+g.digits(2)
	case 3:
		cc, bban = "ES", g.digits(20)
	case 4:
		cc, bban = "IT", g.chars(1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")+g.digits(10)+g.chars(12, upperNum)
	default:
		cc, bban = "NL", g.chars(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")+g.digits(10)
	}
	check := 98 - mod97(bban+cc+"00")
	for right := check; !valid && check == right; {
		check = 2 + g.r.IntN(97)
	}
	s := fmt.Sprintf("%s%02d%s", cc, check, bban)
	if g.r.IntN(2) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(len(s), i+4)])
	}
	return b.String()
}

// mod97 computes the ISO 7064 remainder of a string of digits and letters.
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			r = (r*100 + int(c-'A'+10)) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

func (g *gen) ipv4() string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("192.168.%d.%d", g.r.IntN(256), 1+g.r.IntN(254))
	case 1:
		return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	}
	return fmt.Sprintf("%d.%d.%d.%d", 11+g.r.IntN(212), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) ipv6() string {
	var a [16]byte
	a[0], a[1] = 0x20, 0x01
	a[2], a[3] = 0x0d, 0xb8
	for i := 4; i < 16; i++ {
		if g.r.IntN(3) > 0 {
			a[i] = byte(g.r.IntN(256))
		}
	}
	return netip.AddrFrom16(a).String()
}

func (g *gen) ssn() string {
	area := 1 + g.r.IntN(898)
	if area == 666 {
		area = 667
	}
	sep := []string{"-", "-", "-", " "}[g.r.IntN(4)]
	return fmt.Sprintf("%03d%s%02d%s%04d", area, sep, 1+g.r.IntN(99), sep, 1+g.r.IntN(9999))
}

func (g *gen) mac() string {
	sep := []string{":", "-"}[g.r.IntN(2)]
	parts := make([]string, 6)
	for i := range parts {
		parts[i] = fmt.Sprintf("%02X", 1+g.r.IntN(254))
	}
	if g.r.IntN(2) == 0 {
		return strings.ToLower(strings.Join(parts, sep))
	}
	return strings.Join(parts, sep)
}

func (g *gen) url() string {
	host := g.pick([]string{"www.example-shop.com", "drive.cloudhost.net", "portfolio.me", "blog.mysite.org", "cdn.images-host.io", "www.bbc.co.uk"})
	path := g.pick([]string{"/u/" + g.digits(6), "/share/" + g.chars(10, urlChars), "/profile?id=" + g.digits(8), "/photos/2024/img_" + g.digits(4) + ".jpg", "/"})
	if strings.HasPrefix(host, "www.") && g.r.IntN(3) == 0 {
		return host + path
	}
	return "https://" + host + path
}

// secret returns a provider token or a keyed high-entropy string.
func (g *gen) secret() string {
	switch g.r.IntN(10) {
	case 0:
		return "AKIA" + g.chars(16, upperNum)
	case 1:
		return "ghp_" + g.chars(36, alnumChars)
	case 2:
		return "sk-proj-" + g.chars(48, urlChars)
	case 3:
		return "xoxb-" + g.digits(11) + "-" + g.digits(12) + "-" + g.chars(24, alnumChars)
	case 4:
		return "AIza" + g.chars(35, urlChars)
	case 5:
		return "sk_live_" + g.chars(24, alnumChars)
	case 6:
		return "glpat-" + g.chars(20, urlChars)
	case 7:
		return "hf_" + g.chars(34, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
	case 8:
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		body := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":"%s","iat":%d}`, g.digits(8), 1700000000+g.r.IntN(1e7))))
		return head + "." + body + "." + g.chars(43, urlChars)
	}
	return "sk-ant-api03-" + g.chars(80, urlChars)
}

// btc returns a valid legacy (Base58Check) or SegWit (bech32) address.
func (g *gen) btc() string {
	var payload [20]byte
	for i := range payload {
		payload[i] = byte(g.r.IntN(256))
	}
	if g.r.IntN(2) == 0 {
		return bech32Address(payload[:])
	}
	version := byte(0)
	if g.r.IntN(2) == 0 {
		version = 5
	}
	return base58Check(version, payload[:])
}

func base58Check(version byte, payload []byte) string {
	data := append([]byte{version}, payload...)
	h := sha256.Sum256(data)
	h = sha256.Sum256(h[:])
	data = append(data, h[:4]...)
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	var digits []byte
	for _, b := range data {
		carry := int(b)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	var out []byte
	for _, b := range data {
		if b != 0 {
			break
		}
		out = append(out, '1')
	}
	for i := len(digits) - 1; i >= 0; i-- {
		out = append(out, alphabet[digits[i]])
	}
	return string(out)
}

// bech32Address encodes a version-0 witness program as a bc1 address.
func bech32Address(program []byte) string {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	data := []byte{0}
	acc, bits := 0, 0
	for _, b := range program {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			data = append(data, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		data = append(data, byte(acc<<(5-bits)&31))
	}
	values := append(hrpExpand("bc"), data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	mod := polymod(values) ^ 1
	for i := 0; i < 6; i++ {
		data = append(data, byte(mod>>(5*(5-i))&31))
	}
	var b strings.Builder
	b.WriteString("bc1")
	for _, d := range data {
		b.WriteByte(charset[d])
	}
	return b.String()
}

func hrpExpand(h string) []byte {
	var out []byte
	for i := 0; i < len(h); i++ {
		out = append(out, h[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(h); i++ {
		out = append(out, h[i]&31)
	}
	return out
}

func polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// dob returns a date of birth in a random common format.
func (g *gen) dob() string {
	y, m, d := 1940+g.r.IntN(66), 1+g.r.IntN(12), 1+g.r.IntN(28)
	monthsEn := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	switch g.r.IntN(5) {
	case 0:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case 1:
		return fmt.Sprintf("%02d/%02d/%04d", m, d, y)
	case 2:
		return fmt.Sprintf("%02d.%02d.%04d", d, m, y)
	case 3:
		return fmt.Sprintf("%s %d, %d", monthsEn[m-1], d, y)
	}
	return fmt.Sprintf("%d %s %d", d, monthsEn[m-1], y)
}

// dramaRanges are UK numbers Ofcom reserves for drama (films, TV, books):
// national significant number prefixes whose next digits are free, as
// people write them.
var dramaRanges = []struct{ prefix, national, intl string }{
	{"7700900", "07700 900", "+44 7700 900"},
	{"1632960", "01632 960", "+44 1632 960"},
	{"1154960", "0115 496 0", "+44 115 496 0"},
	{"1134960", "0113 496 0", "+44 113 496 0"},
	{"1614960", "0161 496 0", "+44 161 496 0"},
	{"2079460", "020 7946 0", "+44 20 7946 0"},
	{"1914980", "0191 498 0", "+44 191 498 0"},
	{"2920180", "029 2018 0", "+44 29 2018 0"},
}

// drama returns a number in one of Ofcom's drama ranges, in national or
// international form (some of which libphonenumber deems invalid).
func (g *gen) drama() string {
	d := dramaRanges[g.r.IntN(len(dramaRanges))]
	rest := g.digits(10 - len(d.prefix))
	switch g.r.IntN(3) {
	case 0:
		return d.national + rest
	case 1:
		return d.intl + rest
	}
	return "+44" + d.prefix + rest
}

// longID returns a 7-10 digit identifier (seed, build, reference, order).
func (g *gen) longID() string {
	return string(rune('1'+g.r.IntN(9))) + g.digits(6+g.r.IntN(4))
}

// grouped returns a digit run in groups that no numbering plan uses, such as
// 3412-119770-42201: a long group in the middle.
func (g *gen) grouped() string {
	sep := g.pick([]string{"-", " ", "/"})
	return g.digits(3+g.r.IntN(3)) + sep + g.digits(6+g.r.IntN(2)) + sep + g.digits(2+g.r.IntN(4))
}

// build returns a build or version number: a date-stamped build, a four-part
// version or a plain build counter.
func (g *gen) build() string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("20%02d%02d%02d.%d", 18+g.r.IntN(8), 1+g.r.IntN(12), 1+g.r.IntN(28), 1+g.r.IntN(9))
	case 1:
		return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(20), g.r.IntN(10), 10000+g.r.IntN(90000), g.r.IntN(9999))
	}
	return g.longID()
}
