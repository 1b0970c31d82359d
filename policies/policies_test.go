package policies

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/sqlstore"
)

// version sets the starter's version (and effective date).
func version(v, effective string) []string {
	return []string{`effective: 2026-05-21
  version: "2026-05-21"`, "effective: " + effective + "\n  version: \"" + v + "\""}
}

// Edits of the starter policy used by the tests.
var (
	// kestrelMore: a processor of the generation purpose receives more data.
	kestrelMore = []string{"categories: [user.content.prompt, user.content.product_image, user.content.generated_image]",
		"categories: [user.content.prompt, user.content.product_image, user.content.generated_image, user.content.brand_asset]"}
	// euOnly: data is stored in the EU only (the US processors under SCCs).
	euOnly = []string{"storage: [us]", "storage: [eu]", "safeguards: [dpa]\n", "safeguards: [dpa, sccs]\n",
		"safeguards: [dpa]\n", "safeguards: [dpa, sccs]\n"}
	// generationMore: the generation purpose uses more data.
	generationMore = []string{"      - user.content.generated_video\n", "      - user.content.generated_video\n      - user.device.ip_address\n"}
)

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

type fixture struct {
	db    *sqlstore.DB
	svc   *Service
	audit *testpolicy.AuditLog
	clock *testpolicy.Clock
}

func newFixture(t *testing.T, b testdb.Backend) *fixture {
	f := &fixture{db: b.Open(t), audit: &testpolicy.AuditLog{}, clock: testpolicy.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))}
	f.svc = f.service(f.db)
	return f
}

func (f *fixture) service(db *sqlstore.DB) *Service {
	return New(Options{Store: db, Audit: f.audit, Now: f.clock.Now, Interval: 10 * time.Millisecond})
}

func (f *fixture) importFile(t *testing.T, src []byte) *Imported {
	t.Helper()
	im, err := f.svc.Import(context.Background(), "policy.yaml", src, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return im
}

func (f *fixture) tenant(t *testing.T, name, region string) string {
	t.Helper()
	ten := &steward.Tenant{Name: name, HomeRegion: region, CreatedAt: f.clock.Now()}
	if err := f.db.CreateTenant(context.Background(), ten); err != nil {
		t.Fatal(err)
	}
	return ten.ID
}

// TestImportOnce: the first import puts the policy in force; the same file
// again adds nothing; the same version with other text is refused and
// writes nothing.
func TestImportOnce(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		if im := f.importFile(t, testpolicy.Starter(t)); !im.New || im.Staged {
			t.Fatalf("first import: %+v", im)
		}
		cur := f.svc.Current()
		if cur.Version.Version != "2026-05-21" || cur.Decider.Version() != "2026-05-21" || len(cur.HTML) == 0 {
			t.Fatalf("current: %+v", cur.Version)
		}
		if im := f.importFile(t, testpolicy.Starter(t)); im.New {
			t.Fatalf("same file imported again: %+v", im)
		}
		_, err := f.svc.Import(ctx, "changed.yaml", testpolicy.Starter(t, kestrelMore...), ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), `declares organisation.version "2026-05-21", which the database holds already with different text`) {
			t.Fatalf("same version, other text: %v", err)
		}
		vs, err := f.db.PolicyVersions(ctx)
		if err != nil || len(vs) != 1 || vs[0].EnforcedAt == nil {
			t.Fatalf("versions = %v, %v; want the one, enforced", vs, err)
		}
		// The starter is imported only into an empty database.
		if im, err := f.svc.Import(ctx, "starter", testpolicy.Starter(t, version("other", "2026-05-21")...), ImportOptions{KeepStored: true}); err != nil || !im.Skipped {
			t.Fatalf("starter over a stored policy: %+v, %v", im, err)
		}
	})
}

// TestPolicyChange: a new version comes into force with a policy.changed
// event in every tenant's outbox and an audit event per tenant, naming the
// versions and the purposes that changed materially.
func TestPolicyChange(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		f.importFile(t, testpolicy.Starter(t))
		t1, t2 := f.tenant(t, "one", "us"), f.tenant(t, "two", "us")
		f.importFile(t, testpolicy.Starter(t, concat(version("2026-06", "2026-06-01"), kestrelMore)...))
		if v := f.svc.Current().Version.Version; v != "2026-06" {
			t.Fatalf("in force: %s; want 2026-06", v)
		}
		for _, ten := range []string{t1, t2} {
			evs, err := f.db.Events(ctx, ten, 0, 10)
			if err != nil || len(evs) != 1 || evs[0].Type != steward.EventPolicyChanged {
				t.Fatalf("events of %s: %v, %v", ten, evs, err)
			}
			var data changeData
			if err := json.Unmarshal(evs[0].Data, &data); err != nil {
				t.Fatal(err)
			}
			if data.From != "2026-05-21" || data.To != "2026-06" || len(data.Purposes) != 1 ||
				data.Purposes[0] != "essential.service.generation" || data.Material == 0 {
				t.Fatalf("event data: %s", evs[0].Data)
			}
		}
		audits := f.audit.Actions(steward.ActionPolicyChange)
		if len(audits) != 2 || audits[0].Target != "2026-06" || audits[0].Actor != "system:policy" ||
			!strings.Contains(strings.Join(audits[0].Reasons, " "), "from:2026-05-21 to:2026-06") {
			t.Fatalf("audit events: %+v", audits)
		}
	})
}

// TestConsentStale: consents for a purpose that changed materially are
// stale when given under an earlier version, not under the one in force;
// a processor's change touches consents naming it or none; unchanged
// purposes are never stale.
func TestConsentStale(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0])
	f.importFile(t, testpolicy.Starter(t))
	const gen, v1, v2, v3 = "essential.service.generation", "2026-05-21", "2026-06", "2026-07"
	f.importFile(t, testpolicy.Starter(t, concat(version(v2, "2026-06-01"), kestrelMore)...))
	tests := []struct {
		given, purpose, processor string
		want                      bool
	}{
		{v1, gen, "kestrel-video", true},  // the processor receives more
		{v1, gen, "", true},               // a consent to every processor covers it
		{v1, gen, "lumen-prompt", false},  // another processor: unchanged
		{v2, gen, "kestrel-video", false}, // given under the text in force
		{v2, gen, "", false},
		{v1, "essential.service", "", false}, // unchanged purposes never go stale
		{v1, "essential.service.security", "", false},
		{"unknown", gen, "kestrel-video", true}, // changed since some stored version
		{"unknown", gen, "lumen-prompt", false},
		{"unknown", "essential.service", "", false},
	}
	check := func(when string) {
		for _, tt := range tests {
			if got := f.svc.ConsentStale(tt.given, tt.purpose, tt.processor); got != tt.want {
				t.Errorf("%s: ConsentStale(%q, %q, %q) = %v; want %v", when, tt.given, tt.purpose, tt.processor, got, tt.want)
			}
		}
	}
	check("v2")
	// v3 widens the purpose itself: every consent for it under v1 or v2 is
	// stale, for every processor.
	f.importFile(t, testpolicy.Starter(t, concat(version(v3, "2026-07-01"), kestrelMore, generationMore)...))
	tests = []struct {
		given, purpose, processor string
		want                      bool
	}{
		{v1, gen, "lumen-prompt", true},
		{v2, gen, "lumen-prompt", true},
		{v2, gen, "", true},
		{v3, gen, "lumen-prompt", false},
		{v2, "essential.service", "", false},
	}
	check("v3")
	if allocs := testing.AllocsPerRun(100, func() { f.svc.ConsentStale(v1, gen, "kestrel-video") }); allocs != 0 {
		t.Errorf("ConsentStale allocates %v times", allocs)
	}
}

// TestStaged: a version whose effective date is ahead waits; on its date
// the next Sync of any replica puts it in force and the others follow.
func TestStaged(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		f.importFile(t, testpolicy.Starter(t))
		other := f.service(f.db) // a second replica on the same database
		if _, err := other.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		im := f.importFile(t, testpolicy.Starter(t, concat(version("2027-01", "2027-01-01"), kestrelMore)...))
		if !im.Staged || f.svc.Current().Version.Version != "2026-05-21" {
			t.Fatalf("future version: %+v, in force %s", im, f.svc.Current().Version.Version)
		}
		changed := make(chan string, 1)
		other.OnChange(func(c *Current) { changed <- c.Version.Version })
		f.clock.Set(time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC))
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		go other.Run(runCtx)
		select {
		case v := <-changed:
			if v != "2027-01" {
				t.Fatalf("switched to %s", v)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the staged version did not come into force on its date")
		}
		if cur, err := f.svc.Sync(ctx); err != nil || cur.Version.Version != "2027-01" || cur.Version.EnforcedAt == nil {
			t.Fatalf("the first replica: %+v, %v", cur, err)
		}
	})
}

// TestTenantRegions: a new policy that stores no data in a tenant's home
// region is refused, naming the tenant; so is a first start whose
// operator region the policy does not store in.
func TestTenantRegions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.Backends()[0])
	_, err := f.svc.Import(ctx, "p.yaml", testpolicy.Starter(t), ImportOptions{FirstTenantRegion: "eu"})
	if err == nil || !strings.Contains(err.Error(), `not in "eu"`) {
		t.Fatalf("operator region not stored: %v", err)
	}
	f.importFile(t, testpolicy.Starter(t))
	id := f.tenant(t, "one", "us")
	_, err = f.svc.Import(ctx, "p.yaml", testpolicy.Starter(t, concat(version("eu-only", "2026-06-01"), euOnly)...), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "1 tenant(s)") || !strings.Contains(err.Error(), id+" (us)") {
		t.Fatalf("tenant region dropped: %v", err)
	}
	if _, err := f.db.PolicyVersion(ctx, "eu-only"); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Fatalf("the refused version was stored: %v", err)
	}
}
