package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/steward-privacy/steward"
)

// KeySize is the size of the keys of Hash, Encrypt and the Pseudonymizer.
const KeySize = 32

// Hash replaces a value with a keyed hash: HMAC-SHA-256 under a tenant key
// over the entity type and the value, as 32 hex digits (128 bits). Equal
// values hash equally under one key, so a tenant can still join on them;
// under another tenant's key they hash differently.
type Hash struct {
	key []byte
}

// NewHash returns a Hash operator under key (KeySize bytes). It returns an
// EINVALID error for a key of the wrong size.
func NewHash(key []byte) (*Hash, error) {
	if len(key) != KeySize {
		return nil, steward.Invalid("key", "hash needs a 32-byte key")
	}
	return &Hash{key: append([]byte(nil), key...)}, nil
}

// Transform implements Operator.
func (h *Hash) Transform(f Finding, value string) (string, error) {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(f.Entity))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16]), nil
}

// String hides the key.
func (h *Hash) String() string { return "pii.Hash{REDACTED}" }

// GoString hides the key.
func (h *Hash) GoString() string { return h.String() }

// encPrefix and encSuffix frame an encrypted value in text.
const (
	encPrefix = "<enc:"
	encSuffix = ">"
)

// Encrypt replaces a value with its AES-256-GCM encryption under a key, as
// "<enc:BASE64URL>" (random nonce, then ciphertext and tag; the entity type is
// authenticated data). Holders of the key reverse it with Decrypt.
type Encrypt struct {
	aead cipher.AEAD
}

// NewEncrypt returns an Encrypt operator under key (KeySize bytes). It returns
// an EINVALID error for a key of the wrong size.
func NewEncrypt(key []byte) (*Encrypt, error) {
	if len(key) != KeySize {
		return nil, steward.Invalid("key", "encrypt needs a 32-byte key")
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &Encrypt{aead: aead}, nil
}

// newGCM returns AES-256-GCM under key.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "bad key")
	}
	return cipher.NewGCM(block)
}

// Transform implements Operator.
func (e *Encrypt) Transform(f Finding, value string) (string, error) {
	nonce := make([]byte, e.aead.NonceSize(), e.aead.NonceSize()+len(value)+e.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", steward.Errorf(steward.EINTERNAL, "no randomness")
	}
	sealed := e.aead.Seal(nonce, nonce, []byte(value), []byte(f.Entity))
	return encPrefix + string(f.Entity) + ":" + base64.RawURLEncoding.EncodeToString(sealed) + encSuffix, nil
}

// String hides the key.
func (e *Encrypt) String() string { return "pii.Encrypt{REDACTED}" }

// GoString hides the key.
func (e *Encrypt) GoString() string { return e.String() }

// Decrypt reverses Encrypt on a whole text: every "<enc:TYPE:...>" that
// decrypts under the operator's key is replaced by its value. It returns the
// text and the number of values it could not decrypt (wrong key, damaged).
func (e *Encrypt) Decrypt(text string) (string, int) {
	var b strings.Builder
	failed := 0
	for {
		i := strings.Index(text, encPrefix)
		if i < 0 {
			break
		}
		j := strings.Index(text[i:], encSuffix)
		if j < 0 {
			break
		}
		token := text[i+len(encPrefix) : i+j]
		b.WriteString(text[:i])
		if v, ok := e.open(token); ok {
			b.WriteString(v)
		} else {
			b.WriteString(text[i : i+j+len(encSuffix)])
			failed++
		}
		text = text[i+j+len(encSuffix):]
	}
	b.WriteString(text)
	return b.String(), failed
}

// open decrypts one "TYPE:BASE64URL" token.
func (e *Encrypt) open(token string) (string, bool) {
	typ, body, ok := strings.Cut(token, ":")
	if !ok {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	ns := e.aead.NonceSize()
	if err != nil || len(raw) < ns+e.aead.Overhead() {
		return "", false
	}
	pt, err := e.aead.Open(nil, raw[:ns], raw[ns:], []byte(typ))
	if err != nil {
		return "", false
	}
	return string(pt), true
}
