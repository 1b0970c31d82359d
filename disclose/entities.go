package disclose

import "github.com/steward-privacy/steward/pii"

// entityCategories maps each kind of personal data the PII scanner finds to
// the taxonomy category it belongs to: free text may carry a finding to a
// processor only if the policy lets that processor receive its category.
// It is the one place the two vocabularies meet; TestEntityCategories
// keeps it complete. Where a finding could belong to several categories,
// the most sensitive reading is taken (a date may be a birth date), so a
// doubt replaces the value rather than sending it.
var entityCategories = map[pii.Entity]string{
	pii.Email:      "user.contact.email",
	pii.Phone:      "user.contact.phone_number",
	pii.Person:     "user.name",
	pii.CreditCard: "user.financial.credit_card",
	pii.IBAN:       "user.financial.bank_account",
	pii.IPAddress:  "user.device.ip_address",
	pii.USSSN:      "user.government_id.national_identification_number",
	pii.URL:        "user.contact.url",
	pii.Crypto:     "user.financial",
	pii.MACAddress: "user.device.device_id",
	pii.DateTime:   "user.demographic.date_of_birth",
	pii.Secret:     "user.authorization.credentials",
}

// EntityCategory returns the taxonomy category of a PII entity type, such
// as user.contact.email for EMAIL_ADDRESS, and false for a type it does not
// know (whose findings never leave).
func EntityCategory(e pii.Entity) (string, bool) {
	c, ok := entityCategories[e]
	return c, ok
}
