package policy

import "time"

// Version is the only policy file version this package reads ("steward: v1").
const Version = "v1"

// Policy is one parsed policy file: every promise a service makes about
// personal data. Field tags give the YAML names; docs/policy.md is the
// reference for users. A Policy is plain data: Check validates it, Compile
// turns it into a Decider, and the notice, ropa and diff packages read it.
type Policy struct {
	Steward      string        `yaml:"steward"`
	Organisation Organisation  `yaml:"organisation"`
	Subjects     []DataSubject `yaml:"subjects,keyed"`
	Categories   []Category    `yaml:"categories,keyed"`
	Purposes     []Purpose     `yaml:"purposes,keyed"`
	Prohibited   []Prohibition `yaml:"prohibited"`
	Processors   []Processor   `yaml:"processors,keyed"`
	Regions      Regions       `yaml:"regions"`
	Rights       Rights        `yaml:"rights"`
	Staff        Staff         `yaml:"staff"`
	Security     Security      `yaml:"security"`
	Children     Children      `yaml:"children"`
	Signals      Signals       `yaml:"signals"`
	Changes      Changes       `yaml:"changes"`

	file      string
	positions map[string]Pos
}

// File returns the name the policy was parsed under.
func (p *Policy) File() string { return p.file }

// Pos returns the position of the element at path (as in Problem.Path), or
// of its closest enclosing element that has one, or 1:1.
func (p *Policy) Pos(path string) Pos {
	for path != "" {
		if pos, ok := p.positions[path]; ok {
			return pos
		}
		path = parentPath(path)
	}
	return Pos{Line: 1, Col: 1}
}

// Organisation is who is responsible for the data (the controller).
type Organisation struct {
	Name      string   `yaml:"name"`
	Contact   string   `yaml:"contact"` // email address or URL for privacy questions
	Address   string   `yaml:"address"`
	DPO       *Contact `yaml:"dpo"` // data protection officer, when there is one
	Effective Date     `yaml:"effective"`
	Version   string   `yaml:"version"` // the policy version consents are recorded against
}

// Contact is a named person or team and how to reach them.
type Contact struct {
	Name    string `yaml:"name"`
	Contact string `yaml:"contact"`
}

// Date is a calendar date written YYYY-MM-DD.
type Date string

func (d *Date) setScalar(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errHint("write the date as YYYY-MM-DD, e.g. 2026-05-21", "%q is not a date", s)
	}
	*d = Date(s)
	return nil
}

// DataSubject is a kind of person whose data is processed, keyed by a data
// subject key of the taxonomy (customer, visitor, ...) or a custom key.
type DataSubject struct {
	Key         string `yaml:",key"`
	Description string `yaml:",scalar"`
}

// Category is a data category the service collects: a taxonomy key or a
// custom key under one (user.content.prompt), how it is collected and how
// long it is kept.
type Category struct {
	Key         string    `yaml:",key"`
	Description string    `yaml:"description"`
	Collection  []Source  `yaml:"collection"`
	Retention   Retention `yaml:"retention"`
}

// Source is one way data of a category is collected. In a policy file it is
// either a word ("subject", "automatic", "third-party", "public") or a mapping
// for a connected system:
//
//   - from: connected
//     system: email
//     name: Mail and calendar accounts
//     scopes: [mail.read]
type Source struct {
	From   SourceKind `yaml:"from,scalar"`
	System SystemKind `yaml:"system"`
	Name   string     `yaml:"name"`
	Scopes []string   `yaml:"scopes"`
}

// Purpose is why data is used: a data-use key, its legal basis, the
// categories it may use and its conditions.
type Purpose struct {
	Key         string      `yaml:",key"`
	Description string      `yaml:"description"`
	Basis       Basis       `yaml:"basis"`
	Categories  []string    `yaml:"categories"`
	Essential   bool        `yaml:"essential"`         // allowed despite restriction or objection
	Aggregate   bool        `yaml:"aggregate_only"`    // only aggregated or de-identified data
	HumanAccess HumanAccess `yaml:"human_access"`      // "never": staff always see masked values
	UserVisible bool        `yaml:"user_visible_only"` // only for features the user sees
	RedactPII   bool        `yaml:"redact_pii"`        // personal data redacted before use
	Withdraw    string      `yaml:"withdraw"`          // how to withdraw consent (consent basis)
}

// Prohibition is a use no grant can override. It names either a data use
// (with all its sub-uses) or kinds of recipients, optionally only for some
// categories.
type Prohibition struct {
	Use         string          `yaml:"use"`
	Recipients  []ProcessorKind `yaml:"recipients"`
	Categories  []string        `yaml:"categories"`
	Description string          `yaml:"description"`
}

// Processor is a sub-processor: who receives which categories, for which
// purposes, where, for how long, and on what terms.
type Processor struct {
	Key        string        `yaml:",key"`
	Name       string        `yaml:"name"`
	Kind       ProcessorKind `yaml:"kind"`
	Purposes   []string      `yaml:"purposes"`
	Categories []string      `yaml:"categories"`
	Locations  []string      `yaml:"locations"`
	Retention  Retention     `yaml:"retention"`
	Train      bool          `yaml:"train"` // may train its models on the data
	Safeguards []Safeguard   `yaml:"safeguards"`
	RedactPII  bool          `yaml:"redact_pii"` // personal data redacted before sending
}

// Regions says where data is stored and which transfers are allowed.
type Regions struct {
	Storage   []string   `yaml:"storage"`
	Transfers []Transfer `yaml:"transfers"`
}

// Transfer allows data stored in one of From (any storage region when empty)
// to go to To under a safeguard.
type Transfer struct {
	From      []string  `yaml:"from"`
	To        []string  `yaml:"to"`
	Safeguard Safeguard `yaml:"safeguard"`
}

// Rights lists the data subject rights the service honours, how identity is
// verified, and where to send requests.
type Rights struct {
	Verification      string `yaml:"verification"`
	Contact           string `yaml:"contact"`
	Access            *Right `yaml:"access"`
	Portability       *Right `yaml:"portability"`
	Rectification     *Right `yaml:"rectification"`
	Erasure           *Right `yaml:"erasure"`
	Restriction       *Right `yaml:"restriction"`
	Objection         *Right `yaml:"objection"`
	ConsentWithdrawal *Right `yaml:"consent_withdrawal"`
}

// Right is one data subject right: how to use it and the deadline to answer.
type Right struct {
	Kind     RightKind `yaml:"-"`
	How      string    `yaml:"how"`
	Deadline Period    `yaml:"deadline"`
}

// RightKind names a data subject right as written in a policy file.
type RightKind string

// Data subject rights.
const (
	RightAccess            RightKind = "access"
	RightPortability       RightKind = "portability"
	RightRectification     RightKind = "rectification"
	RightErasure           RightKind = "erasure"
	RightRestriction       RightKind = "restriction"
	RightObjection         RightKind = "objection"
	RightConsentWithdrawal RightKind = "consent_withdrawal"
)

// List returns the declared rights in a fixed order, each with its Kind set.
func (r Rights) List() []Right {
	all := []struct {
		kind  RightKind
		right *Right
	}{
		{RightAccess, r.Access}, {RightPortability, r.Portability},
		{RightRectification, r.Rectification}, {RightErasure, r.Erasure},
		{RightRestriction, r.Restriction}, {RightObjection, r.Objection},
		{RightConsentWithdrawal, r.ConsentWithdrawal},
	}
	var out []Right
	for _, x := range all {
		if x.right != nil {
			v := *x.right
			v.Kind = x.kind
			out = append(out, v)
		}
	}
	return out
}

// Staff lists the justifications that let a human read personal data in
// clear; without one, staff see masked values.
type Staff struct {
	Justifications []Justification `yaml:"justifications,keyed"`
}

// Justification is a reason the policy accepts for a human to read personal
// data. The key "subject-agreement" further needs the subject's recorded
// agreement (SubjectState.StaffAccessAgreed). It is written either as its
// description alone or as a mapping with the description and
// "approval: required", when a second person (a privacy officer) must
// approve an access grant before values are shown in clear (break-glass).
type Justification struct {
	Key         string   `yaml:",key"`
	Description string   `yaml:"description,scalar"`
	Approval    Approval `yaml:"approval"`
}

// JustificationSubjectAgreement is the justification key that needs the
// subject's recorded agreement.
const JustificationSubjectAgreement = "subject-agreement"

// Security records the security commitments of the notice, to be checked
// against the running server's configuration.
type Security struct {
	EncryptionAtRest Encryption   `yaml:"encryption_at_rest"`
	TLSMinimum       TLSVersion   `yaml:"tls_minimum"`
	PasswordHashing  PasswordHash `yaml:"password_hashing"`
	APIKeyHashing    KeyHash      `yaml:"api_key_hashing"`
	StaffMFA         bool         `yaml:"staff_mfa"`
	Measures         []string     `yaml:"measures"` // other measures, in words
}

// Children is the minimum age and what happens below it.
type Children struct {
	MinimumAge   int       `yaml:"minimum_age"`
	Below        AgeAction `yaml:"below"`
	Verification string    `yaml:"verification"`
}

// Signals is the stance on browser privacy signals. GPCUses lists the data
// uses a Global Privacy Control signal opts out of; when empty it is
// DefaultGPCUses.
type Signals struct {
	DoNotTrack Stance   `yaml:"do_not_track"`
	GPC        Stance   `yaml:"gpc"`
	GPCUses    []string `yaml:"gpc_uses"`
}

// DefaultGPCUses are the uses a Global Privacy Control signal opts out of
// unless the policy lists others: sale, sharing and targeted advertising.
var DefaultGPCUses = []string{"marketing.advertising", "third_party_sharing"}

// Changes says how material changes are announced.
type Changes struct {
	Notify     []Channel `yaml:"notify"`
	DaysBefore int       `yaml:"days_before"`
}
