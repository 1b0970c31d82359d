package pii

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// libValidPhone is the reference: libphonenumber's Parse and validity checks
// on the candidate as written, as the scanner called them before it compiled
// the metadata itself.
func libValidPhone(raw string, intl bool, regions []string) bool {
	var num phonenumbers.PhoneNumber
	if raw[0] == '+' {
		return phonenumbers.ParseToNumber(raw, "ZZ", &num) == nil && phonenumbers.IsValidNumber(&num)
	}
	for _, r := range regions {
		num.Reset()
		if phonenumbers.ParseToNumber(raw, r, &num) != nil {
			continue
		}
		if intl && phonenumbers.IsValidNumber(&num) {
			return true
		}
		if phonenumbers.IsValidNumberForRegion(&num, r) {
			return true
		}
	}
	return false
}

// phoneSamples returns digit strings around real numbers of every region:
// example numbers in national, international and IDD form, and variants
// with one digit changed, dropped or added.
func phoneSamples(r *rand.Rand, perRegion int) []string {
	var out []string
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	var regions []string
	for id := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, id)
	}
	for _, id := range regions {
		for _, t := range types {
			n := phonenumbers.GetExampleNumberForType(id, t)
			if n == nil {
				continue
			}
			nsn := phonenumbers.GetNationalSignificantNumber(n)
			cc := strconv.Itoa(int(n.GetCountryCode()))
			national := phonenumbers.NormalizeDigitsOnly(phonenumbers.Format(n, phonenumbers.NATIONAL))
			forms := []string{nsn, national, cc + nsn, "00" + cc + nsn, "011" + cc + nsn, "0" + nsn}
			for _, f := range forms {
				out = append(out, f)
				for k := 0; k < perRegion; k++ {
					out = append(out, mutateDigits(r, f))
				}
			}
		}
	}
	return out
}

func mutateDigits(r *rand.Rand, s string) string {
	b := []byte(s)
	p := r.IntN(len(b))
	switch r.IntN(3) {
	case 0:
		b[p] = byte('0' + r.IntN(10))
	case 1:
		if len(b) > 1 {
			b = append(b[:p], b[p+1:]...)
		}
	default:
		b = append(b[:p], append([]byte{byte('0' + r.IntN(10))}, b[p:]...)...)
	}
	return string(b)
}

// TestPhoneDigitsMatchLibphonenumber holds the compiled validation to the
// library's answer, in international form for every region and in national
// form for the default regions and for each region alone.
func TestPhoneDigitsMatchLibphonenumber(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	per := 3
	if testing.Short() {
		per = 1
	}
	samples := phoneSamples(r, per)
	for k := 0; k < 2000*per; k++ {
		n := phoneMinDigits + r.IntN(phoneMaxDigits-phoneMinDigits+1)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		samples = append(samples, string(b))
	}
	defaults := regionsByID(DefaultPhoneRegions)
	checked, valid := 0, 0
	check := func(digits string, regions []string, compiled []*phoneRegion) {
		if len(digits) < 1 || len(digits) > phoneMaxDigits {
			return
		}
		for _, plus := range []bool{true, false} {
			raw := digits
			if plus {
				raw = "+" + digits
			}
			intl := len(digits) > 1 && digits[0] == '0' && digits[1] == '0'
			want := libValidPhone(raw, intl, regions)
			got := validPhoneDigits(digits, plus, compiled)
			if got != want {
				t.Errorf("validPhoneDigits(%q, plus=%v, %v) = %v; libphonenumber says %v", digits, plus, regions, got, want)
			}
			checked++
			if want {
				valid++
			}
		}
	}
	for _, d := range samples {
		check(d, DefaultPhoneRegions, defaults)
	}
	// Each region alone, on a sample of the numbers.
	var ids []string
	for id := range phonenumbers.GetSupportedRegions() {
		ids = append(ids, id)
	}
	for i, d := range samples {
		id := ids[i%len(ids)]
		check(d, []string{id}, regionsByID([]string{id}))
	}
	t.Logf("%d checks, %d valid", checked, valid)
}

// FuzzPhoneDigits compares the compiled validation with libphonenumber on
// arbitrary digit strings.
func FuzzPhoneDigits(f *testing.F) {
	for _, s := range []string{"442079460958", "0012015597237", "02079460958", "5511961298617", "0612371932"} {
		f.Add(s)
	}
	defaults := regionsByID(DefaultPhoneRegions)
	f.Fuzz(func(t *testing.T, s string) {
		d := digitsIn(nil, s)
		if len(d) == 0 || len(d) > phoneMaxDigits {
			return
		}
		digits := string(d)
		for _, plus := range []bool{true, false} {
			raw := digits
			if plus {
				raw = "+" + digits
			}
			intl := len(digits) > 1 && digits[0] == '0' && digits[1] == '0'
			if got, want := validPhoneDigits(digits, plus, defaults), libValidPhone(raw, intl, DefaultPhoneRegions); got != want {
				t.Fatalf("validPhoneDigits(%q, plus=%v) = %v; libphonenumber says %v", digits, plus, got, want)
			}
		}
	})
}

// BenchmarkPhoneValidation measures one validation per phone candidate (the
// numbers of the generated corpus's formats, national and international),
// compiled and through libphonenumber as the scanner called it before.
func BenchmarkPhoneValidation(b *testing.B) {
	raws := []string{"+44 20 7946 0958", "020 7946 0958", "(201) 559-7237", "+33 6 12 39 52 55", "030 159171",
		"(11) 96129-8617", "+91 81234 35124", "02 1235 3015", "612 37 19 32", "0049 30 1234567"}
	defaults := regionsByID(DefaultPhoneRegions)
	b.Run("compiled", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			raw := raws[i%len(raws)]
			d := string(digitsIn(nil, raw))
			validPhoneDigits(d, raw[0] == '+', defaults)
		}
	})
	b.Run("libphonenumber", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			raw := raws[i%len(raws)]
			libValidPhone(raw, raw[0] == '0' && raw[1] == '0', DefaultPhoneRegions)
		}
	})
}
