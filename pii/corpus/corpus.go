// Package corpus generates a labeled corpus shaped like AI-service traffic
// (prompts for image, video, ad-copy and search services, with personal data
// embedded) plus hard negatives without any, and evaluates a scanner on it.
// The corpus is made here, from templates and seeded random values, so that
// it can be regenerated identically anywhere and never holds real data.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/steward-privacy/steward/pii"
)

// Label marks one piece of personal data in a Sample (byte offsets, end
// exclusive). Tag refines the label (TagListed, TagUnlisted for PERSON).
type Label struct {
	Entity pii.Entity `json:"type"`
	Start  int        `json:"start"`
	End    int        `json:"end"`
	Tag    string     `json:"tag,omitempty"`
}

// Sample is one text and its labels.
type Sample struct {
	Text   string  `json:"text"`
	Labels []Label `json:"labels"`
}

// Generate returns n samples with personal data, deterministically for seed.
func Generate(seed uint64, n int) []Sample {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x5eed))}
	out := make([]Sample, n)
	for i := range out {
		out[i] = g.fill(positiveTemplates[g.r.IntN(len(positiveTemplates))])
	}
	return out
}

// HardNegatives returns n samples without personal data (no labels), made of
// identifiers, hashes, timestamps, versions, prices, product codes and
// card-like numbers that fail Luhn, deterministically for seed.
func HardNegatives(seed uint64, n int) []Sample {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x7e9a))}
	out := make([]Sample, n)
	for i := range out {
		out[i] = g.fill(negativeTemplates[g.r.IntN(len(negativeTemplates))])
	}
	return out
}

// fill replaces the slots of a template.
func (g *gen) fill(tmpl string) Sample {
	var b strings.Builder
	var labels []Label
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(tmpl[:i])
		slot := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		value, entity, tag := g.slot(slot)
		if entity != "" {
			labels = append(labels, Label{Entity: entity, Start: b.Len(), End: b.Len() + len(value), Tag: tag})
		}
		b.WriteString(value)
	}
	b.WriteString(tmpl)
	return Sample{Text: b.String(), Labels: labels}
}

// slot returns a value for a slot name, with its entity when it is labeled.
func (g *gen) slot(name string) (string, pii.Entity, string) {
	switch name {
	case "NAME":
		v, tag := g.person()
		return v, pii.Person, tag
	case "EMAIL":
		return g.email(), pii.Email, ""
	case "PHONE":
		return g.phone(), pii.Phone, ""
	case "DRAMA":
		return g.drama(), pii.Phone, ""
	case "CARD":
		return g.card(), pii.CreditCard, ""
	case "IBAN":
		return g.iban(), pii.IBAN, ""
	case "IP":
		return g.ipv4(), pii.IPAddress, ""
	case "IP6":
		return g.ipv6(), pii.IPAddress, ""
	case "SSN":
		return g.ssn(), pii.USSSN, ""
	case "URL":
		return g.url(), pii.URL, ""
	case "BTC":
		return g.btc(), pii.Crypto, ""
	case "MAC":
		return g.mac(), pii.MACAddress, ""
	case "DOB":
		return g.dob(), pii.DateTime, ""
	case "SECRET":
		return g.secret(), pii.Secret, ""
	}
	return g.noise(name), "", ""
}

// noise returns an unlabeled value that looks like data but is not personal.
func (g *gen) noise(name string) string {
	switch name {
	case "ORDER":
		return []string{"ORD-" + g.digits(4) + "-" + g.digits(6), "#" + g.digits(8), "A" + g.digits(9), "PO-" + g.digits(7)}[g.r.IntN(4)]
	case "GUID":
		h := g.chars(32, hexChars)
		return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
	case "SHA":
		return g.chars([]int{7, 12, 40, 64}[g.r.IntN(4)], hexChars)
	case "TS":
		return fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02dZ", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
	case "EPOCH":
		return fmt.Sprintf("%d", 1600000000+g.r.IntN(200000000))
	case "VER":
		return fmt.Sprintf("v%d.%d.%d", g.r.IntN(5), g.r.IntN(30), g.r.IntN(20))
	case "PRICE":
		return []string{"$", "€", "£"}[g.r.IntN(3)] + fmt.Sprintf("%d.%02d", 1+g.r.IntN(2000), g.r.IntN(100))
	case "SKU":
		return "SKU-" + g.digits(5) + "-" + []string{"XL", "M", "BLK", "RED"}[g.r.IntN(4)]
	case "BADCARD":
		return g.badCard()
	case "SEED":
		return g.digits(6 + g.r.IntN(4))
	case "SIZE":
		return []string{"1024x1024", "1920x1080", "3840x2160", "768x1344"}[g.r.IntN(4)]
	case "HEXCOLOR":
		return "#" + strings.ToUpper(g.chars(6, hexChars))
	case "MODEL":
		return []string{"sdxl-1.0", "gpt-4o-2024-08-06", "flux-dev", "claude-3-5-sonnet-20241022", "llama-3.1-70b"}[g.r.IntN(5)]
	case "INVOICE":
		return "INV-" + g.digits(6)
	case "BADIBAN":
		return g.badIBAN()
	case "LONGID":
		return g.longID()
	case "GROUPED":
		return g.grouped()
	case "BUILD":
		return g.build()
	}
	return "{" + name + "}"
}

// Dense returns n bytes made only of personal data, for benchmarks of text
// dense with findings: the labeled values of generated samples (names,
// emails, phones, cards, IBANs, ...) separated by ", ", deterministically
// for seed. Values recur as the 512 samples they come from do.
func Dense(seed uint64, n int) string {
	var b strings.Builder
	b.Grow(n + 64)
	samples := Generate(seed, 512)
	for i := 0; b.Len() < n; i++ {
		x := samples[i%len(samples)]
		for _, l := range x.Labels {
			b.WriteString(x.Text[l.Start:l.End])
			b.WriteString(", ")
		}
	}
	return b.String()[:n]
}
