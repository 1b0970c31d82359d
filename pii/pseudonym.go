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
	"sort"
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

// mapping is the plaintext of a conversation's placeholders; it exists only
// in memory and is sealed before it reaches a Store.
//
// Sealed, it holds each distinct value once and nothing else: per entity
// type the values in the order their placeholders were assigned, so that
// placeholder n of a type is its value n-1. Its size is thus the size of the
// distinct values (plus a few bytes each), whatever the length of the texts
// and however often a value recurs. The index that finds a value's
// placeholder is rebuilt in memory when a mapping is loaded.
type mapping struct {
	Values map[Entity][]string `json:"v"`
	// Legacy is the format before 2026-11: one object per entry with the
	// value, its normalized form and its type; read, never written.
	Legacy []mapEntry `json:"e,omitempty"`

	max   int            // most distinct values; 0: no bound
	count int            // distinct values held
	index map[mapKey]int // (type, normalized value) → placeholder number
	added int            // values added since loading
}

// mapKey identifies a value by its type and normalized form.
type mapKey struct {
	entity Entity
	norm   string
}

// mapEntry is one entry of the legacy format.
type mapEntry struct {
	Entity Entity `json:"t"`
	N      int    `json:"i"`
	Value  string `json:"v"`
}

// newMapping returns an empty mapping holding at most max distinct values.
func newMapping(max int) *mapping {
	return &mapping{Values: map[Entity][]string{}, max: max, index: map[mapKey]int{}}
}

// build converts the legacy format and indexes the values. It reports false
// for a damaged mapping.
func (m *mapping) build() bool {
	if m.Values == nil {
		m.Values = map[Entity][]string{}
	}
	if len(m.Legacy) > 0 {
		legacy := m.Legacy
		m.Legacy = nil
		sort.SliceStable(legacy, func(i, j int) bool { return legacy[i].N < legacy[j].N })
		for _, e := range legacy {
			if !e.Entity.Valid() || e.N != len(m.Values[e.Entity])+1 {
				return false
			}
			m.Values[e.Entity] = append(m.Values[e.Entity], e.Value)
		}
	}
	m.index = make(map[mapKey]int, m.count)
	for e, vs := range m.Values {
		if !e.Valid() {
			return false
		}
		for k, v := range vs {
			m.index[mapKey{e, normalize(e, v)}] = k + 1
		}
		m.count += len(vs)
	}
	return true
}

// Transform implements Operator: it returns the placeholder of value,
// assigning the next number of its entity type when value is new. It
// returns ETOOLARGE when a new value would exceed the mapping's bound.
func (m *mapping) Transform(f Finding, value string) (string, error) {
	k := mapKey{f.Entity, normalize(f.Entity, value)}
	if n, ok := m.index[k]; ok {
		return placeholder(f.Entity, n), nil
	}
	if m.max > 0 && m.count >= m.max {
		return "", steward.Errorf(steward.ETOOLARGE,
			"a conversation holds at most %d distinct values; start a new conversation", m.max)
	}
	m.Values[f.Entity] = append(m.Values[f.Entity], value)
	n := len(m.Values[f.Entity])
	m.index[k] = n
	m.count++
	return placeholder(f.Entity, n), nil
}

// lookup returns the original value of placeholder (e, n).
func (m *mapping) lookup(e Entity, n int) (string, bool) {
	vs := m.Values[e]
	if n < 1 || n > len(vs) {
		return "", false
	}
	return vs[n-1], true
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
	empty := newMapping(p.maxValues)
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
	m := newMapping(p.maxValues)
	if err := json.Unmarshal(plain, m); err != nil || !m.build() {
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
	return p.sealPlain(plain, conversation)
}

// sealPlain encrypts a mapping's JSON for the Store.
func (p *Pseudonymizer) sealPlain(plain []byte, conversation string) ([]byte, error) {
	nonce := make([]byte, p.aead.NonceSize(), p.aead.NonceSize()+len(plain)+p.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, errors.New("pii: no randomness")
	}
	return p.aead.Seal(nonce, nonce, plain, p.aad(conversation)), nil
}
