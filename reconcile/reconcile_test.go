package reconcile_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/blob/blobtest"
	"github.com/steward-privacy/steward/blob/local"
	"github.com/steward-privacy/steward/reconcile"
)

// rows knows the file rows "t1/f-known".
type rows map[string]bool

func (r rows) File(ctx context.Context, tenantID, id string) (*steward.FileMeta, error) {
	if r[tenantID+"/"+id] {
		return &steward.FileMeta{ID: id, TenantID: tenantID}, nil
	}
	return nil, steward.Errorf(steward.ENOTFOUND, "file not found")
}

type auditRecorder struct {
	mu     sync.Mutex
	events []steward.AuditEvent
}

func (a *auditRecorder) Append(ctx context.Context, e *steward.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, *e)
	return nil
}

func (a *auditRecorder) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return a.Append(ctx, e)
}

// TestRemovesOnlyOldLeftovers: blobs without a row and partial uploads older
// than the grace period go; a blob with a row, a young blob without one
// (its row may be on its way) and keys of another layout stay; the tenant's
// audit event carries the counts.
func TestRemovesOnlyOldLeftovers(t *testing.T) {
	s, err := local.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"t1/files/f-known", "t1/files/f-orphan", "t2/files/f-orphan", "other/layout"} {
		blobtest.MustPut(t, s, k, []byte("ciphertext"))
	}
	tmp := filepath.Join(s.Root(), "t1", "files", "@00", ".tmp-42")
	_ = os.MkdirAll(filepath.Dir(tmp), 0o700)
	_ = os.WriteFile(tmp, []byte("partial"), 0o600)

	audit := &auditRecorder{}
	now := time.Now()
	sw := reconcile.New(reconcile.Options{Files: s, Rows: rows{"t1/f-known": true}, Audit: audit, Grace: time.Hour,
		Now: func() time.Time { return now }})
	res, err := sw.Run(context.Background())
	if err != nil || res.OrphanBlobs+res.PartialUploads != 0 {
		t.Fatalf("within the grace period Run = %+v, %v; want nothing removed", res, err)
	}

	now = now.Add(2 * time.Hour)
	res, err = sw.Run(context.Background())
	if err != nil || res.OrphanBlobs != 2 || res.PartialUploads != 1 {
		t.Fatalf("after the grace period Run = %+v, %v; want 2 orphans and 1 partial upload", res.Counts, err)
	}
	var keys []string
	_ = s.List(context.Background(), "", func(i blob.Info) error { keys = append(keys, i.Key); return nil })
	slices.Sort(keys)
	if want := []string{"other/layout", "t1/files/f-known"}; !slices.Equal(keys, want) {
		t.Errorf("store holds %v; want %v", keys, want)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file still there: %v", err)
	}
	got := map[string][]string{}
	for _, e := range audit.events {
		if e.Action != steward.ActionFilesReconcile || e.Actor != "system:reconcile" {
			t.Errorf("unexpected event %+v", e)
		}
		got[e.TenantID] = e.Reasons
	}
	if !slices.Equal(got["t1"], []string{"orphan_blobs:1", "partial_uploads:1"}) || !slices.Equal(got["t2"], []string{"orphan_blobs:1", "partial_uploads:0"}) {
		t.Errorf("audit events %v", got)
	}
	if res, _ := sw.Run(context.Background()); res.OrphanBlobs+res.PartialUploads != 0 || len(audit.events) != 2 {
		t.Errorf("a second pass removed %+v and recorded %d events", res.Counts, len(audit.events))
	}
}
