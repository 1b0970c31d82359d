package notice

import (
	"strings"

	"github.com/steward-privacy/steward/policy"
)

// Words for the values of a policy, as a notice prints them.

var regionNames = map[string]string{
	"us": "the United States", "eu": "the European Union", "eea": "the European Economic Area",
	"uk": "the United Kingdom", "ca": "Canada", "au": "Australia", "af": "Africa", "asia": "Asia",
	"in": "India", "jp": "Japan", "br": "Brazil", "ch": "Switzerland", "sg": "Singapore",
	"on-prem": "your own premises (on-premises installations)", "global": "any region",
}

// regionName returns a region code in words.
func regionName(code string) string {
	if n, ok := regionNames[code]; ok {
		return n
	}
	return strings.ToUpper(code)
}

// regionShort returns a region name without an article, for table cells.
func regionShort(code string) string {
	return strings.TrimPrefix(regionName(code), "the ")
}

var basisNames = map[policy.Basis]string{
	policy.BasisContract:           "to perform our contract with you",
	policy.BasisConsent:            "your consent",
	policy.BasisLegitimateInterest: "our legitimate interest",
	policy.BasisLegalObligation:    "a legal obligation",
	policy.BasisVitalInterest:      "to protect someone's vital interests",
	policy.BasisPublicTask:         "a task in the public interest",
}

var sourceHeadings = []struct {
	kind    policy.SourceKind
	heading string
}{
	{policy.FromSubject, "Information you give us"},
	{policy.FromAutomatic, "Information collected automatically"},
	{policy.FromConnected, "Information from systems you connect"},
	{policy.FromThirdParty, "Information from others"},
	{policy.FromPublic, "Publicly available information"},
}

var systemNames = map[policy.SystemKind]string{
	policy.SystemERP: "ERP system", policy.SystemDocumentPlatform: "document platform",
	policy.SystemTicketing: "ticketing tool", policy.SystemEmail: "email account",
	policy.SystemCalendar: "calendar", policy.SystemCommercePlatform: "online store platform",
	policy.SystemCRM: "CRM", policy.SystemOther: "connected system",
}

var safeguardNames = map[policy.Safeguard]string{
	policy.SafeguardDPA: "data processing agreement", policy.SafeguardSCCs: "standard contractual clauses",
	policy.SafeguardBCRs: "binding corporate rules", policy.SafeguardAdequacy: "adequacy decision",
	policy.SafeguardDPF: "EU-US Data Privacy Framework",
}

var rightNames = map[policy.RightKind]string{
	policy.RightAccess:            "Get a copy of your data (access)",
	policy.RightPortability:       "Take your data elsewhere (portability)",
	policy.RightRectification:     "Correct your data (rectification)",
	policy.RightErasure:           "Delete your data (erasure)",
	policy.RightRestriction:       "Limit how we use your data (restriction)",
	policy.RightObjection:         "Object to how we use your data (objection)",
	policy.RightConsentWithdrawal: "Withdraw your consent",
}

var channelNames = map[policy.Channel]string{
	"email": "by email", "website": "on our website", "in-app": "in the app", "developer-docs": "in our developer documentation",
}

var hashNames = map[string]string{
	"argon2id": "Argon2id", "bcrypt": "bcrypt", "scrypt": "scrypt", "pbkdf2": "PBKDF2",
	"hmac-sha256": "keyed HMAC-SHA-256", "sha256": "SHA-256",
}

var encryptionNames = map[policy.Encryption]string{
	"aes-256-gcm": "AES-256-GCM", "chacha20-poly1305": "ChaCha20-Poly1305",
}

// useNames names common data uses; others are named from their key.
var useNames = map[string]string{
	"essential":                                  "Essential operations",
	"essential.service":                          "Providing the service",
	"essential.service.authentication":           "Signing you in",
	"essential.service.notifications":            "Service notices",
	"essential.service.notifications.email":      "Service emails",
	"essential.service.operations.support":       "Customer support",
	"essential.service.operations.improve":       "Improving the service",
	"essential.service.payment_processing":       "Payments",
	"essential.service.security":                 "Security",
	"essential.fraud_detection":                  "Preventing fraud",
	"essential.legal_obligation":                 "Legal compliance",
	"functional.service.improve":                 "Improving the service",
	"analytics":                                  "Analytics",
	"analytics.reporting":                        "Reporting",
	"marketing":                                  "Marketing",
	"marketing.advertising":                      "Advertising",
	"marketing.communications":                   "Marketing messages",
	"marketing.communications.email":             "Marketing email",
	"personalize":                                "Personalisation",
	"personalize.content.profiling":              "Personalised content",
	"personalize.profiling":                      "Personalised content",
	"train_ai_system":                            "Training AI models",
	"third_party_sharing":                        "Sharing with third parties",
	"third_party_sharing.legal_obligation":       "Disclosures required by law",
	"finance":                                    "Financial decisions",
	"sales":                                      "Sales",
	"essential.service.operations":               "Running the service",
	"marketing.advertising.third_party":          "Third-party advertising",
	"marketing.advertising.first_party":          "Our own advertising",
	"marketing.communications.sms":               "Marketing text messages",
	"essential.service.notifications.sms":        "Service text messages",
	"analytics.reporting.system.performance":     "Performance monitoring",
	"functional.storage.privacy_preferences":     "Remembering your privacy choices",
	"marketing.advertising.first_party.targeted": "Targeted advertising",
}

// useName returns a data use in words.
func useName(key string) string {
	if n, ok := useNames[key]; ok {
		return n
	}
	return humanize(key)
}

// categoryNames names common data categories; others are named from their
// key.
var categoryNames = map[string]string{
	"user.contact.email":             "Email address",
	"user.contact.phone_number":      "Phone number",
	"user.contact.address":           "Postal address",
	"user.payment":                   "Payment details",
	"user.authorization.credentials": "Sign-in credentials",
	"user.authorization.password":    "Password",
	"user.device.cookie_id":          "Cookie identifiers",
	"user.device.device_id":          "Device identifiers",
	"user.behavior":                  "Usage",
	"user.unique_id.pseudonymous":    "Pseudonymous identifiers",
}

// categoryName returns a data category in words.
func categoryName(key string) string {
	if n, ok := categoryNames[key]; ok {
		return n
	}
	return humanize(key)
}

var acronyms = map[string]string{"ip": "IP", "id": "ID", "api": "API", "url": "URL", "erp": "ERP", "ai": "AI", "sms": "SMS", "crm": "CRM"}

// humanize names a key by its last segment: "user.content.generated_image"
// is "Generated image", "user.device.ip_address" is "IP address".
func humanize(key string) string {
	seg := key[strings.LastIndexByte(key, '.')+1:]
	words := strings.Split(seg, "_")
	for i, w := range words {
		if a, ok := acronyms[w]; ok {
			words[i] = a
		} else if i == 0 && w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// joinWords joins items as "a, b and c".
func joinWords(items []string, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + last + " " + items[len(items)-1]
}
