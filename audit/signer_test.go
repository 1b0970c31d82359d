package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/crypt/keyfile"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestSigningKeysFollowMasterRotation: after the master key rotates, the
// signing keys are rewrapped under the new version, so the old one can be
// destroyed and the key still signs and verifies. A forged key row is left
// alone and does not keep the old version in use.
func TestSigningKeysFollowMasterRotation(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		db := b.Open(t)
		keys, err := keyfile.Open(filepath.Join(t.TempDir(), "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		signer, err := audit.OpenSigner(ctx, db, keys, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		forgedPub, _, _ := ed25519.GenerateKey(nil)
		forged := &steward.AuditSigningKey{ID: 7, PublicKey: forgedPub, Wrapped: []byte("not a wrapped key"), CreatedAt: time.Now()}
		if err := db.CreateAuditSigningKey(ctx, forged); err != nil {
			t.Fatal(err)
		}
		nv, err := keys.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		blobs, err := audit.SigningKeys{Store: db, Wrapper: keys}.RewrapMaster(ctx)
		if err != nil || len(blobs) != 1 {
			t.Fatalf("rewrap = %d blobs, %v; want the one genuine key", len(blobs), err)
		}
		if v, err := keys.WrappedVersion(blobs[0]); err != nil || v != nv {
			t.Fatalf("rewrapped under version %d (%v); want %d", v, err, nv)
		}
		if err := keys.Retire(ctx, nv-1); err != nil {
			t.Fatal(err)
		}
		trusted, err := audit.TrustedKeys(ctx, db, keys)
		if err != nil || len(trusted) != 1 || !trusted[signer.KeyID()].Equal(signerPublic(t, db, signer.KeyID())) {
			t.Fatalf("trusted after retiring the old master version = %v, %v", trusted, err)
		}
		stored, _ := db.AuditSigningKeys(ctx)
		if got := stored[len(stored)-1]; got.ID != 7 || !bytes.Equal(got.Wrapped, forged.Wrapped) {
			t.Fatalf("the forged row was changed: %+v", got)
		}
		if err := db.RewrapAuditSigningKey(ctx, 99, blobs[0]); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("rewrap of a missing version = %v; want ENOTFOUND", err)
		}
	})
}

// signerPublic returns the stored public key of signing key version id.
func signerPublic(t *testing.T, db steward.AuditStore, id int) ed25519.PublicKey {
	t.Helper()
	keys, err := db.AuditSigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.ID == id {
			return k.PublicKey
		}
	}
	t.Fatalf("no signing key %d", id)
	return nil
}
