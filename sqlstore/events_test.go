package sqlstore_test

import (
	"context"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestEvents: the outbox keeps events per tenant in order, pages by cursor,
// and never shows one tenant's events to another.
func TestEvents(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		var want []string
		for i := range 5 {
			e, err := steward.NewEvent(a.ID, steward.EventConsentChanged, t0, map[string]int{"n": i})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.AppendEvents(ctx, e); err != nil {
				t.Fatal(err)
			}
			want = append(want, e.ID)
		}
		foreign, _ := steward.NewEvent(other.ID, steward.EventPolicyChanged, t0, nil)
		if err := db.AppendEvents(ctx, foreign); err != nil {
			t.Fatal(err)
		}
		first, err := db.Events(ctx, a.ID, 0, 3)
		if err != nil || len(first) != 3 {
			t.Fatalf("first page: %d events, %v", len(first), err)
		}
		rest, err := db.Events(ctx, a.ID, first[2].Seq, 10)
		if err != nil || len(rest) != 2 {
			t.Fatalf("second page: %d events, %v", len(rest), err)
		}
		for i, e := range append(first, rest...) {
			if e.ID != want[i] || e.Type != steward.EventConsentChanged || !e.Timestamp.Equal(t0) || string(e.Data) != `{"n":`+string(rune('0'+i))+`}` {
				t.Errorf("event %d = %+v; want id %s", i, e, want[i])
			}
		}
	})
}
