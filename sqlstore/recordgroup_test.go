package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

// TestConcurrentRecordWritesEachGetTheirOutcome: many record writes at
// once (grouped into shared statements on PostgreSQL, shared transactions
// on SQLite) each get their own outcome: a write for an unknown subject,
// or for a subject of another tenant, fails alone with ENOTFOUND; several
// writes of one record leave one of the values written; every other write
// is stored.
func TestConcurrentRecordWritesEachGetTheirOutcome(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) { concurrentRecordWrites(t, b) })
}

// TestRecordWritesRetriedAloneWhenTheirGroupFails: when a group's statement
// fails (a deadlock with another replica's group, say), each write is
// retried alone and still gets its own outcome.
func TestRecordWritesRetriedAloneWhenTheirGroupFails(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		sqlstore.FailRecordGroups(t, errors.New("deadlock detected"))
		concurrentRecordWrites(t, b)
	})
}

// concurrentRecordWrites writes records concurrently and checks each
// write's outcome (see TestConcurrentRecordWritesEachGetTheirOutcome).
func concurrentRecordWrites(t *testing.T, b testdb.Backend) {
	db := b.Open(t)
	ctx := context.Background()
	a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
	const subjects = 24
	ids := make([]string, subjects)
	for i := range ids {
		ids[i] = mustSubject(t, db, a.ID, fmt.Sprintf("ext%d", i), nil).ID
	}
	foreign := mustSubject(t, db, other.ID, "ext-b", nil).ID
	type write struct {
		r    *steward.Record
		want string // "" (written) or the error code
	}
	var writes []write
	for round := range 4 {
		for i, id := range ids {
			writes = append(writes, write{r: &steward.Record{TenantID: a.ID, SubjectID: id, Category: "user.contact.email",
				Sealed: fmt.Appendf(nil, "v%d-%d", i, round), UpdatedAt: t0}})
		}
		writes = append(writes,
			write{r: &steward.Record{TenantID: a.ID, SubjectID: "sub_missing", Category: "user.contact.email", Sealed: []byte("x"), UpdatedAt: t0},
				want: steward.ENOTFOUND},
			// A subject of tenant B named in a write of tenant A.
			write{r: &steward.Record{TenantID: a.ID, SubjectID: foreign, Category: "user.contact.email", Sealed: []byte("x"), UpdatedAt: t0},
				want: steward.ENOTFOUND})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(writes))
	for i, w := range writes {
		wg.Go(func() { errs[i] = db.PutRecord(ctx, w.r) })
	}
	wg.Wait()
	for i, w := range writes {
		if w.want == "" && errs[i] != nil {
			t.Fatalf("write %d (%s): %v", i, w.r.SubjectID, errs[i])
		}
		if w.want != "" {
			wantCode(t, errs[i], w.want)
		}
	}
	for i, id := range ids {
		recs, err := db.Records(ctx, a.ID, id)
		if err != nil || len(recs) != 1 {
			t.Fatalf("subject %d: records %v, %v; want one", i, recs, err)
		}
		ok := false
		for round := range 4 {
			ok = ok || string(recs[0].Sealed) == fmt.Sprintf("v%d-%d", i, round)
		}
		if !ok {
			t.Fatalf("subject %d holds %q, not one of the values written", i, recs[0].Sealed)
		}
	}
	if recs, err := db.Records(ctx, other.ID, foreign); err != nil || len(recs) != 0 {
		t.Fatalf("tenant B's subject got records %v, %v; want none", recs, err)
	}
}

// TestRecordGroupLooksUpSubjectsByKey: the generic plan PostgreSQL caches
// for the group statement finds each row's subject by its primary key,
// never by scanning the subjects table (a plain JOIN did, once the table
// had a few hundred rows).
func TestRecordGroupLooksUpSubjectsByKey(t *testing.T) {
	onBackend(t, "postgres", "the statement is PostgreSQL's", func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		for i := range 500 {
			mustSubject(t, db, a.ID, fmt.Sprintf("ext%d", i), nil)
		}
		conn, err := db.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, q := range []string{`ANALYZE subjects`, `SET plan_cache_mode = force_generic_plan`,
			`PREPARE grouped(text[], bytea[], bigint[], text[], text[]) AS ` + sqlstore.PutRecordGroupSQL} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		rows, err := conn.QueryContext(ctx, `EXPLAIN EXECUTE grouped('{c}', '{\x00}', '{1}', '{t}', '{s}')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if p := plan.String(); !strings.Contains(p, "Index Scan using subjects_pkey") || strings.Contains(p, "Seq Scan on subjects") {
			t.Fatalf("the group statement's generic plan does not look subjects up by key:\n%s", p)
		}
	})
}

// TestRecordRewritesAreHOT: on PostgreSQL, rewriting a record within the
// hour of its last write, by a group or alone, is a HOT update (no new
// index entries; old versions pruned without VACUUM), because no indexed
// column changes (migration 0077); a rewrite in a later hour moves the
// record in the retention index, which is not.
func TestRecordRewritesAreHOT(t *testing.T) {
	onBackend(t, "postgres", "HOT updates are PostgreSQL's", func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "ext", nil)
		hour := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		if err := db.PutRecord(ctx, &steward.Record{TenantID: a.ID, SubjectID: s.ID, Category: "user.content.prompt", Sealed: []byte("v"), UpdatedAt: hour}); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		micros := func(t time.Time) int64 { return t.UnixMicro() }
		const rewrites = 20
		for i := range rewrites {
			at := hour.Add(time.Duration(i+1) * time.Minute)
			if _, err := tx.ExecContext(ctx, sqlstore.PutRecordGroupSQL, []string{"user.content.prompt"}, [][]byte{fmt.Appendf(nil, "g%d", i)},
				[]int64{micros(at)}, []string{a.ID}, []string{s.ID}); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, sqlstore.PutRecordSQL, "user.content.prompt", fmt.Appendf(nil, "o%d", i), micros(at), a.ID, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		updates := func() (all, hot int) {
			if err := tx.QueryRowContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'records'::regclass`).Scan(&all, &hot); err != nil {
				t.Fatal(err)
			}
			return all, hot
		}
		if all, hot := updates(); all != 2*rewrites || hot != all {
			t.Fatalf("%d of %d rewrites within the hour were HOT updates, want all %d", hot, all, 2*rewrites)
		}
		if _, err := tx.ExecContext(ctx, sqlstore.PutRecordSQL, "user.content.prompt", []byte("later"), micros(hour.Add(time.Hour)), a.ID, s.ID); err != nil {
			t.Fatal(err)
		}
		if all, hot := updates(); all != 2*rewrites+1 || hot != 2*rewrites {
			t.Fatalf("a rewrite in the next hour: %d updates, %d HOT; want %d, %d (the retention index holds the hour)", all, hot, 2*rewrites+1, 2*rewrites)
		}
	})
}

// onBackend runs test on one backend only (skipped on the others, saying
// why) with a fresh database.
func onBackend(t *testing.T, name, why string, test func(t *testing.T, db *sqlstore.DB)) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		if b.Name != name {
			t.Skip(why)
		}
		test(t, b.Open(t))
	})
}
