//go:build pkcs11

package pkcs11

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Available reports whether this build has PKCS#11 support.
const Available = true

// Object ids in the token.
const (
	masterIDPrefix = "steward-master-"
	rootID         = "steward-root"
)

// magic starts every wrapped blob: "stwP" and the format version.
var magic = []byte{'s', 't', 'w', 'P', 1}

const (
	headerSize = 5 + 4 // magic, master version
	nonceSize  = 12
)

// provider is the master key in a PKCS#11 token.
type provider struct {
	token *crypto11.Context
	now   func() time.Time

	mu       sync.Mutex
	versions []version // sorted by number
	root     *crypto11.SecretKey
}

type version struct {
	n       uint32
	created time.Time
	key     *crypto11.SecretKey
}

var _ KeyStore = (*provider)(nil)

// Open logs into the token and loads the master key versions and the root
// secret, creating them (non-extractable, in the token) on first use. A
// wrong PIN or an unknown token label is an EINVALID error that says so.
func Open(s Settings, now func() time.Time) (KeyStore, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	token, err := crypto11.Configure(&crypto11.Config{Path: s.Module, TokenLabel: s.TokenLabel, Pin: string(s.PIN)})
	if err != nil {
		return nil, openError(s, err)
	}
	p := &provider{token: token, now: now}
	if err := p.init(); err != nil {
		token.Close()
		return nil, err
	}
	return p, nil
}

// openError explains why the token could not be opened, without the PIN.
func openError(s Settings, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "CKR_PIN_INCORRECT"), strings.Contains(msg, "CKR_PIN_LEN_RANGE"):
		return steward.Errorf(steward.EINVALID, "pkcs11: the token %q refused the PIN (check pkcs11_pin_file or STEWARD_PKCS11_PIN)", s.TokenLabel)
	case strings.Contains(msg, "could not find a token"), strings.Contains(msg, "no slot"):
		return steward.Errorf(steward.EINVALID, "pkcs11: no token labelled %q in %s", s.TokenLabel, s.Module)
	}
	return steward.Errorf(steward.EINVALID, "pkcs11: cannot open %s: %v", s.Module, err)
}

// String names the provider, never key material.
func (p *provider) String() string { return "pkcs11.Provider" }

// Close logs out and unloads the module.
func (p *provider) Close() error { return p.token.Close() }

// init finds or creates the root secret and the first master version.
func (p *provider) init() error {
	roots, err := p.token.FindKeys([]byte(rootID), nil)
	if err != nil {
		return steward.Errorf(steward.EINTERNAL, "pkcs11: find the root key: %v", err)
	}
	if len(roots) == 0 {
		root, err := p.generate(rootID, "steward root secret", crypto11.CipherGeneric)
		if err != nil {
			return err
		}
		roots = append(roots, root)
	}
	p.root = roots[0]
	if err := p.reload(); err != nil {
		return err
	}
	p.mu.Lock()
	empty := len(p.versions) == 0
	p.mu.Unlock()
	if empty {
		if _, err := p.Rotate(context.Background()); err != nil {
			return err
		}
	}
	return nil
}

// generate creates a sensitive, non-extractable key object in the token.
func (p *provider) generate(id, label string, c *crypto11.SymmetricCipher) (*crypto11.SecretKey, error) {
	attrs, err := crypto11.NewAttributeSetWithIDAndLabel([]byte(id), []byte(label))
	if err != nil {
		return nil, err
	}
	for t, v := range map[uint]bool{p11.CKA_TOKEN: true, p11.CKA_SENSITIVE: true, p11.CKA_EXTRACTABLE: false, p11.CKA_PRIVATE: true} {
		if err := attrs.Set(t, v); err != nil {
			return nil, err
		}
	}
	k, err := p.token.GenerateSecretKeyWithAttributes(attrs, 256, c)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "pkcs11: generate a key: %v", err)
	}
	return k, nil
}

// reload lists the master key versions in the token: another process
// (steward keys rotate beside a server) may have added or removed some.
func (p *provider) reload() error {
	keys, err := p.token.FindAllKeys()
	if err != nil {
		return steward.Errorf(steward.EINTERNAL, "pkcs11: list keys: %v", err)
	}
	var vs []version
	for _, k := range keys {
		a, err := p.token.GetAttributes(k, []crypto11.AttributeType{p11.CKA_ID, p11.CKA_LABEL})
		if err != nil {
			return steward.Errorf(steward.EINTERNAL, "pkcs11: read key attributes: %v", err)
		}
		id, ok := strings.CutPrefix(string(a[p11.CKA_ID].Value), masterIDPrefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(id, 16, 32)
		if err != nil {
			continue
		}
		vs = append(vs, version{n: uint32(n), created: createdFromLabel(string(a[p11.CKA_LABEL].Value)), key: k})
	}
	slices.SortFunc(vs, func(a, b version) int { return int(int64(a.n) - int64(b.n)) })
	vs = slices.CompactFunc(vs, func(a, b version) bool { return a.n == b.n })
	p.mu.Lock()
	p.versions = vs
	p.mu.Unlock()
	return nil
}

// The label of a master key object records its creation time.
func masterLabel(n uint32, created time.Time) string {
	return fmt.Sprintf("steward master key v%d %s", n, created.UTC().Format(time.RFC3339))
}

func createdFromLabel(label string) time.Time {
	i := strings.LastIndexByte(label, ' ')
	t, _ := time.Parse(time.RFC3339, label[i+1:])
	return t
}

func masterID(n uint32) string { return fmt.Sprintf("%s%08x", masterIDPrefix, n) }

// find returns the key of version n, reloading once if it is unknown.
func (p *provider) find(n uint32) (*crypto11.SecretKey, error) {
	for attempt := 0; attempt < 2; attempt++ {
		p.mu.Lock()
		i := slices.IndexFunc(p.versions, func(v version) bool { return v.n == n })
		var k *crypto11.SecretKey
		if i >= 0 {
			k = p.versions[i].key
		}
		p.mu.Unlock()
		if k != nil {
			return k, nil
		}
		if attempt == 0 {
			if err := p.reload(); err != nil {
				return nil, err
			}
		}
	}
	return nil, crypt.KeyNotFound(n)
}

// Wrap seals key under the current master version with AES-256-GCM inside
// the token. The versions are listed again first (Wrap is rare: a tenant
// key's creation or rotation), so a version another process created is used
// at once and nothing is wrapped under one about to be retired.
func (p *provider) Wrap(ctx context.Context, key crypt.Secret, aad []byte) ([]byte, error) {
	if len(key) != crypt.KeySize {
		return nil, steward.Errorf(steward.EINVALID, "wrapped key must be %d bytes, got %d", crypt.KeySize, len(key))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.reload(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if len(p.versions) == 0 {
		p.mu.Unlock()
		return nil, steward.Errorf(steward.EINTERNAL, "pkcs11: the token holds no master key version")
	}
	cur := p.versions[len(p.versions)-1]
	p.mu.Unlock()
	aead, err := cur.key.NewGCM()
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "pkcs11: %v", err)
	}
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(key)+aead.Overhead())
	copy(out, magic)
	binary.BigEndian.PutUint32(out[5:], cur.n)
	if _, err := rand.Read(out[headerSize:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[headerSize:], key, boundAAD(out[:headerSize], aad)), nil
}

// boundAAD binds the header (and so the version) to the caller's aad.
func boundAAD(header, aad []byte) []byte { return append(bytes.Clone(header), aad...) }

// Unwrap opens what Wrap returned, inside the token.
func (p *provider) Unwrap(ctx context.Context, wrapped, aad []byte) (crypt.Secret, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, err := p.WrappedVersion(wrapped)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < headerSize+nonceSize+16 {
		return nil, crypt.ErrMalformed
	}
	k, err := p.find(n)
	if err != nil {
		return nil, err
	}
	aead, err := k.NewGCM()
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "pkcs11: %v", err)
	}
	plain, err := aead.Open(nil, wrapped[headerSize:headerSize+nonceSize], wrapped[headerSize+nonceSize:], boundAAD(wrapped[:headerSize], aad))
	if err != nil {
		return nil, crypt.ErrAuthFailed
	}
	return plain, nil
}

// WrappedVersion reads the master version a blob names.
func (p *provider) WrappedVersion(wrapped []byte) (uint32, error) {
	if len(wrapped) < headerSize || !bytes.Equal(wrapped[:len(magic)], magic) {
		return 0, crypt.ErrMalformed
	}
	return binary.BigEndian.Uint32(wrapped[5:]), nil
}

// Rotate creates a new master key object and makes it current.
func (p *provider) Rotate(ctx context.Context) (uint32, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := p.reload(); err != nil {
		return 0, err
	}
	p.mu.Lock()
	next := uint32(1)
	if len(p.versions) > 0 {
		last := p.versions[len(p.versions)-1].n
		if last == math.MaxUint32 {
			p.mu.Unlock()
			return 0, steward.Errorf(steward.ECONFLICT, "pkcs11: no master key versions left")
		}
		next = last + 1
	}
	p.mu.Unlock()
	created := p.now().UTC().Truncate(time.Second)
	if _, err := p.generate(masterID(next), masterLabel(next, created), crypto11.CipherAES); err != nil {
		return 0, err
	}
	return next, p.reload()
}

// Versions lists the master key versions, oldest first; the last is current.
func (p *provider) Versions(ctx context.Context) ([]crypt.KeyVersion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.reload(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]crypt.KeyVersion, len(p.versions))
	for i, v := range p.versions {
		out[i] = crypt.KeyVersion{Version: v.n, Created: v.created, Current: i == len(p.versions)-1}
	}
	return out, nil
}

// Retire destroys a master key object. It refuses the current version
// (ECONFLICT) and an unknown one (ENOTFOUND).
func (p *provider) Retire(ctx context.Context, n uint32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.reload(); err != nil {
		return err
	}
	p.mu.Lock()
	i := slices.IndexFunc(p.versions, func(v version) bool { return v.n == n })
	current := i == len(p.versions)-1
	var k *crypto11.SecretKey
	if i >= 0 {
		k = p.versions[i].key
	}
	p.mu.Unlock()
	switch {
	case i < 0:
		return crypt.KeyNotFound(n)
	case current:
		return steward.Errorf(steward.ECONFLICT, "master key version %d is current and cannot be retired; rotate first", n)
	}
	if err := k.Delete(); err != nil {
		return steward.Errorf(steward.EINTERNAL, "pkcs11: destroy master key version %d: %v", n, err)
	}
	return p.reload()
}

// DeriveKey returns HMAC-SHA-256(root, "steward pkcs11 derive v1\x00" +
// label), computed inside the token. The root never rotates, so the result
// depends on the label only.
func (p *provider) DeriveKey(ctx context.Context, label string) (crypt.Secret, error) {
	if err := crypt.CheckLabel(label); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := p.root.NewHMAC(p11.CKM_SHA256_HMAC, 0)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "pkcs11: %v", err)
	}
	h.Write([]byte("steward pkcs11 derive v1\x00" + label))
	return crypt.Secret(h.Sum(nil)), nil
}
