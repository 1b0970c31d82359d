package sqlstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestDisclosureLedgerAndLinks: the ledger lists a subject's disclosures
// newest first, per tenant, and outlives the subject's erasure; a one-time
// link is claimed exactly once, even by concurrent claims, and goes with its
// subject.
func TestDisclosureLedgerAndLinks(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		s := mustSubject(t, db, a.ID, "ext1", nil)
		first := &steward.Disclosure{ID: steward.NewID("dsc"), TenantID: a.ID, SubjectID: s.ID, Processor: "kestrel-video",
			Purpose: "essential.service.generation", Categories: []string{"user.content.prompt"}, Files: []string{},
			PolicyVersion: "v1", Retention: "not-retained", Obligations: []string{"no_training"}, At: t0}
		if err := db.AddDisclosure(ctx, first, nil); err != nil {
			t.Fatal(err)
		}
		second := *first
		second.ID, second.Files, second.Text, second.At = steward.NewID("dsc"), []string{"fil_a", "fil_b"}, true, t0.Add(time.Second)
		links := []*steward.DownloadLink{
			{Hash: []byte("hash-live"), TenantID: a.ID, DisclosureID: second.ID, SubjectID: s.ID, FileID: "fil_a", Purpose: second.Purpose,
				Processor: second.Processor, ActorKind: steward.ActorAPIKey, ActorID: "key_1", ExpiresAt: t0.Add(time.Hour)},
			{Hash: []byte("hash-two"), TenantID: a.ID, DisclosureID: second.ID, SubjectID: s.ID, FileID: "fil_b", Purpose: second.Purpose,
				Processor: second.Processor, ActorKind: steward.ActorAPIKey, ActorID: "key_1", ExpiresAt: t0.Add(time.Hour)},
		}
		if err := db.AddDisclosure(ctx, &second, links); err != nil {
			t.Fatal(err)
		}
		got, err := db.Disclosures(ctx, a.ID, s.ID, 10)
		if err != nil || len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID {
			t.Fatalf("Disclosures = %+v, %v; want the second, then the first", got, err)
		}
		if g := got[0]; !slices.Equal(g.Files, second.Files) || !g.Text || g.Retention != "not-retained" ||
			!slices.Equal(g.Obligations, []string{"no_training"}) || !g.At.Equal(second.At) || !slices.Equal(g.Categories, first.Categories) {
			t.Fatalf("stored disclosure = %+v; want %+v", g, second)
		}
		if got, _ := db.Disclosures(ctx, a.ID, s.ID, 1); len(got) != 1 {
			t.Fatalf("limit 1 gave %d", len(got))
		}
		if got, _ := db.Disclosures(ctx, other.ID, s.ID, 10); len(got) != 0 {
			t.Fatalf("another tenant sees %d disclosures", len(got))
		}

		// Concurrent claims of one link: exactly one wins.
		var wg sync.WaitGroup
		wins := make(chan *steward.DownloadLink, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if l, err := db.ClaimDownload(ctx, []byte("hash-live")); err == nil {
					wins <- l
				} else if steward.ErrorCode(err) != steward.ENOTFOUND {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		var won []*steward.DownloadLink
		for l := range wins {
			won = append(won, l)
		}
		if len(won) != 1 || won[0].FileID != "fil_a" || won[0].ActorKind != steward.ActorAPIKey || !won[0].ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("claims won: %+v; want exactly the one link", won)
		}

		// Erasure: the link goes with the subject, the ledger stays.
		if _, err := db.EraseSubject(ctx, a.ID, s.ID, t0); err != nil {
			t.Fatal(err)
		}
		_, err = db.ClaimDownload(ctx, []byte("hash-two"))
		wantCode(t, err, steward.ENOTFOUND)
		if got, _ := db.Disclosures(ctx, a.ID, s.ID, 10); len(got) != 2 {
			t.Fatalf("after erasure the ledger lists %d disclosures; want 2 (it outlives the subject)", len(got))
		}
	})
}

// TestConcurrentDisclosuresShareStatements: ledger rows written at once
// (merged into multi-row inserts by the write batcher on SQLite) are all
// stored, each exactly once.
func TestConcurrentDisclosuresShareStatements(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "ext1", nil)
		var wg sync.WaitGroup
		ids := make([]string, 40)
		for i := range ids {
			ids[i] = steward.NewID("dsc")
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := &steward.Disclosure{ID: ids[i], TenantID: a.ID, SubjectID: s.ID, Processor: "p", Purpose: "essential.service",
					Categories: []string{"user.name"}, PolicyVersion: "1", Retention: "P1D", At: t0.Add(time.Duration(i))}
				if err := db.AddDisclosure(ctx, d, nil); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := db.Disclosures(ctx, a.ID, s.ID, 100)
		if err != nil || len(got) != len(ids) {
			t.Fatalf("stored %d of %d disclosures (%v)", len(got), len(ids), err)
		}
		for _, d := range got {
			if !slices.Contains(ids, d.ID) || len(d.Files) != 0 {
				t.Fatalf("stored disclosure %+v", d)
			}
		}
	})
}
