package vault_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

func TestTenantKeyRotation(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		var ids []string
		for i := range 1200 { // more than one rewrap batch
			s, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: fmt.Sprint("u", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		for _, id := range ids[:3] {
			if err := f.v.PutRecord(ctx, id, "user.contact.email", json.RawMessage(`"x@y.org"`)); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.v.PutSecret(f.as(steward.ActorAPIKey, steward.ScopeAdmin), "shop", "token-1"); err != nil {
			t.Fatal(err)
		}
		var seen []vault.Progress
		p, err := f.v.RotateTenantKey(context.Background(), f.tenant.ID, 0, func(p vault.Progress) {
			seen = append(seen, p)
			// Reads and writes keep working in the middle of the rotation.
			if _, err := f.v.GetRecord(ctx, ids[0], "user.contact.email", vault.Access{Purpose: "essential.service"}); err != nil {
				t.Errorf("read during rotation: %v", err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 2 || p.Total != 1201 || p.Done != 1201 || !p.Finished || len(p.Retired) != 1 || p.Retired[0] != 1 {
			t.Fatalf("progress = %+v", p)
		}
		if len(seen) < 3 {
			t.Fatalf("progress reported %d times; want several", len(seen))
		}
		keys, _ := f.db.TenantKeys(context.Background(), f.tenant.ID)
		if len(keys) != 1 || keys[0].Version != 2 {
			t.Fatalf("tenant keys after rotation: %+v", keys)
		}
		// A fresh vault (no cached keys) still reads everything.
		fresh := vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit, Policy: f.v.Policy(), Now: f.clock})
		for _, id := range ids[:3] {
			if _, err := fresh.GetRecord(ctx, id, "user.contact.email", vault.Access{Purpose: "essential.service"}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := fresh.Secret(f.as(steward.ActorAPIKey, steward.ScopeSecretsRead), "shop"); err != nil || got != "token-1" {
			t.Fatalf("secret after rotation = %q, %v", got, err)
		}
	})
}

func TestMasterKeyRotation(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u"})
		if err := f.v.PutRecord(ctx, s.ID, "user.contact.email", json.RawMessage(`"x@y.org"`)); err != nil {
			t.Fatal(err)
		}
		p, err := f.v.RotateMasterKey(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 2 || p.Done != 1 || len(p.Retired) != 1 || p.Retired[0] != 1 {
			t.Fatalf("progress = %+v", p)
		}
		versions, _ := f.keys.Versions(context.Background())
		if len(versions) != 1 || versions[0].Version != 2 {
			t.Fatalf("master versions = %+v", versions)
		}
		fresh := vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit, Policy: f.v.Policy(), Now: f.clock})
		if _, err := fresh.GetRecord(ctx, s.ID, "user.contact.email", vault.Access{Purpose: "essential.service"}); err != nil {
			t.Fatalf("read after master rotation: %v", err)
		}
		// A blob still wrapped by version 2 keeps it after the next rotation.
		keys, _ := f.db.TenantKeys(context.Background(), f.tenant.ID)
		p, err = f.v.RotateMasterKey(context.Background(), []vault.MasterKeyUser{heldBlob(keys[0].Wrapped)}, nil)
		if err != nil || len(p.Kept) != 1 || p.Kept[0] != 2 || len(p.Retired) != 0 {
			t.Fatalf("second rotation = %+v, %v", p, err)
		}
	})
}

// heldBlob is a master key user that holds one blob and never rewraps it.
type heldBlob []byte

func (h heldBlob) RewrapMaster(context.Context) ([][]byte, error) { return [][]byte{h}, nil }

// TestStaleServerAfterRotation: a server whose cached tenant keys predate a
// rotation that already destroyed the old version (grace 0) still stores
// new subjects under a version that exists, so nothing is lost.
func TestStaleServerAfterRotation(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		if _, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "before"}); err != nil { // caches version 1
			t.Fatal(err)
		}
		rotator := vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit, Policy: f.v.Policy(), Now: f.clock})
		p, err := rotator.RotateTenantKey(context.Background(), f.tenant.ID, 0, nil)
		if err != nil || len(p.Retired) != 1 || p.Retired[0] != 1 {
			t.Fatalf("rotation = %+v, %v", p, err)
		}
		s, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "after"}) // f.v still has version 1 as current
		if err != nil {
			t.Fatalf("create with stale keys: %v", err)
		}
		if err := f.v.PutRecord(ctx, s.ID, "user.contact.email", json.RawMessage(`"a@b.org"`)); err != nil {
			t.Fatal(err)
		}
		fresh := vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit, Policy: f.v.Policy(), Now: f.clock})
		if _, err := fresh.GetRecord(ctx, s.ID, "user.contact.email", vault.Access{Purpose: "essential.service"}); err != nil {
			t.Fatalf("a subject created by the stale server cannot be read: %v", err)
		}
	})
}
