package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/postgres"
)

// TestInvalidationsDeliverAndReconnect: a payload sent with NotifySQL
// reaches the listener; when the listener's connection is killed it says
// it is down, reconnects, says it is up, and hears payloads again.
func TestInvalidationsDeliverAndReconnect(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The listener names itself, so the kill below ends it alone and not
	// the listeners of other tests sharing the database.
	app := strings.ReplaceAll(steward.NewID("notifytest"), "_", "")
	inv := postgres.NewInvalidations(dsn+"&application_name="+app, nil)
	got, ups := make(chan string, 16), make(chan bool, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		inv.Listen(ctx, func(p string) { got <- p }, func(up bool) { ups <- up })
		close(done)
	}()
	defer func() { cancel(); <-done }()
	expectUp := func(want bool) {
		t.Helper()
		select {
		case up := <-ups:
			if up != want {
				t.Fatalf("listener up = %v; want %v", up, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no up(%v) within 10s", want)
		}
	}
	send := func(p string) {
		t.Helper()
		if _, err := db.Exec(inv.NotifySQL(), p); err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case r := <-got:
				if r == p {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("payload %q not heard within 5s", p)
			}
		}
	}
	expectUp(true)
	send("one ten_a/sub_a")
	// Kill the listening connection, as a failover or a network cut would.
	if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, app); err != nil {
		t.Fatal(err)
	}
	expectUp(false)
	expectUp(true)
	send("two ten_a/sub_b")
}
