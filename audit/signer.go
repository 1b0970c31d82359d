package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// KeyWrapper protects the checkpoint signing key at rest; the master key
// provider (crypt.KeyProvider) is one.
type KeyWrapper interface {
	Wrap(ctx context.Context, key crypt.Secret, aad []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped, aad []byte) (crypt.Secret, error)
}

// signingKeyAAD binds a wrapped signing key to its purpose and version.
func signingKeyAAD(id int) []byte { return []byte("steward-audit-signing-key\x00" + strconv.Itoa(id)) }

// Signer signs checkpoints with the newest signing key and knows every
// trusted key version for verification.
type Signer struct {
	id      int
	priv    ed25519.PrivateKey
	trusted PublicKeys
}

// OpenSigner unwraps the newest signing key in store, creating version 1 on
// first use. When several replicas start together, one creates it and the
// others load it.
func OpenSigner(ctx context.Context, store steward.AuditStore, w KeyWrapper, now func() time.Time) (*Signer, error) {
	keys, err := store.AuditSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		err = createSigningKey(ctx, store, w, 1, now())
		if err != nil && steward.ErrorCode(err) != steward.ECONFLICT {
			return nil, err
		}
		if keys, err = store.AuditSigningKeys(ctx); err != nil {
			return nil, err
		}
	}
	if len(keys) == 0 {
		return nil, steward.Errorf(steward.EINTERNAL, "audit signing key could not be created")
	}
	k := keys[len(keys)-1]
	seed, err := w.Unwrap(ctx, k.Wrapped, signingKeyAAD(k.ID))
	if err != nil {
		return nil, err
	}
	defer seed.Wipe()
	if len(seed) != ed25519.SeedSize {
		return nil, steward.Errorf(steward.EINTERNAL, "audit signing key %d is malformed", k.ID)
	}
	trusted, err := TrustedKeys(ctx, store, w)
	if err != nil {
		return nil, err
	}
	return &Signer{id: k.ID, priv: ed25519.NewKeyFromSeed(seed), trusted: trusted}, nil
}

// createSigningKey generates key version id and stores it wrapped.
func createSigningKey(ctx context.Context, store steward.AuditStore, w KeyWrapper, id int, at time.Time) error {
	seed := make(crypt.Secret, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	defer seed.Wipe()
	priv := ed25519.NewKeyFromSeed(seed)
	wrapped, err := w.Wrap(ctx, seed, signingKeyAAD(id))
	if err != nil {
		return err
	}
	return store.CreateAuditSigningKey(ctx, &steward.AuditSigningKey{ID: id,
		PublicKey: priv.Public().(ed25519.PublicKey), Wrapped: wrapped, CreatedAt: at.UTC()})
}

// SigningKeys rewraps the stored checkpoint signing keys when the master
// key rotates (it is a vault.MasterKeyUser), so the old master version can
// be retired without losing them.
type SigningKeys struct {
	Store   steward.AuditStore
	Wrapper KeyWrapper
}

// RewrapMaster rewraps every genuine signing key under the wrapper's current
// master version and returns the wrapped keys as now stored. A row whose
// private half does not unwrap to its public key is not genuine (see
// TrustedKeys): it is left as it is and not returned, so it cannot keep an
// old master version alive.
func (k SigningKeys) RewrapMaster(ctx context.Context) ([][]byte, error) {
	keys, err := k.Store.AuditSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, sk := range keys {
		seed, err := unwrapGenuine(ctx, k.Wrapper, sk)
		if err != nil {
			return nil, err
		}
		if seed == nil {
			continue
		}
		wrapped, err := k.Wrapper.Wrap(ctx, seed, signingKeyAAD(sk.ID))
		seed.Wipe()
		if err != nil {
			return nil, err
		}
		if err := k.Store.RewrapAuditSigningKey(ctx, sk.ID, wrapped); err != nil {
			return nil, err
		}
		out = append(out, wrapped)
	}
	return out, nil
}

// unwrapGenuine returns the private seed of k if its wrapped half unwraps
// to the stored public key, nil if it does not (the row is not genuine),
// and an error only when the provider cannot be reached.
func unwrapGenuine(ctx context.Context, w KeyWrapper, k *steward.AuditSigningKey) (crypt.Secret, error) {
	seed, err := w.Unwrap(ctx, k.Wrapped, signingKeyAAD(k.ID))
	if err != nil {
		if steward.ErrorCode(err) == steward.EUNAVAILABLE {
			return nil, err
		}
		return nil, nil
	}
	if len(seed) != ed25519.SeedSize ||
		!ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(k.PublicKey)) {
		seed.Wipe()
		return nil, nil
	}
	return seed, nil
}

// KeyID is the version of the key the signer uses.
func (s *Signer) KeyID() int { return s.id }

// Sign sets cp's key id and signature.
func (s *Signer) Sign(cp *steward.AuditCheckpoint) {
	cp.KeyID = s.id
	cp.Signature = ed25519.Sign(s.priv, CheckpointMessage(cp))
}

// PublicKeys are the checkpoint verification keys by version.
type PublicKeys map[int]ed25519.PublicKey

// TrustedKeys returns the public halves of the signing keys in store that
// are genuine: each stored public key is trusted only if its wrapped private
// key unwraps (which needs the master key) to the matching key pair. A key
// row added by someone with write access to the database but not the master
// key is left out, so checkpoints signed with it fail verification.
func TrustedKeys(ctx context.Context, store steward.AuditStore, w KeyWrapper) (PublicKeys, error) {
	keys, err := store.AuditSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := PublicKeys{}
	for _, k := range keys {
		seed, err := unwrapGenuine(ctx, w, k)
		if err != nil {
			return nil, err
		}
		if seed != nil {
			seed.Wipe()
			out[k.ID] = ed25519.PublicKey(k.PublicKey)
		}
	}
	return out, nil
}

// PublicKeys returns the trusted verification keys (see TrustedKeys), read
// when the signer was opened.
func (s *Signer) PublicKeys() PublicKeys { return s.trusted }

// Check verifies cp's signature; it names what is wrong.
func (pk PublicKeys) Check(cp *steward.AuditCheckpoint) string {
	key, ok := pk[cp.KeyID]
	if !ok || len(key) != ed25519.PublicKeySize {
		return "checkpoint is signed by unknown key " + strconv.Itoa(cp.KeyID)
	}
	if !ed25519.Verify(key, CheckpointMessage(cp), cp.Signature) {
		return "checkpoint signature is invalid"
	}
	return ""
}
