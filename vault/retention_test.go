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
