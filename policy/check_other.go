package policy

import (
	"fmt"
	"time"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

// maxDeadline is the longest answer deadline the law allows for a rights
// request: GDPR gives one month extendable by two, CCPA 45 days extendable
// by 45.
const maxDeadline = 90 * 24 * time.Hour

func (c *checker) rights() {
	r := c.p.Rights
	c.require(r.Verification != "", "rights.verification", "say how you confirm a request comes from the person, e.g. a code sent to the account email")
	c.require(r.Access != nil, "rights.access", "people may always ask for a copy of their data")
	c.require(r.Erasure != nil, "rights.erasure", "people may always ask for their data to be deleted")
	for _, right := range r.List() {
		path := "rights." + string(right.Kind)
		c.require(!right.Deadline.IsZero(), path+".deadline", "GDPR: P30D (one month); CCPA: P45D")
		if right.Deadline.Duration() > maxDeadline {
			c.add(path+".deadline", "GDPR allows one month (extendable by two), CCPA 45 days (extendable by 45)", "a deadline of %s is longer than the law allows", right.Deadline)
		}
	}
}

func (c *checker) staff() {
	for _, j := range c.p.Staff.Justifications {
		path := "staff.justifications[" + j.Key + "]"
		if !validName(j.Key) {
			c.add(path, "use a lowercase name such as security-investigation", "%q is not a valid justification key", j.Key)
		}
		c.require(j.Description != "", path, "")
	}
}

func (c *checker) security() {
	s := c.p.Security
	c.require(s.EncryptionAtRest != "", "security.encryption_at_rest", "steward encrypts with aes-256-gcm")
	c.require(s.TLSMinimum != "", "security.tls_minimum", "1.2 or 1.3")
}

func (c *checker) children() {
	ch := c.p.Children
	c.require(ch.MinimumAge > 0, "children.minimum_age", "13 is common (COPPA); GDPR Article 8 sets 13 to 16 depending on the country")
	if ch.MinimumAge > 21 {
		c.add("children.minimum_age", "", "a minimum age of %d is not a children's rule; use at most 21", ch.MinimumAge)
	}
	c.require(ch.Below != "", "children.below", "refuse, flag or delete")
}

func (c *checker) signals() {
	s := c.p.Signals
	c.require(s.DoNotTrack != "", "signals.do_not_track", "honored or ignored")
	c.require(s.GPC != "", "signals.gpc", "honored or ignored; GPC is an opt-out of sale and sharing under CCPA")
	for i, u := range s.GPCUses {
		c.key(taxonomy.Uses, u, fmt.Sprintf("signals.gpc_uses[%d]", i))
	}
}

func (c *checker) changes() {
	c.require(len(c.p.Changes.Notify) > 0, "changes.notify", "how you announce material changes: email, website, in-app or developer-docs")
}
