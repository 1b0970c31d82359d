package pii

import (
	"strings"

	"github.com/steward-privacy/steward"
)

// Entity is the type of a piece of personal data, named as in Microsoft
// Presidio where Presidio has a name for it.
type Entity string

// The entity types the scanner recognizes.
const (
	Email      Entity = "EMAIL_ADDRESS"
	Phone      Entity = "PHONE_NUMBER"
	CreditCard Entity = "CREDIT_CARD"
	IBAN       Entity = "IBAN_CODE"
	IPAddress  Entity = "IP_ADDRESS"
	USSSN      Entity = "US_SSN"
	URL        Entity = "URL"
	Crypto     Entity = "CRYPTO"
	MACAddress Entity = "MAC_ADDRESS"
	DateTime   Entity = "DATE_TIME"
	Secret     Entity = "SECRET"
	Person     Entity = "PERSON"
)

// allEntities lists every entity in a stable order (the order of documentation
// and of evaluation reports).
var allEntities = []Entity{
	Email, Phone, CreditCard, IBAN, IPAddress, USSSN, URL,
	Crypto, MACAddress, DateTime, Secret, Person,
}

// The bit of each entity in a set of entities (Scanner.enabled): 1 << its
// position in allEntities.
const (
	bitEmail uint32 = 1 << iota
	bitPhone
	bitCreditCard
	bitIBAN
	bitIPAddress
	bitUSSSN
	bitURL
	bitCrypto
	bitMACAddress
	bitDateTime
	bitSecret
	bitPerson
)

// AllEntities returns every entity type the scanner knows, in a stable order.
func AllEntities() []Entity {
	return append([]Entity(nil), allEntities...)
}

// PatternEntities returns the entities that are recognized by pattern plus
// validation (everything except PERSON and DATE_TIME, which depend on names and
// context and are held to a lower bar).
func PatternEntities() []Entity {
	var out []Entity
	for _, e := range allEntities {
		if e != Person && e != DateTime {
			out = append(out, e)
		}
	}
	return out
}

// index returns the position of e in allEntities, or -1. It is on the hot
// path of every candidate, so it picks the one possible entry by first byte
// and length before comparing.
func (e Entity) index() int {
	if len(e) < 3 {
		return -1
	}
	i := -1
	switch e[0] {
	case 'E':
		i = 0 // EMAIL_ADDRESS
	case 'P':
		i = 1 // PHONE_NUMBER
		if len(e) == len(Person) {
			i = 11
		}
	case 'C':
		i = 2 // CREDIT_CARD
		if len(e) == len(Crypto) {
			i = 7
		}
	case 'I':
		i = 3 // IBAN_CODE
		if len(e) == len(IPAddress) {
			i = 4
		}
	case 'U':
		i = 5 // US_SSN
		if len(e) == len(URL) {
			i = 6
		}
	case 'M':
		i = 8
	case 'D':
		i = 9
	case 'S':
		i = 10
	}
	if i < 0 || allEntities[i] != e {
		return -1
	}
	return i
}

// Valid reports whether e is a known entity type.
func (e Entity) Valid() bool { return e.index() >= 0 }

// ParseEntity returns the entity type named s (case-insensitive). It returns an
// EINVALID error naming the known types when s is unknown.
func ParseEntity(s string) (Entity, error) {
	e := Entity(strings.ToUpper(strings.TrimSpace(s)))
	if !e.Valid() {
		names := make([]string, len(allEntities))
		for i, x := range allEntities {
			names[i] = string(x)
		}
		return "", steward.Errorf(steward.EINVALID, "unknown entity type %q; known: %s", truncate(s, 40), strings.Join(names, ", "))
	}
	return e, nil
}

// ParseEntities parses a comma-separated list of entity types. An empty string
// yields nil (meaning all entities).
func ParseEntities(list string) ([]Entity, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []Entity
	for _, part := range strings.Split(list, ",") {
		e, err := ParseEntity(part)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// truncate shortens s for an error message about an unknown name (which is a
// name, never scanned text).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
