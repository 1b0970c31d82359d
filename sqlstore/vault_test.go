package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

func mustSubject(t *testing.T, db *sqlstore.DB, tenant, ext string, email []byte) *steward.Subject {
	t.Helper()
	s := &steward.Subject{TenantID: tenant, ExternalIndex: []byte(ext), EmailIndex: email, Sealed: []byte("sealed"),
		Region: "eu", WrappedKey: []byte("wrapped-" + ext), KeyVersion: 1, CreatedAt: t0}
	// Its key version must exist (migration 0006).
	err := db.CreateTenantKey(context.Background(), &steward.TenantKey{TenantID: tenant, Version: 1, Wrapped: []byte("tk1"), CreatedAt: t0})
	if err != nil && steward.ErrorCode(err) != steward.ECONFLICT {
		t.Fatal(err)
	}
	if err := db.CreateSubject(context.Background(), s); err != nil {
		t.Fatalf("CreateSubject: %v", err)
	}
	return s
}

func TestSubjectsUniqueAndIsolated(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		s := mustSubject(t, db, a.ID, "ext1", []byte("mail1"))
		mustSubject(t, db, a.ID, "ext2", nil)
		mustSubject(t, db, a.ID, "ext3", nil) // two subjects without email are fine
		// Same external id or email in the tenant: conflict.
		wantCode(t, db.CreateSubject(ctx, &steward.Subject{TenantID: a.ID, ExternalIndex: []byte("ext1"), Sealed: []byte("x"),
			Region: "eu", WrappedKey: []byte("k"), KeyVersion: 1}), steward.ECONFLICT)
		wantCode(t, db.CreateSubject(ctx, &steward.Subject{TenantID: a.ID, ExternalIndex: []byte("ext9"), EmailIndex: []byte("mail1"),
			Sealed: []byte("x"), Region: "eu", WrappedKey: []byte("k"), KeyVersion: 1}), steward.ECONFLICT)
		// The same identifiers in another tenant are another subject.
		mustSubject(t, db, other.ID, "ext1", []byte("mail1"))

		got, err := db.SubjectByIndex(ctx, a.ID, steward.IndexEmail, []byte("mail1"))
		if err != nil || got.ID != s.ID || string(got.WrappedKey) != "wrapped-ext1" {
			t.Fatalf("SubjectByIndex = %+v, %v", got, err)
		}
		_, err = db.Subject(ctx, other.ID, s.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = db.SubjectByIndex(ctx, a.ID, steward.IndexPhone, []byte("none"))
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestRecordsFilesConsentsAndErasure(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		s := mustSubject(t, db, a.ID, "ext1", nil)
		keep := mustSubject(t, db, a.ID, "ext2", nil)

		put := func(tenant, subject, cat, v string) error {
			return db.PutRecord(ctx, &steward.Record{TenantID: tenant, SubjectID: subject, Category: cat, Sealed: []byte(v), UpdatedAt: t0})
		}
		if err := put(a.ID, s.ID, "user.contact.email", "v1"); err != nil {
			t.Fatal(err)
		}
		if err := put(a.ID, s.ID, "user.contact.email", "v2"); err != nil { // upsert
			t.Fatal(err)
		}
		if err := put(a.ID, s.ID, "user.name", "n"); err != nil {
			t.Fatal(err)
		}
		if err := put(a.ID, keep.ID, "user.name", "other"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, put(other.ID, s.ID, "user.name", "x"), steward.ENOTFOUND) // cross-tenant write

		sub, rec, err := db.SubjectRecord(ctx, a.ID, s.ID, "user.contact.email")
		if err != nil || sub.ID != s.ID || rec == nil || string(rec.Sealed) != "v2" {
			t.Fatalf("SubjectRecord = %+v %+v %v", sub, rec, err)
		}
		if _, rec, err := db.SubjectRecord(ctx, a.ID, s.ID, "user.missing"); err != nil || rec != nil {
			t.Fatalf("SubjectRecord(missing category) = %+v, %v", rec, err)
		}
		_, _, err = db.SubjectRecord(ctx, other.ID, s.ID, "user.name")
		wantCode(t, err, steward.ENOTFOUND)
		if rs, _ := db.Records(ctx, a.ID, s.ID); len(rs) != 2 {
			t.Fatalf("Records = %d; want 2", len(rs))
		}

		exp := t0.Add(time.Hour)
		f := &steward.FileMeta{ID: "fil_1", TenantID: a.ID, SubjectID: s.ID, Category: "user.content", Size: 10,
			SealedSHA: []byte("sha"), Ephemeral: true, BlobKey: a.ID + "/fil_1", CreatedAt: t0, ExpiresAt: &exp}
		if err := db.CreateFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		if ex, _ := db.ExpiredFiles(ctx, t0, 10); len(ex) != 0 {
			t.Fatalf("file expired early")
		}
		if ex, _ := db.ExpiredFiles(ctx, exp, 10); len(ex) != 1 || ex[0].ID != "fil_1" || !ex[0].Ephemeral {
			t.Fatalf("ExpiredFiles = %+v", ex)
		}
		_, err = db.File(ctx, other.ID, "fil_1")
		wantCode(t, err, steward.ENOTFOUND)

		for _, g := range []bool{true, false, true} {
			if err := db.AddConsent(ctx, &steward.ConsentRecord{TenantID: a.ID, SubjectID: s.ID, Purpose: "train_ai_system",
				Granted: g, PolicyVersion: "1", Channel: "api", At: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AddConsent(ctx, &steward.ConsentRecord{TenantID: a.ID, SubjectID: s.ID, Purpose: "marketing",
			Granted: false, PolicyVersion: "1", Channel: "api", At: t0}); err != nil {
			t.Fatal(err)
		}
		cs, err := db.Consents(ctx, a.ID, s.ID)
		if err != nil || len(cs) != 2 || cs[0].Purpose != "marketing" || cs[0].Granted || cs[1].Purpose != "train_ai_system" || !cs[1].Granted {
			t.Fatalf("Consents = %+v, %v", cs, err)
		}

		_, err = db.EraseSubject(ctx, other.ID, s.ID, t0)
		wantCode(t, err, steward.ENOTFOUND)
		er, err := db.EraseSubject(ctx, a.ID, s.ID, t0)
		if err != nil || er.Records != 2 || er.Files != 1 || er.Consents != 4 || len(er.BlobKeys) != 1 {
			t.Fatalf("EraseSubject = %+v, %v", er, err)
		}
		_, err = db.Subject(ctx, a.ID, s.ID)
		wantCode(t, err, steward.ENOTFOUND)
		if pend, _ := db.PendingBlobDeletions(ctx, 10); len(pend) != 1 || pend[0] != f.BlobKey {
			t.Fatalf("blob deletion not queued: %v", pend)
		}
		if rs, _ := db.Records(ctx, a.ID, keep.ID); len(rs) != 1 {
			t.Fatal("erasure touched another subject")
		}
		_, err = db.EraseSubject(ctx, a.ID, s.ID, t0)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestSecretsAndTenantKeys(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		if err := db.PutSecret(ctx, &steward.StoredSecret{TenantID: a.ID, Name: "shop", Sealed: []byte("s1"), UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutSecret(ctx, &steward.StoredSecret{TenantID: a.ID, Name: "shop", Sealed: []byte("s2"), UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Secret(ctx, a.ID, "shop")
		if err != nil || string(got.Sealed) != "s2" {
			t.Fatalf("Secret = %+v, %v", got, err)
		}
		_, err = db.Secret(ctx, other.ID, "shop")
		wantCode(t, err, steward.ENOTFOUND)
		if names, _ := db.SecretNames(ctx, a.ID); len(names) != 1 || names[0] != "shop" {
			t.Fatalf("SecretNames = %v", names)
		}
		wantCode(t, db.DeleteSecret(ctx, other.ID, "shop"), steward.ENOTFOUND)
		if err := db.DeleteSecret(ctx, a.ID, "shop"); err != nil {
			t.Fatal(err)
		}

		if err := db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: a.ID, Version: 1, Wrapped: []byte("w1"), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: a.ID, Version: 1, Wrapped: []byte("w"), CreatedAt: t0}), steward.ECONFLICT)
		if err := db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: a.ID, Version: 2, Wrapped: []byte("w2"), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		ks, err := db.TenantKeys(ctx, a.ID)
		if err != nil || len(ks) != 2 || ks[1].Version != 2 {
			t.Fatalf("TenantKeys = %+v, %v", ks, err)
		}
		s := mustSubject(t, db, a.ID, "e", nil)
		old, _ := db.SubjectsByKeyVersion(ctx, a.ID, 2, 10)
		if len(old) != 1 {
			t.Fatalf("SubjectsByKeyVersion = %d", len(old))
		}
		if err := db.RewrapSubject(ctx, a.ID, s.ID, 1, []byte("new"), 2); err != nil {
			t.Fatal(err)
		}
		if old, _ := db.SubjectsByKeyVersion(ctx, a.ID, 2, 10); len(old) != 0 {
			t.Fatal("rewrap did not move the subject to version 2")
		}
		got2, _ := db.Subject(ctx, a.ID, s.ID)
		if string(got2.WrappedKey) != "new" || got2.KeyVersion != 2 {
			t.Fatalf("after rewrap: %+v", got2)
		}
	})
}

// TestKeyVersionGuard: no subject is stored under a tenant key version that
// does not exist, and no version is destroyed while a subject needs it
// (migration 0006), so a rotation racing with a server whose keys are stale
// cannot lose a subject.
func TestKeyVersionGuard(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "ext1", nil) // under version 1
		stale := &steward.Subject{TenantID: a.ID, ExternalIndex: []byte("ext2"), Sealed: []byte("x"), Region: "eu",
			WrappedKey: []byte("k"), KeyVersion: 7, CreatedAt: t0}
		if err := db.CreateSubject(ctx, stale); !errors.Is(err, steward.ErrStaleKeyVersion) {
			t.Fatalf("subject under a missing version: %v", err)
		}
		if err := db.DeleteTenantKey(ctx, a.ID, 1); !errors.Is(err, steward.ErrKeyVersionInUse) {
			t.Fatalf("destroying a version in use: %v", err)
		}
		if err := db.RewrapSubject(ctx, a.ID, s.ID, 1, []byte("k2"), 2); err == nil {
			t.Fatal("rewrapped under a missing version")
		}
		if err := db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: a.ID, Version: 2, Wrapped: []byte("tk2"), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := db.RewrapSubject(ctx, a.ID, s.ID, 1, []byte("k2"), 2); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteTenantKey(ctx, a.ID, 1); err != nil {
			t.Fatalf("destroying an unused version: %v", err)
		}
		if keys, _ := db.TenantKeys(ctx, a.ID); len(keys) != 1 || keys[0].Version != 2 {
			t.Fatalf("tenant keys %+v", keys)
		}
	})
}
