package vault_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// TestRetentionExpiresEphemeralFiles is G4 for files: an ephemeral file
// never downloaded is deleted by the retention pass once its TTL passed,
// not before; the deletion is audited.
func TestRetentionExpiresEphemeralFiles(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u"})
		eph, err := f.v.PutFile(ctx, s.ID, "user.content.product_image", true, strings.NewReader("temp"))
		if err != nil {
			t.Fatal(err)
		}
		keep, err := f.v.PutFile(ctx, s.ID, "user.content.product_image", false, strings.NewReader("keep"))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.v.ExpireFiles(context.Background()); err != nil || n != 0 {
			t.Fatalf("ExpireFiles before the TTL = %d, %v", n, err)
		}
		f.now = f.now.Add(time.Hour + time.Second)
		// Past its TTL the file cannot be downloaded even before the job runs.
		_, _, _, err = f.v.OpenFile(ctx, eph.ID, vault.Access{Purpose: "essential.service"})
		wantCode(t, err, steward.ENOTFOUND)
		if n, err := f.v.ExpireFiles(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpireFiles after the TTL = %d, %v", n, err)
		}
		if _, err := f.files.Get(context.Background(), f.tenant.ID+"/files/"+eph.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("expired blob still stored: %v", err)
		}
		if e := f.audit.last(); e.Action != steward.ActionFileExpire || e.Actor != "system:retention" || e.Target != eph.ID {
			t.Fatalf("expiry not audited: %+v", e)
		}
		if string(download(t, f, keep.ID, nil)) != "keep" {
			t.Fatal("retention deleted a file that had no expiry")
		}
		if n, _ := f.v.FlushBlobDeletions(context.Background()); n != 0 {
			t.Fatalf("FlushBlobDeletions found %d owed deletions; want 0", n)
		}
	})
}

// TestRetentionExpiresRecords is G4 for records: an IP address (PT24H in
// the policy) is deleted once a day old; an email (until account deletion)
// is kept.
func TestRetentionExpiresRecords(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u"})
		for cat, val := range map[string]string{"user.device.ip_address": `"10.1.2.3"`, "user.contact.email": `"a@b.org"`} {
			if err := f.v.PutRecord(ctx, s.ID, cat, []byte(val)); err != nil {
				t.Fatal(err)
			}
		}
		f.now = f.now.Add(23 * time.Hour)
		if n, err := f.v.ExpireRecords(context.Background()); err != nil || n != 0 {
			t.Fatalf("ExpireRecords at 23h = %d, %v", n, err)
		}
		f.now = f.now.Add(time.Hour + time.Second)
		if n, err := f.v.ExpireRecords(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpireRecords at 24h = %d, %v", n, err)
		}
		recs, _ := f.db.Records(context.Background(), f.tenant.ID, s.ID)
		if len(recs) != 1 || recs[0].Category != "user.contact.email" {
			t.Fatalf("records left: %+v", recs)
		}
		if e := f.audit.last(); e.Action != steward.ActionRetention || e.SubjectID != s.ID || e.Categories[0] != "user.device.ip_address" {
			t.Fatalf("purge not audited: %+v", e)
		}
	})
}
