package policy

import "slices"

// setEnum sets *p to s when s is one of allowed, and otherwise returns an
// error naming what was expected.
func setEnum[T ~string](p *T, s string, allowed []string, what string) error {
	if !slices.Contains(allowed, s) {
		return errHint(didYouMean(s, allowed), "unknown %s %q", what, s)
	}
	*p = T(s)
	return nil
}

// Basis is the legal basis of a purpose (GDPR Article 6).
type Basis string

// Legal bases.
const (
	BasisContract           Basis = "contract"
	BasisConsent            Basis = "consent"
	BasisLegitimateInterest Basis = "legitimate-interest"
	BasisLegalObligation    Basis = "legal-obligation"
	BasisVitalInterest      Basis = "vital-interest"
	BasisPublicTask         Basis = "public-task"
)

// Bases lists the legal bases from the one that gives the subject the most
// control (consent) to the one that gives the least (legitimate interest).
// Diff uses this order to call a change of basis weaker.
var Bases = []Basis{BasisConsent, BasisContract, BasisLegalObligation, BasisVitalInterest, BasisPublicTask, BasisLegitimateInterest}

func (b *Basis) setScalar(s string) error {
	return setEnum(b, s, enumStrings(Bases), "legal basis")
}

// SourceKind says where the data of a category comes from.
type SourceKind string

// Sources of data.
const (
	FromSubject    SourceKind = "subject"     // the person provides it
	FromAutomatic  SourceKind = "automatic"   // recorded automatically (logs, cookies)
	FromConnected  SourceKind = "connected"   // read from a system the customer connects
	FromThirdParty SourceKind = "third-party" // received from someone else
	FromPublic     SourceKind = "public"      // publicly available sources
)

var sourceKinds = []SourceKind{FromSubject, FromAutomatic, FromConnected, FromThirdParty, FromPublic}

func (k *SourceKind) setScalar(s string) error {
	return setEnum(k, s, enumStrings(sourceKinds), "source")
}

// SystemKind names the kind of a connected system data is read from.
type SystemKind string

// Kinds of connected systems.
const (
	SystemERP              SystemKind = "erp"
	SystemDocumentPlatform SystemKind = "document-platform"
	SystemTicketing        SystemKind = "ticketing"
	SystemEmail            SystemKind = "email"
	SystemCalendar         SystemKind = "calendar"
	SystemCommercePlatform SystemKind = "commerce-platform"
	SystemCRM              SystemKind = "crm"
	SystemOther            SystemKind = "other"
)

var systemKinds = []SystemKind{SystemERP, SystemDocumentPlatform, SystemTicketing, SystemEmail, SystemCalendar, SystemCommercePlatform, SystemCRM, SystemOther}

func (k *SystemKind) setScalar(s string) error {
	return setEnum(k, s, enumStrings(systemKinds), "connected system")
}

// ProcessorKind says what a sub-processor does; prohibitions can name kinds
// of recipients (for example "ai-model").
type ProcessorKind string

// Kinds of sub-processors.
const (
	KindHosting     ProcessorKind = "hosting"
	KindDatabase    ProcessorKind = "database"
	KindStorage     ProcessorKind = "storage"
	KindPayments    ProcessorKind = "payments"
	KindEmail       ProcessorKind = "email"
	KindAnalytics   ProcessorKind = "analytics"
	KindSupport     ProcessorKind = "support"
	KindAIModel     ProcessorKind = "ai-model"
	KindAdvertising ProcessorKind = "advertising"
	KindDataBroker  ProcessorKind = "data-broker"
	KindOther       ProcessorKind = "other"
)

// ProcessorKinds lists every processor kind in a fixed order; the index of a
// kind is its bit in compiled recipient sets.
var ProcessorKinds = []ProcessorKind{KindHosting, KindDatabase, KindStorage, KindPayments, KindEmail, KindAnalytics, KindSupport, KindAIModel, KindAdvertising, KindDataBroker, KindOther}

func (k *ProcessorKind) setScalar(s string) error {
	return setEnum(k, s, enumStrings(ProcessorKinds), "processor kind")
}

// AgeAction is what happens when a subject is below the minimum age.
type AgeAction string

// Actions below the minimum age.
const (
	AgeRefuse AgeAction = "refuse" // no processing; sign-up refused
	AgeFlag   AgeAction = "flag"   // processing continues, flagged for review
	AgeDelete AgeAction = "delete" // the data is deleted on discovery
)

var ageActions = []AgeAction{AgeRefuse, AgeFlag, AgeDelete}

func (a *AgeAction) setScalar(s string) error {
	return setEnum(a, s, enumStrings(ageActions), "action below the minimum age")
}

// Stance says whether a browser privacy signal is honored.
type Stance string

// Stances on privacy signals.
const (
	Honored Stance = "honored"
	Ignored Stance = "ignored"
)

func (st *Stance) setScalar(s string) error {
	return setEnum(st, s, []string{string(Honored), string(Ignored)}, "stance")
}

// HumanAccess says whether staff may ever see the data of a purpose in clear.
type HumanAccess string

// Human access rules. The zero value means HumanJustified.
const (
	HumanJustified HumanAccess = "justified" // with a justification the policy accepts
	HumanNever     HumanAccess = "never"     // always masked for staff
)

func (h *HumanAccess) setScalar(s string) error {
	return setEnum(h, s, []string{string(HumanJustified), string(HumanNever)}, "human access rule")
}

// Approval says whether a justification needs a second person's approval.
type Approval string

// Approval rules. The zero value means ApprovalNone.
const (
	ApprovalNone     Approval = "none"     // the justification alone shows values in clear
	ApprovalRequired Approval = "required" // only under an access grant a privacy officer approved
)

func (a *Approval) setScalar(s string) error {
	return setEnum(a, s, []string{string(ApprovalNone), string(ApprovalRequired)}, "approval rule")
}

// Safeguard is a contractual or legal safeguard a processor or transfer
// relies on.
type Safeguard string

// Safeguards. DPA is a data processing agreement; the others are transfer
// mechanisms for data leaving its region.
const (
	SafeguardDPA      Safeguard = "dpa"      // data processing agreement (GDPR Art. 28)
	SafeguardSCCs     Safeguard = "sccs"     // standard contractual clauses
	SafeguardBCRs     Safeguard = "bcr"      // binding corporate rules
	SafeguardAdequacy Safeguard = "adequacy" // adequacy decision for the destination
	SafeguardDPF      Safeguard = "dpf"      // EU-US Data Privacy Framework
)

var safeguards = []Safeguard{SafeguardDPA, SafeguardSCCs, SafeguardBCRs, SafeguardAdequacy, SafeguardDPF}

// IsTransferMechanism reports whether the safeguard allows data to leave its
// region (every safeguard but a DPA).
func (s Safeguard) IsTransferMechanism() bool {
	return s != SafeguardDPA && slices.Contains(safeguards, s)
}

func (s *Safeguard) setScalar(v string) error {
	return setEnum(s, v, enumStrings(safeguards), "safeguard")
}

// Channel is a way users are told about material changes.
type Channel string

var channels = []string{"email", "website", "in-app", "developer-docs"}

func (c *Channel) setScalar(s string) error { return setEnum(c, s, channels, "notification channel") }

// Security algorithm and protocol names.
type (
	// Encryption names the encryption of data at rest.
	Encryption string
	// TLSVersion is the minimum TLS version, "1.2" or "1.3".
	TLSVersion string
	// PasswordHash names the password hashing function.
	PasswordHash string
	// KeyHash names how API keys are hashed.
	KeyHash string
)

func (e *Encryption) setScalar(s string) error {
	return setEnum(e, s, []string{"aes-256-gcm", "chacha20-poly1305"}, "encryption")
}

func (v *TLSVersion) setScalar(s string) error {
	if s == "1.0" || s == "1.1" || s == "1" {
		return errHint("use 1.2 or 1.3", "TLS %s is obsolete", s)
	}
	return setEnum(v, s, []string{"1.2", "1.3"}, "TLS version")
}

func (h *PasswordHash) setScalar(s string) error {
	return setEnum(h, s, []string{"argon2id", "bcrypt", "scrypt", "pbkdf2"}, "password hash")
}

func (h *KeyHash) setScalar(s string) error {
	return setEnum(h, s, []string{"hmac-sha256", "sha256", "argon2id", "bcrypt"}, "API key hash")
}

// enumStrings converts a list of enum values to strings.
func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
