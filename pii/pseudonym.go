package pii

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

// DefaultPseudonymTTL is how long a conversation's mapping lives after its
// last use unless PseudonymizerConfig.TTL says otherwise.
const DefaultPseudonymTTL = 24 * time.Hour

// PseudonymizerConfig configures a Pseudonymizer.
type PseudonymizerConfig struct {
	// Key (KeySize bytes) encrypts the mappings and derives their store
	// keys; use one key per tenant.
	Key []byte
	// Namespace separates tenants sharing a Store (for example the tenant id).
	Namespace string
	// TTL is how long a mapping lives after its last Pseudonymize call.
	TTL time.Duration
	// Store keeps the sealed mappings; required.
	Store Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Pseudonymizer replaces personal data with consistent placeholders per
// conversation (<PERSON_1>, <EMAIL_ADDRESS_2>): the same value gets the same
// placeholder throughout a conversation. The mapping is kept encrypted in a
// Store and expires, and Reidentify restores placeholders in a model's answer.
type Pseudonymizer struct {
	aead      cipher.AEAD
	idKey     []byte
	namespace string
	ttl       time.Duration
	store     Store
	now       func() time.Time
}

// NewPseudonymizer returns a Pseudonymizer. It returns an EINVALID error for a
// missing store or a key of the wrong size.
func NewPseudonymizer(cfg PseudonymizerConfig) (*Pseudonymizer, error) {
	if len(cfg.Key) != KeySize {
		return nil, steward.Invalid("key", "pseudonymization needs a 32-byte key")
	}
	if cfg.Store == nil {
		return nil, steward.Invalid("store", "pseudonymization needs a mapping store")
	}
	aead, err := newGCM(subkey(cfg.Key, "steward pii mapping encryption"))
	if err != nil {
		return nil, err
	}
	p := &Pseudonymizer{aead: aead, idKey: subkey(cfg.Key, "steward pii mapping id"),
		namespace: cfg.Namespace, ttl: cfg.TTL, store: cfg.Store, now: cfg.Now}
	if p.ttl <= 0 {
		p.ttl = DefaultPseudonymTTL
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// String hides the keys.
func (p *Pseudonymizer) String() string { return "pii.Pseudonymizer{REDACTED}" }

// subkey derives an independent key for one purpose (HMAC-SHA-256 as a PRF).
func subkey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// mapping is the plaintext of a conversation's placeholders; it exists only
// in memory and is sealed before it reaches a Store.
type mapping struct {
	Next    map[Entity]int `json:"n"`
	Entries []mapEntry     `json:"e"`
}

type mapEntry struct {
	Entity Entity `json:"t"`
	N      int    `json:"i"`
	Value  string `json:"v"`
	Norm   string `json:"k"`
}

// Pseudonymize replaces the findings in text with the conversation's
// placeholders, adding new ones to its mapping, and refreshes the mapping's
// expiry. It returns EINVALID for a bad conversation id or bad findings.
func (p *Pseudonymizer) Pseudonymize(ctx context.Context, conversation, text string, findings []Finding) (string, error) {
	if err := checkConversation(conversation); err != nil {
		return "", err
	}
	key := p.storeKey(conversation)
	for attempt := 0; ; attempt++ {
		m, version, err := p.load(ctx, key, conversation)
		if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return "", err
		}
		out, err := Apply(text, findings, m)
		if err != nil {
			return "", err
		}
		sealed, err := p.seal(m, conversation)
		if err != nil {
			return "", err
		}
		_, err = p.store.Put(ctx, key, sealed, version, p.now().Add(p.ttl))
		if err == nil {
			return out, nil
		}
		if steward.ErrorCode(err) != steward.ECONFLICT || attempt >= 8 {
			return "", err
		}
	}
}

// Forget deletes a conversation's mapping, after which its placeholders can
// no longer be restored.
func (p *Pseudonymizer) Forget(ctx context.Context, conversation string) error {
	if err := checkConversation(conversation); err != nil {
		return err
	}
	return p.store.Delete(ctx, p.storeKey(conversation))
}

// Transform implements Operator: it returns the placeholder of value,
// assigning the next number of its entity type when value is new.
func (m *mapping) Transform(f Finding, value string) (string, error) {
	norm := normalize(f.Entity, value)
	for _, e := range m.Entries {
		if e.Entity == f.Entity && e.Norm == norm {
			return placeholder(e.Entity, e.N), nil
		}
	}
	m.Next[f.Entity]++
	n := m.Next[f.Entity]
	m.Entries = append(m.Entries, mapEntry{Entity: f.Entity, N: n, Value: value, Norm: norm})
	return placeholder(f.Entity, n), nil
}

// lookup returns the original value of placeholder (e, n).
func (m *mapping) lookup(e Entity, n int) (string, bool) {
	for _, x := range m.Entries {
		if x.Entity == e && x.N == n {
			return x.Value, true
		}
	}
	return "", false
}

// placeholder returns "<ENTITY_N>".
func placeholder(e Entity, n int) string {
	return "<" + string(e) + "_" + strconv.Itoa(n) + ">"
}

// normalize returns the form under which two values count as the same.
func normalize(e Entity, v string) string {
	switch e {
	case Phone, CreditCard, USSSN, IBAN:
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			c := v[i]
			if isLower(c) {
				c -= 'a' - 'A'
			}
			if isAlnum(c) {
				b.WriteByte(c)
			}
		}
		return b.String()
	case Email, Person, URL, MACAddress, IPAddress:
		return strings.Join(strings.Fields(strings.ToLower(v)), " ")
	}
	return v
}

// checkConversation validates a conversation id.
func checkConversation(c string) error {
	if c == "" || len(c) > 256 {
		return steward.Invalid("conversation_id", "conversation id must be 1-256 bytes")
	}
	return nil
}

// storeKey is an opaque, tenant-keyed name for the conversation's mapping, so
// that the Store never learns conversation ids.
func (p *Pseudonymizer) storeKey(conversation string) string {
	m := hmac.New(sha256.New, p.idKey)
	m.Write([]byte(p.namespace))
	m.Write([]byte{0})
	m.Write([]byte(conversation))
	return hex.EncodeToString(m.Sum(nil))
}

// aad binds a sealed mapping to its namespace and conversation.
func (p *Pseudonymizer) aad(conversation string) []byte {
	return []byte("steward-pii-map-v1\x00" + p.namespace + "\x00" + conversation)
}

// load returns the conversation's mapping (empty with version 0 and an
// ENOTFOUND error when there is none).
func (p *Pseudonymizer) load(ctx context.Context, key, conversation string) (*mapping, uint64, error) {
	empty := &mapping{Next: map[Entity]int{}}
	sealed, version, err := p.store.Get(ctx, key)
	if err != nil {
		return empty, 0, err
	}
	ns := p.aead.NonceSize()
	if len(sealed) < ns+p.aead.Overhead() {
		return empty, 0, steward.Errorf(steward.EINTERNAL, "stored mapping is damaged")
	}
	plain, err := p.aead.Open(nil, sealed[:ns], sealed[ns:], p.aad(conversation))
	if err != nil {
		return empty, 0, steward.Errorf(steward.EINTERNAL, "stored mapping does not decrypt")
	}
	m := &mapping{}
	if err := json.Unmarshal(plain, m); err != nil || m.Next == nil {
		return empty, 0, steward.Errorf(steward.EINTERNAL, "stored mapping is damaged")
	}
	return m, version, nil
}

// seal encrypts a mapping for the Store.
func (p *Pseudonymizer) seal(m *mapping, conversation string) ([]byte, error) {
	plain, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, p.aead.NonceSize(), p.aead.NonceSize()+len(plain)+p.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, errors.New("pii: no randomness")
	}
	return p.aead.Seal(nonce, nonce, plain, p.aad(conversation)), nil
}
