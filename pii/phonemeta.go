package pii

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file answers, for a phone candidate reduced to its digits, the question
// the scanner used to ask libphonenumber (ParseToNumber, then IsValidNumber or
// IsValidNumberForRegion), with the same metadata and the same steps, but
// without its per-call costs: the library builds each pattern string anew,
// looks it up in a locked cache and runs Go's regexp engine (some hundred
// nanoseconds per pattern, about 10 µs per Parse and as much per validity
// check). Here every number pattern is compiled once into a digit DFA.
//
// Only the steps that can apply to a string of ASCII digits are kept: a
// candidate holds nothing but digits, single separators (" -./"),
// parentheses and a leading '+', so the library's extension, RFC 3966,
// alpha-number and viability rules never change its result, which depends on
// the digits and the '+' alone. phone_test.go checks this implementation
// against the library on many numbers.

// Outcomes of libphonenumber's testNumberLength.
const (
	lenPossible = iota
	lenLocalOnly
	lenTooShort
	lenTooLong
	lenInvalid
)

// libphonenumber's bounds on a national significant number.
const (
	minNSN = 2
	maxNSN = 17
)

// phoneDesc is one number type of a region (fixed line, mobile, toll free,
// ...): possible lengths and the national number pattern.
type phoneDesc struct {
	lengths []int32 // empty: any length
	m       *digitMatcher
}

func newPhoneDesc(d *phonenumbers.PhoneNumberDesc) phoneDesc {
	return phoneDesc{lengths: d.GetPossibleLength(), m: newDigitMatcher(d.GetNationalNumberPattern())}
}

// matches is libphonenumber's isNumberMatchingDesc.
func (d *phoneDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 && !hasLen(d.lengths, len(nsn)) {
		return false
	}
	return d.m.full(nsn)
}

func hasLen(ls []int32, n int) bool {
	for _, l := range ls {
		if int(l) == n {
			return true
		}
	}
	return false
}

// phoneRegion is the compiled metadata of one region (or of one
// non-geographical calling code).
type phoneRegion struct {
	id      string
	cc      int
	ccStr   string
	general phoneDesc
	special [8]phoneDesc // premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail
	fixed   phoneDesc
	mobile  phoneDesc
	same    bool // same mobile and fixed line pattern

	lengths, localLengths []int32 // of the general description

	idd   *digitMatcher // international prefix, matched at the start
	iddRE *regexp.Regexp

	npfp      *digitMatcher // national prefix for parsing, at the start
	npfpRE    *regexp.Regexp
	npfpLits  []string // the prefix as literal alternatives, when it is one
	transform string

	leading *digitMatcher // leading digits; nil when none
}

func newPhoneRegion(id string, md *phonenumbers.PhoneMetadata) *phoneRegion {
	r := &phoneRegion{
		id:      id,
		cc:      int(md.GetCountryCode()),
		general: newPhoneDesc(md.GetGeneralDesc()),
		fixed:   newPhoneDesc(md.GetFixedLine()),
		mobile:  newPhoneDesc(md.GetMobile()),
		same:    md.GetSameMobileAndFixedLinePattern(),
		lengths: md.GetGeneralDesc().GetPossibleLength(),
	}
	r.ccStr = strconv.Itoa(r.cc)
	r.localLengths = md.GetGeneralDesc().GetPossibleLengthLocalOnly()
	for i, d := range []*phonenumbers.PhoneNumberDesc{md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(),
		md.GetVoip(), md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail()} {
		r.special[i] = newPhoneDesc(d)
	}
	idd := md.GetInternationalPrefix()
	r.idd = newDigitMatcher(idd)
	r.iddRE = regexp.MustCompile(idd)
	if p := md.GetNationalPrefixForParsing(); p != "" {
		r.npfp = newDigitMatcher(p)
		r.npfpRE = regexp.MustCompile("^(?:" + p + ")")
		r.transform = md.GetNationalPrefixTransformRule()
		if r.transform == "" && strings.Trim(p, "0123456789|") == "" {
			r.npfpLits = strings.Split(p, "|")
		}
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		r.leading = newDigitMatcher(ld)
	}
	return r
}

// validNSN reports whether getNumberTypeHelper finds a type for nsn, that
// is, whether the number is valid in this region.
func (r *phoneRegion) validNSN(nsn string) bool {
	if !r.general.matches(nsn) {
		return false
	}
	for i := range r.special {
		if r.special[i].matches(nsn) {
			return true
		}
	}
	if r.fixed.matches(nsn) {
		return true
	}
	return !r.same && r.mobile.matches(nsn)
}

// lengthResult is testNumberLength for the general description.
func (r *phoneRegion) lengthResult(n int) int {
	pl := r.lengths
	if len(pl) == 0 || pl[0] == -1 {
		return lenInvalid
	}
	if hasLen(r.localLengths, n) {
		return lenLocalOnly
	}
	switch {
	case int(pl[0]) == n:
		return lenPossible
	case int(pl[0]) > n:
		return lenTooShort
	case int(pl[len(pl)-1]) < n:
		return lenTooLong
	case hasLen(pl[1:], n):
		return lenPossible
	}
	return lenInvalid
}

// stripNationalPrefix is maybeStripNationalPrefixAndCarrierCode: it returns
// num without its national prefix (or transformed by the region's rule) when
// the result is still viable.
func (r *phoneRegion) stripNationalPrefix(num string) string {
	if len(num) == 0 || r.npfp == nil || !r.npfp.prefix(num) {
		return num
	}
	viable := r.general.m.full(num)
	if r.npfpLits != nil {
		for _, lit := range r.npfpLits {
			if strings.HasPrefix(num, lit) {
				if viable && !r.general.m.full(num[len(lit):]) {
					return num
				}
				return num[len(lit):]
			}
		}
		// An empty alternative matched; fall through to the regexp.
	}
	groups := r.npfpRE.FindStringSubmatchIndex(num)
	if groups == nil {
		return num
	}
	n := len(groups)/2 - 1
	if r.transform == "" || groups[n*2] < 0 {
		if viable && !r.general.m.full(num[groups[1]:]) {
			return num
		}
		return num[groups[1]:]
	}
	t := r.npfpRE.ReplaceAllString(num, r.transform)
	if viable && !r.general.m.full(t) {
		return num
	}
	return t
}

// stripIDD is parsePrefixAsIdd: it returns num without the region's
// international prefix and true when num starts with one (not followed by a
// 0).
func (r *phoneRegion) stripIDD(num string) (string, bool) {
	if !r.idd.prefix(num) {
		return num, false
	}
	loc := r.iddRE.FindStringIndex(num)
	if loc == nil || loc[0] != 0 {
		return num, false
	}
	rest := num[loc[1]:]
	if len(rest) > 0 && rest[0] == '0' {
		return num, false
	}
	return rest, true
}

// The compiled metadata, built lazily per region: a scan only pays for the
// regions its numbers name.
var (
	phoneMetaOnce sync.Once
	phoneMetaGeo  map[string]*phonenumbers.PhoneMetadata
	phoneMetaNon  map[int]*phonenumbers.PhoneMetadata
	phoneRegions  sync.Map // region id, or "+cc" for a non-geographical code → *phoneRegion
)

func loadPhoneMeta() {
	phoneMetaGeo = map[string]*phonenumbers.PhoneMetadata{}
	phoneMetaNon = map[int]*phonenumbers.PhoneMetadata{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return // no metadata: every number is invalid
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, md := range coll.GetMetadata() {
		if md.GetId() == "001" {
			phoneMetaNon[int(md.GetCountryCode())] = md
		} else if supported[md.GetId()] {
			phoneMetaGeo[md.GetId()] = md
		}
	}
}

// regionByID returns the compiled metadata of a geographical region
// (getMetadataForRegion), or nil.
func regionByID(id string) *phoneRegion {
	if r, ok := phoneRegions.Load(id); ok {
		return r.(*phoneRegion)
	}
	phoneMetaOnce.Do(loadPhoneMeta)
	md := phoneMetaGeo[id]
	if md == nil {
		return nil
	}
	r, _ := phoneRegions.LoadOrStore(id, newPhoneRegion(id, md))
	return r.(*phoneRegion)
}

// regionForCode is getMetadataForRegionOrCallingCode.
func regionForCode(cc int, id string) *phoneRegion {
	if id != "001" {
		return regionByID(id)
	}
	key := "+" + strconv.Itoa(cc)
	if r, ok := phoneRegions.Load(key); ok {
		return r.(*phoneRegion)
	}
	phoneMetaOnce.Do(loadPhoneMeta)
	md := phoneMetaNon[cc]
	if md == nil {
		return nil
	}
	r, _ := phoneRegions.LoadOrStore(key, newPhoneRegion("001", md))
	return r.(*phoneRegion)
}

// mainRegion is GetRegionCodeForCountryCode ("ZZ" when unknown).
func mainRegion(cc int) string {
	if rs := phonenumbers.GetRegionCodesForCountryCode(cc); len(rs) > 0 {
		return rs[0]
	}
	return "ZZ"
}

// splitCountryCode is extractCountryCode: the calling code at the start of
// digits (which follow a '+' or an international prefix) and the rest.
func splitCountryCode(digits string) (int, string) {
	if len(digits) == 0 || digits[0] == '0' {
		return 0, digits
	}
	for i := 1; i <= 3 && i <= len(digits); i++ {
		cc := atoi(digits[:i])
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 0 {
			return cc, digits[i:]
		}
	}
	return 0, digits
}

// phoneNumber is a parsed number: calling code and national significant
// number (leading zeros kept, as GetNationalSignificantNumber returns it).
type phoneNumber struct {
	cc  int
	nsn string
}

// parseIntl is ParseToNumber("+" + digits, "ZZ").
func parseIntl(digits string) (phoneNumber, bool) {
	if len(digits) <= minNSN {
		return phoneNumber{}, false
	}
	cc, national := splitCountryCode(digits)
	if cc == 0 {
		return phoneNumber{}, false
	}
	return finishParse(cc, national, regionForCode(cc, mainRegion(cc)))
}

// parseIn is ParseToNumber(digits, def.id) for a number without '+'.
func parseIn(digits string, def *phoneRegion) (phoneNumber, bool) {
	if rest, ok := def.stripIDD(digits); ok {
		if len(rest) <= minNSN {
			return phoneNumber{}, false
		}
		cc, national := splitCountryCode(rest)
		if cc == 0 {
			return phoneNumber{}, false
		}
		meta := def
		if id := mainRegion(cc); id != def.id {
			meta = regionForCode(cc, id)
		}
		return finishParse(cc, national, meta)
	}
	// A number starting with the region's own calling code, without '+'.
	if strings.HasPrefix(digits, def.ccStr) {
		national := def.stripNationalPrefix(digits[len(def.ccStr):])
		if (!def.general.m.full(digits) && def.general.m.full(national)) || def.lengthResult(len(digits)) == lenTooLong {
			meta := def
			if id := mainRegion(def.cc); id != def.id {
				meta = regionForCode(def.cc, id)
			}
			return finishParse(def.cc, national, meta)
		}
	}
	return finishParse(def.cc, digits, def)
}

// finishParse is the end of parseHelper: strip a national prefix when what
// remains has a possible length, and check the bounds.
func finishParse(cc int, national string, meta *phoneRegion) (phoneNumber, bool) {
	if len(national) < minNSN {
		return phoneNumber{}, false
	}
	if meta != nil {
		p := meta.stripNationalPrefix(national)
		switch meta.lengthResult(len(p)) {
		case lenTooShort, lenLocalOnly, lenInvalid:
		default:
			national = p
		}
	}
	if len(national) < minNSN || len(national) > maxNSN {
		return phoneNumber{}, false
	}
	return phoneNumber{cc: cc, nsn: national}, true
}

// validForRegion is IsValidNumberForRegion.
func validForRegion(n phoneNumber, r *phoneRegion) bool {
	if r == nil || (r.id != "001" && n.cc != r.cc) {
		return false
	}
	return r.validNSN(n.nsn)
}

// validAnywhere is IsValidNumber: valid in the region its calling code and
// leading digits point to.
func validAnywhere(n phoneNumber) bool {
	ids := phonenumbers.GetRegionCodesForCountryCode(n.cc)
	switch len(ids) {
	case 0:
		return false
	case 1:
		return validForRegion(n, regionForCode(n.cc, ids[0]))
	}
	for _, id := range ids {
		r := regionByID(id)
		if r == nil {
			continue
		}
		if r.leading != nil {
			if r.leading.prefix(n.nsn) {
				return validForRegion(n, r)
			}
		} else if r.validNSN(n.nsn) {
			return validForRegion(n, r)
		}
	}
	return false
}

// validPhoneDigits reports whether a candidate with the given digits (and a
// leading '+' when plus) is a valid number: in international form for its
// calling code, otherwise for one of regions (or, after an international
// prefix such as 00, for its calling code).
func validPhoneDigits(digits string, plus bool, regions []*phoneRegion) bool {
	if plus {
		n, ok := parseIntl(digits)
		return ok && validAnywhere(n)
	}
	intl := strings.HasPrefix(digits, "00")
	for _, r := range regions {
		n, ok := parseIn(digits, r)
		if !ok {
			continue
		}
		if intl && validAnywhere(n) {
			return true
		}
		if validForRegion(n, r) {
			return true
		}
	}
	return false
}

// regionsByID returns the compiled metadata of the given regions.
func regionsByID(ids []string) []*phoneRegion {
	out := make([]*phoneRegion, 0, len(ids))
	for _, id := range ids {
		if r := regionByID(id); r != nil {
			out = append(out, r)
		}
	}
	return out
}
