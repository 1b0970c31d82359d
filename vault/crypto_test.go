package vault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/vault"
)

// TestTamperedRecordsFail: a changed ciphertext, or two records' ciphertexts
// swapped, give an error, never wrong data.
func TestTamperedRecordsFail(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		a, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a"})
		b, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "b"})
		put := func(sub, cat, v string) {
			if err := f.v.PutRecord(ctx, sub, cat, json.RawMessage(v)); err != nil {
				t.Fatal(err)
			}
		}
		put(a.ID, "user.contact.email", `"a@x.org"`)
		put(a.ID, "user.content.prompt", `"prompt a"`)
		put(b.ID, "user.contact.email", `"b@x.org"`)
		read := func(sub, cat string) error {
			_, err := f.v.GetRecord(ctx, sub, cat, vault.Access{Purpose: "essential.service"})
			return err
		}
		sealed := func(sub, cat string) []byte {
			_, r, err := f.db.SubjectRecord(context.Background(), f.tenant.ID, sub, cat)
			if err != nil {
				t.Fatal(err)
			}
			return r.Sealed
		}
		overwrite := func(sub, cat string, v []byte) {
			if err := f.db.PutRecord(context.Background(), &steward.Record{TenantID: f.tenant.ID, SubjectID: sub, Category: cat,
				Sealed: v, UpdatedAt: f.now}); err != nil {
				t.Fatal(err)
			}
		}
		// Swap two categories of one subject, and the same category of two subjects.
		ae, ap, be := sealed(a.ID, "user.contact.email"), sealed(a.ID, "user.content.prompt"), sealed(b.ID, "user.contact.email")
		overwrite(a.ID, "user.contact.email", ap)
		if err := read(a.ID, "user.contact.email"); err == nil {
			t.Fatal("a record moved to another category decrypted")
		}
		overwrite(a.ID, "user.contact.email", be)
		if err := read(a.ID, "user.contact.email"); err == nil {
			t.Fatal("a record moved to another subject decrypted")
		}
		// Flip one byte anywhere.
		for i := range ae {
			bad := bytes.Clone(ae)
			bad[i] ^= 0x01
			overwrite(a.ID, "user.contact.email", bad)
			if err := read(a.ID, "user.contact.email"); err == nil {
				t.Fatalf("a record with byte %d flipped decrypted", i)
			}
		}
		overwrite(a.ID, "user.contact.email", ae)
		if err := read(a.ID, "user.contact.email"); err != nil {
			t.Fatalf("the restored record fails: %v", err)
		}
	})
}

func TestFilesStreamAndEphemeral(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a"})
		data := make([]byte, 300<<10+17) // several segments and a partial one
		rand.Read(data)
		fv, err := f.v.PutFile(ctx, s.ID, "user.content.product_image", false, bytes.NewReader(data))
		if err != nil || fv.Size != int64(len(data)) {
			t.Fatalf("PutFile = %+v, %v", fv, err)
		}
		got := download(t, f, fv.ID, nil)
		if !bytes.Equal(got, data) {
			t.Fatal("downloaded bytes differ")
		}
		// The stored blob is ciphertext: it does not contain the plaintext.
		stored := readBlob(t, f.files, f.tenant.ID+"/files/"+fv.ID)
		if bytes.Contains(stored, data[:64]) {
			t.Fatal("plaintext found in the file store")
		}
		// Truncating the blob gives an error, never a short file presented as whole.
		writeBlob(t, f.files, f.tenant.ID+"/files/"+fv.ID, stored[:len(stored)-100])
		_, body, _, err := f.v.OpenFile(ctx, fv.ID, vault.Access{Purpose: "essential.service"})
		if err == nil {
			_, err = io.ReadAll(body)
			body.Close()
		}
		if err == nil {
			t.Fatal("a truncated file read without error")
		}

		// Ephemeral: gone after the first complete download.
		ev, err := f.v.PutFile(ctx, s.ID, "user.content.product_image", true, strings.NewReader("ephemeral bytes"))
		if err != nil {
			t.Fatal(err)
		}
		if string(download(t, f, ev.ID, nil)) != "ephemeral bytes" {
			t.Fatal("ephemeral content differs")
		}
		_, _, _, err = f.v.OpenFile(ctx, ev.ID, vault.Access{Purpose: "essential.service"})
		wantCode(t, err, steward.ENOTFOUND)
		if _, err := f.files.Get(context.Background(), f.tenant.ID+"/files/"+ev.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("ephemeral blob still stored: %v", err)
		}
		// Purpose-checked: a file read for a prohibited purpose is denied.
		_, _, _, err = f.v.OpenFile(ctx, fv.ID, vault.Access{Purpose: "train_ai_system"})
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

func download(t *testing.T, f *fixture, id string, a *vault.Access) []byte {
	t.Helper()
	acc := vault.Access{Purpose: "essential.service"}
	if a != nil {
		acc = *a
	}
	fv, body, done, err := f.v.OpenFile(f.service(), id, acc)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	done(int64(len(b)) == fv.Size)
	return b
}

func readBlob(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	r, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return b
}

func writeBlob(t *testing.T, s blob.Store, key string, b []byte) {
	t.Helper()
	if _, err := s.Put(context.Background(), key, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
}

// TestErasureIsCryptoShredding: after erasure the subject is gone, and
// ciphertexts copied aside before cannot be decrypted with the master key,
// because the data key that sealed them no longer exists anywhere (G3).
func TestErasureIsCryptoShredding(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a", Email: "erase.me@example.org"})
		keep, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "b"})
		if err := f.v.PutRecord(ctx, s.ID, "user.contact.email", json.RawMessage(`"erase.me@example.org"`)); err != nil {
			t.Fatal(err)
		}
		if err := f.v.PutRecord(ctx, keep.ID, "user.contact.email", json.RawMessage(`"keep@example.org"`)); err != nil {
			t.Fatal(err)
		}
		fv, err := f.v.PutFile(ctx, s.ID, "user.content.product_image", false, strings.NewReader("image bytes"))
		if err != nil {
			t.Fatal(err)
		}
		_, rec, _ := f.db.SubjectRecord(context.Background(), f.tenant.ID, s.ID, "user.contact.email")
		copied := bytes.Clone(rec.Sealed)
		blobCopy := readBlob(t, f.files, f.tenant.ID+"/files/"+fv.ID)

		ev, err := f.v.Erase(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ev.KeyDestroyed || ev.Records != 1 || ev.Files != 1 || ev.FilesPending != 0 || ev.AuditSeq == 0 {
			t.Fatalf("evidence = %+v", ev)
		}
		if e := f.audit.last(); e.Action != steward.ActionSubjectErase || e.SubjectID != s.ID || e.Seq != ev.AuditSeq {
			t.Fatalf("erasure not audited: %+v", e)
		}
		_, err = f.v.Subject(ctx, s.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = f.v.FindSubject(ctx, "email", "erase.me@example.org")
		wantCode(t, err, steward.ENOTFOUND)
		if _, err := f.files.Get(context.Background(), f.tenant.ID+"/files/"+fv.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("blob survived erasure: %v", err)
		}
		// Every tenant key, unwrapped with the master key, fails to open the
		// copied ciphertexts: nothing but the destroyed data key could.
		tks, _ := f.db.TenantKeys(context.Background(), f.tenant.ID)
		for _, tk := range tks {
			key, err := crypt.OpenTenantKey(context.Background(), f.keys, f.tenant.ID, tk.Version, tk.Wrapped)
			if err != nil {
				t.Fatal(err)
			}
			aad := crypt.AAD{Tenant: f.tenant.ID, Subject: s.ID, Kind: crypt.KindRecord, Name: "user.contact.email"}.Bytes()
			if _, err := crypt.Open(key, copied, aad); err == nil {
				t.Fatal("a tenant key opened the erased subject's record")
			}
			fileAAD := crypt.AAD{Tenant: f.tenant.ID, Subject: s.ID, Kind: crypt.KindFile, Name: fv.ID}.Bytes()
			r, err := crypt.NewDecryptReader(bytes.NewReader(blobCopy), func(uint32) (*crypt.Key, error) { return key, nil }, fileAAD)
			if err == nil {
				_, err = io.ReadAll(r)
			}
			if err == nil {
				t.Fatal("a tenant key opened the erased subject's file")
			}
		}
		// The other subject is untouched.
		if _, err := f.v.GetRecord(ctx, keep.ID, "user.contact.email", vault.Access{Purpose: "essential.service"}); err != nil {
			t.Fatalf("erasure touched another subject: %v", err)
		}
		wantCode(t, func() error { _, err := f.v.Erase(ctx, s.ID); return err }(), steward.ENOTFOUND)
	})
}

func TestSecretsNeedTheirOwnScope(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		admin := f.as(steward.ActorAPIKey, steward.ScopeAdmin)
		if err := f.v.PutSecret(admin, "shop-token", "shpat_canary_123"); err != nil {
			t.Fatal(err)
		}
		_, err := f.v.Secret(admin, "shop-token")
		wantCode(t, err, steward.EFORBIDDEN)
		got, err := f.v.Secret(f.as(steward.ActorAPIKey, steward.ScopeSecretsRead), "shop-token")
		if err != nil || got != "shpat_canary_123" {
			t.Fatalf("Secret = %q, %v", got, err)
		}
		names, _ := f.v.SecretNames(admin)
		if len(names) != 1 || names[0] != "shop-token" {
			t.Fatalf("SecretNames = %v", names)
		}
		wantCode(t, f.v.PutSecret(admin, "../x", "v"), steward.EINVALID)
		if err := f.v.DeleteSecret(admin, "shop-token"); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.Secret(f.as(steward.ActorAPIKey, steward.ScopeSecretsRead), "shop-token")
		wantCode(t, err, steward.ENOTFOUND)
	})
}
