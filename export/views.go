package export

import (
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// consentView is one consent decision as the person receives it.
type consentView struct {
	ID            string               `json:"id"`
	Purpose       string               `json:"purpose"`
	Processor     string               `json:"processor,omitempty"`
	Granted       bool                 `json:"granted"`
	Channel       string               `json:"channel"`
	PolicyVersion string               `json:"policy_version"`
	Proof         steward.ConsentProof `json:"proof"`
	At            time.Time            `json:"at"`
}

func consentViews(in []*steward.ConsentRecord) []consentView {
	out := make([]consentView, len(in))
	for i, c := range in {
		out[i] = consentView{ID: c.ID, Purpose: c.Purpose, Processor: c.Processor, Granted: c.Granted, Channel: c.Channel,
			PolicyVersion: c.PolicyVersion, Proof: c.Proof, At: c.At}
	}
	return out
}

// knowEntry describes, in the policy's words, one category of personal
// information: what it is, where it comes from, what it is used for and
// which kinds of recipients get it (CCPA § 1798.110).
type knowEntry struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Sources     []string `json:"sources"`
	Purposes    []string `json:"purposes"`
	Recipients  []string `json:"categories_of_recipients"`
}

// rightToKnow lists the categories the policy declares with their sources,
// purposes (in words) and the kinds of recipients.
func rightToKnow(pol func() (*policy.Decider, *policy.Policy)) []knowEntry {
	dec, p := pol()
	var out []knowEntry
	for _, c := range p.Categories {
		e := knowEntry{Category: c.Key, Description: c.Description, Sources: []string{}, Purposes: []string{}, Recipients: []string{}}
		for _, s := range c.Collection {
			src := string(s.From)
			if s.Name != "" {
				src += ": " + s.Name
			}
			e.Sources = append(e.Sources, src)
		}
		for _, pu := range p.Purposes {
			if covers(pu.Categories, c.Key) {
				e.Purposes = append(e.Purposes, dec.PurposeDescription(pu.Key))
			}
		}
		for _, pr := range p.Processors {
			if covers(pr.Categories, c.Key) {
				e.Recipients = appendOnce(e.Recipients, string(pr.Kind))
			}
		}
		out = append(out, e)
	}
	return out
}

// covers reports whether one of keys is key or above it in the taxonomy.
func covers(keys []string, key string) bool {
	for _, k := range keys {
		if k == key || (len(key) > len(k) && key[:len(k)] == k && key[len(k)] == '.') || (len(k) > len(key) && k[:len(key)] == key && k[len(key)] == '.') {
			return true
		}
	}
	return false
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
