package pii

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
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
	// MaxValues bounds the distinct values of one conversation's mapping
	// (DefaultMaxValues when 0; no bound when negative), so that a mapping,
	// which is read and written whole on every call, stays small.
	MaxValues int
}

// DefaultMaxValues is the most distinct values one conversation maps unless
// PseudonymizerConfig.MaxValues says otherwise. A conversation of people
// writing to a model holds tens of values; 20,000 leaves room for one text
// of 256 KiB made of nothing but distinct e-mail addresses (about 14,000)
// while keeping a sealed mapping to a few hundred kilobytes.
const DefaultMaxValues = 20000

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
	maxValues int
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
		namespace: cfg.Namespace, ttl: cfg.TTL, store: cfg.Store, now: cfg.Now, maxValues: cfg.MaxValues}
	if p.ttl <= 0 {
		p.ttl = DefaultPseudonymTTL
	}
	if p.now == nil {
		p.now = time.Now
	}
	switch {
	case p.maxValues == 0:
		p.maxValues = DefaultMaxValues
	case p.maxValues < 0:
		p.maxValues = 0
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

// Pseudonymize replaces the findings in text with the conversation's
// placeholders, adding new ones to its mapping, and refreshes the mapping's
// expiry. It returns EINVALID for a bad conversation id or bad findings, and
// ETOOLARGE, changing nothing, when the conversation would hold more than
// MaxValues distinct values. Its cost is linear in the text and the findings
// plus the size of the conversation's mapping, which is read and written
// whole.
func (p *Pseudonymizer) Pseudonymize(ctx context.Context, conversation, text string, findings []Finding) (string, error) {
	if err := checkConversation(conversation); err != nil {
		return "", err
	}
	key := p.storeKey(conversation)
	for attempt := 0; ; attempt++ {
		m, version, err := p.load(ctx, key, conversation, len(findings))
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

// placeholder returns "<ENTITY_N>".
func placeholder(e Entity, n int) string {
	return "<" + string(e) + "_" + strconv.Itoa(n) + ">"
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
// ENOTFOUND error when there is none), with room for grow new values.
func (p *Pseudonymizer) load(ctx context.Context, key, conversation string, grow int) (*mapping, uint64, error) {
	empty := newMapping(p.maxValues, grow)
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
	m := newMapping(p.maxValues, 0)
	if !m.decode(plain, grow) {
		return empty, 0, steward.Errorf(steward.EINTERNAL, "stored mapping is damaged")
	}
	return m, version, nil
}

// seal encrypts a mapping for the Store.
func (p *Pseudonymizer) seal(m *mapping, conversation string) ([]byte, error) {
	return p.sealPlain(m.encode(), conversation)
}

// sealPlain encrypts an encoded mapping for the Store.
func (p *Pseudonymizer) sealPlain(plain []byte, conversation string) ([]byte, error) {
	nonce := make([]byte, p.aead.NonceSize(), p.aead.NonceSize()+len(plain)+p.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, errors.New("pii: no randomness")
	}
	return p.aead.Seal(nonce, nonce, plain, p.aad(conversation)), nil
}
