package vault_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// tombstoneRecorder is a vault.Tombstones that records, or fails.
type tombstoneRecorder struct {
	fail    error
	appends []string
	// subjectExisted records whether the subject was still there when its
	// tombstone was appended (it must be: tombstone first).
	subjectExisted []bool
	db             interface {
		Subject(ctx context.Context, tenantID, id string) (*steward.Subject, error)
	}
}

func (r *tombstoneRecorder) Append(ctx context.Context, tenantID, subjectID string) error {
	if r.fail != nil {
		return r.fail
	}
	_, err := r.db.Subject(context.Background(), tenantID, subjectID)
	r.appends = append(r.appends, tenantID+"/"+subjectID)
	r.subjectExisted = append(r.subjectExisted, err == nil)
	return nil
}

func withTombstones(t *testing.T, f *fixture, tb vault.Tombstones) *vault.Vault {
	return vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit,
		Policy: loadPolicy(t, "ad-asset-studio.yaml"), Now: f.clock, Tombstones: tb})
}

// TestErasureAppendsTombstoneFirst: the tombstone is recorded while the
// subject still exists, and an erasure whose tombstone cannot be written
// does not happen (a restore would bring the subject back otherwise).
func TestErasureAppendsTombstoneFirst(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		rec := &tombstoneRecorder{db: f.db}
		v := withTombstones(t, f, rec)
		ctx := f.service()
		s, _ := v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a"})
		if err := v.PutRecord(ctx, s.ID, "user.contact.email", json.RawMessage(`"a@example.org"`)); err != nil {
			t.Fatal(err)
		}
		rec.fail = steward.Errorf(steward.EINTERNAL, "tombstone file: write failed")
		if _, err := v.Erase(ctx, s.ID); err == nil {
			t.Fatal("erasure succeeded without its tombstone")
		}
		if _, err := v.Subject(ctx, s.ID); err != nil {
			t.Fatalf("a failed tombstone append erased the subject anyway: %v", err)
		}
		rec.fail = nil
		if _, err := v.Erase(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if want := []string{f.tenant.ID + "/" + s.ID}; !slices.Equal(rec.appends, want) || !rec.subjectExisted[0] {
			t.Errorf("tombstones %v (subject existed: %v); want %v appended before the erasure", rec.appends, rec.subjectExisted, want)
		}
	})
}

// TestReplayErasure: a replayed erasure erases like Erase, as the system
// actor with the reason code tombstone_replay, and appends no tombstone.
func TestReplayErasure(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		rec := &tombstoneRecorder{db: f.db}
		v := withTombstones(t, f, rec)
		ctx := f.service()
		s, _ := v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a"})
		fv, err := v.PutFile(ctx, s.ID, "user.content.product_image", false, strings.NewReader("image bytes"))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := v.ReplayErasure(context.Background(), f.tenant.ID, s.ID)
		if err != nil || !ev.KeyDestroyed || ev.Files != 1 {
			t.Fatalf("ReplayErasure = %+v, %v", ev, err)
		}
		e := f.audit.last()
		if e.Action != steward.ActionSubjectErase || e.Actor != "system:tombstone_replay" || !slices.Equal(e.Reasons, []string{"tombstone_replay"}) || e.SubjectID != s.ID {
			t.Errorf("replay audited as %+v", e)
		}
		if _, err := f.files.Get(context.Background(), f.tenant.ID+"/files/"+fv.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Errorf("blob survived the replayed erasure: %v", err)
		}
		if len(rec.appends) != 0 {
			t.Errorf("a replay appended tombstones %v", rec.appends)
		}
		if _, err := v.ReplayErasure(context.Background(), f.tenant.ID, s.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Errorf("second replay = %v; want ENOTFOUND", err)
		}
	})
}
