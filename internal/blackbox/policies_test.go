package blackbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// Edits of the starter policy for the policy version tests.
var (
	// starterV2 is a new version in which a processor of the consent-based
	// generation purpose receives more data (a material change).
	starterV2 = []string{"effective: 2026-05-21\n  version: \"2026-05-21\"", "effective: 2026-06-01\n  version: \"2026-06\"",
		"categories: [user.content.prompt, user.content.product_image, user.content.generated_image]",
		"categories: [user.content.prompt, user.content.product_image, user.content.generated_image, user.content.brand_asset]"}
	// starterSameVersion changes the text but keeps the version.
	starterSameVersion = []string{"name: Kestrel Video AI", "name: Kestrel Video"}
)

// policyServer starts servers on one data folder and database, one at a
// time, each with the policy file given.
type policyServer struct {
	t        *testing.T
	data, db string // db: "" for SQLite in the data folder, else a DSN
	key      string // the bootstrap admin key of the first start
}

func newPolicyServer(t *testing.T, b testdb.Backend) *policyServer {
	ps := &policyServer{t: t, data: filepath.Join(t.TempDir(), "data")}
	if b.Name == "postgres" {
		ps.db = b.Database(t)
	}
	return ps
}

func (ps *policyServer) args(policyFile string) []string {
	args := []string{"--data", ps.data, "--policy", policyFile}
	if ps.db != "" {
		args = append(args, "--database", ps.db)
	}
	return args
}

// start starts a server with the policy file.
func (ps *policyServer) start(policyFile string) *server {
	s := startArgs(ps.t, ps.data, ps.args(policyFile)...)
	if ps.key == "" {
		ps.key = s.Key
	}
	s.Key = ps.key
	return s
}

// sqlDB opens the server's database for reading.
func (ps *policyServer) sqlDB() *sql.DB {
	if ps.db == "" {
		return readOnly(ps.t, filepath.Join(ps.data, "steward.db"))
	}
	db, err := sql.Open("pgx", ps.db)
	if err != nil {
		ps.t.Fatal(err)
	}
	ps.t.Cleanup(func() { db.Close() })
	return db
}

// policyOf returns the policy in force as a server answers it.
func policyOf(t *testing.T, s *server) client.Policy {
	t.Helper()
	r := s.do("GET", "/v1/policy", s.Key, nil)
	expect(t, r, 200)
	var p client.Policy
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func versionsOf(t *testing.T, s *server) []client.PolicyVersion {
	t.Helper()
	r := s.do("GET", "/v1/policy/versions", s.Key, nil)
	expect(t, r, 200)
	var l struct {
		Versions []client.PolicyVersion `json:"versions"`
	}
	if err := json.Unmarshal(r.Body, &l); err != nil {
		t.Fatal(err)
	}
	return l.Versions
}

// TestPolicyVersions: the policy in force lives in the database. The first
// start imports its file; a restart with the same file adds nothing; a
// restart with a new version puts it in force with a policy.changed event
// in the outbox and an audit event; a file that reuses a stored version for
// other text is refused; the notices of the current and earlier versions
// and the GPC resource are served without a key; a tenant whose home
// region the policy does not store in is refused.
func TestPolicyVersions(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ps := newPolicyServer(t, b)
		v1, v2 := examplePolicy(t, "ad-asset-studio.yaml"), examplePolicy(t, "ad-asset-studio.yaml", starterV2...)
		src1, _ := os.ReadFile(v1)

		s := ps.start(v1)
		p := policyOf(t, s)
		if p.Version != "2026-05-21" || !p.InForce || p.Source != string(src1) || p.EnforcedAt == nil || p.Effective != "2026-05-21" {
			t.Fatalf("first start: %+v", p.PolicyVersion)
		}
		if i := summaryPurpose(p.Summary, "essential.service.generation"); i < 0 || p.Summary.Purposes[i].Basis != "consent" ||
			len(p.Summary.Purposes[i].Processors) != 4 || len(p.Summary.Regions.Storage) != 1 {
			t.Fatalf("summary: %+v", p.Summary)
		}
		// A tenant must live where the policy stores data.
		r := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "EU customer", "home_region": "eu"})
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), `"path":"home_region"`) {
			t.Fatalf("tenant outside the storage regions: %s", r.Body)
		}
		tenant := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "US customer", "home_region": "us"})
		expect(t, tenant, 201)
		tenantID := tenant.JSON(t)["tenant"].(map[string]any)["id"].(string)
		s.stop()

		s = ps.start(v1)
		if vs := versionsOf(t, s); len(vs) != 1 {
			t.Fatalf("a restart with the same file: versions %+v", vs)
		}
		s.stop()

		s = ps.start(v2)
		if p := policyOf(t, s); p.Version != "2026-06" || p.Effective != "2026-06-01" {
			t.Fatalf("after a start with a new version: %+v", p.PolicyVersion)
		}
		if vs := versionsOf(t, s); len(vs) != 2 || vs[0].InForce || !vs[1].InForce {
			t.Fatalf("versions: %+v", vs)
		}
		checkPolicyChanged(t, ps.sqlDB(), tenantID)
		waitAudit(t, s, "?action=policy.change")

		d := s.do("GET", "/v1/policy/diff?from=2026-05-21&to=2026-06", s.Key, nil)
		expect(t, d, 200)
		if body := string(d.Body); !strings.Contains(body, `"path":"processors[kestrel-video].categories"`) || strings.Contains(body, `"material":0`) {
			t.Fatalf("diff: %s", body)
		}
		expect(t, s.do("GET", "/v1/policy/diff?from=nope", s.Key, nil), 404)
		expect(t, s.do("GET", "/v1/policy/diff", s.Key, nil), 400)

		// Public pages, without a key.
		for path, want := range map[string]string{"/privacy": "text/html", "/privacy.md": "text/markdown",
			"/privacy/versions/2026-05-21": "text/html"} {
			r := s.do("GET", path, "", nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), want) || !strings.Contains(string(r.Body), "Pictora Labs") {
				t.Fatalf("GET %s: %d %s", path, r.Status, r.Header.Get("Content-Type"))
			}
		}
		if r := s.do("GET", "/privacy/versions/1999", "", nil); r.Status != 404 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.Body), "no such policy version") {
			t.Fatalf("unknown version: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		gpc := s.do("GET", "/.well-known/gpc.json", "", nil)
		expect(t, gpc, 200)
		if g := gpc.JSON(t); g["gpc"] != true || g["lastUpdate"] != "2026-06-01" {
			t.Fatalf("gpc.json: %s", gpc.Body)
		}
		s.stop()

		// A version names one text.
		out := refusedStart(t, append(ps.args(examplePolicy(t, "ad-asset-studio.yaml", append(starterV2, starterSameVersion...)...)),
			"--listen", "127.0.0.1:0")...)
		if !strings.Contains(out, `declares organisation.version "2026-06", which the database holds already with different text`) {
			t.Fatalf("same version, other text:\n%s", out)
		}
		// A new policy that drops a tenant's home region is refused, naming it.
		euOnly := examplePolicy(t, "ad-asset-studio.yaml", "effective: 2026-05-21\n  version: \"2026-05-21\"", "effective: 2026-07-01\n  version: \"eu\"",
			"storage: [us]", "storage: [eu]", "safeguards: [dpa]\n", "safeguards: [dpa, sccs]\n", "safeguards: [dpa]\n", "safeguards: [dpa, sccs]\n")
		out = refusedStart(t, append(ps.args(euOnly), "--listen", "127.0.0.1:0")...)
		if !strings.Contains(out, "2 tenant(s) live in another home region") || !strings.Contains(out, tenantID+" (us)") {
			t.Fatalf("policy without a tenant's region:\n%s", out)
		}
	})
}

func summaryPurpose(s client.PolicySummary, key string) int {
	for i, p := range s.Purposes {
		if p.Key == key {
			return i
		}
	}
	return -1
}

// checkPolicyChanged reads the tenant's outbox straight from the database
// (GET /v1/events belongs to the outbox): one policy.changed event from the
// first version to the second, naming the purpose that changed materially.
func checkPolicyChanged(t *testing.T, db *sql.DB, tenantID string) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT type, data FROM events WHERE tenant_id = $1`, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var typ, data string
		if err := rows.Scan(&typ, &data); err != nil {
			t.Fatal(err)
		}
		if typ == "policy.changed" {
			found = append(found, data)
		}
	}
	if len(found) != 1 {
		t.Fatalf("policy.changed events of the tenant: %v", found)
	}
	var d struct {
		From, To string
		Purposes []string
	}
	if err := json.Unmarshal([]byte(found[0]), &d); err != nil || d.From != "2026-05-21" || d.To != "2026-06" ||
		len(d.Purposes) != 1 || d.Purposes[0] != "essential.service.generation" {
		t.Fatalf("policy.changed data: %s", found[0])
	}
}

// waitAudit waits until the caller's audit log has an event the query
// selects (a journaled event reaches the chain within milliseconds).
func waitAudit(t *testing.T, s *server, query string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if len(s.auditPage(s.Key, query).Events) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audit event for %s", query)
		}
	}
}

// TestPolicyFollowedAcrossReplicas: two servers on one PostgreSQL
// database; a server started with a new policy puts it in force, and the
// one already running serves it within the poll bound (1 s) plus slack.
func TestPolicyFollowedAcrossReplicas(t *testing.T) {
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	dsn := testdb.PostgresDSN(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	args := func(data, policyFile string) []string {
		return []string{"--data", data, "--database", dsn, "--master-key-file", keyFile, "--policy", policyFile}
	}
	d1, d2 := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	a := startArgs(t, d1, args(d1, examplePolicy(t, "ad-asset-studio.yaml"))...)
	if p := policyOf(t, a); p.Version != "2026-05-21" {
		t.Fatalf("A: %s", p.Version)
	}
	b := startArgs(t, d2, args(d2, examplePolicy(t, "ad-asset-studio.yaml", starterV2...))...)
	b.Key = a.Key
	started := time.Now()
	if p := policyOf(t, b); p.Version != "2026-06" {
		t.Fatalf("B: %s", p.Version)
	}
	for {
		if p := policyOf(t, a); p.Version == "2026-06" {
			t.Logf("A followed in %v", time.Since(started).Round(time.Millisecond))
			break
		}
		if time.Since(started) > 3*time.Second {
			t.Fatal("A still serves the old version 3 s after B put a new one in force")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A restarted with its old file follows the database, not its flag.
	a.stop()
	a = startArgs(t, d1, args(d1, examplePolicy(t, "ad-asset-studio.yaml"))...)
	a.Key = b.Key
	if p := policyOf(t, a); p.Version != "2026-06" {
		t.Fatalf("A restarted with the old file enforces %s; want the database's 2026-06", p.Version)
	}
}

// clientPolicy drives the policy routes through the Go client.
func clientPolicy(ctx context.Context, t *testing.T, admin, public *client.Client) {
	p := got(admin.Policy(ctx)).must(t)
	if p.Version == "" || !p.InForce || len(p.Summary.Purposes) == 0 {
		t.Fatalf("policy: %+v", p.PolicyVersion)
	}
	if vs := got(admin.PolicyVersions(ctx)).must(t); len(vs) != 1 || vs[0].Version != p.Version {
		t.Fatalf("versions: %+v", vs)
	}
	if d := got(admin.PolicyDiff(ctx, p.Version, "")).must(t); len(d.Changes) != 0 || d.Material != 0 {
		t.Fatalf("diff of a version with itself: %+v", d)
	}
	if html := got(public.PrivacyNotice(ctx)).must(t); !strings.Contains(string(html), "<html") {
		t.Fatal("the notice is not HTML")
	}
	if md := got(public.PrivacyNoticeMarkdown(ctx)).must(t); !strings.HasPrefix(string(md), "# ") {
		t.Fatalf("the Markdown notice: %.40s", md)
	}
	got(public.PrivacyNoticeVersion(ctx, p.Version)).must(t)
	if _, err := public.PrivacyNoticeVersion(ctx, "no-such-version"); client.StatusOf(err) != 404 {
		t.Fatalf("unknown version: %v", err)
	}
	if g := got(public.GPC(ctx)).must(t); !g.GPC || g.LastUpdate != p.Effective {
		t.Fatalf("gpc: %+v", g)
	}
	// Stage the next version (its notices go to the --dev-mail printer).
	src, effective := upcomingPolicy(t, "2099-09", 45)
	if up := got(admin.StagePolicy(ctx, client.StagePolicy{Source: src, Effective: effective})).must(t); up.Version != "2099-09" ||
		len(up.Material) == 0 || up.Notices == nil {
		t.Fatalf("staged: %+v", up)
	}
	if up := got(admin.UpcomingPolicy(ctx)).must(t); up.Version != "2099-09" || up.Effective != effective {
		t.Fatalf("upcoming: %+v", up)
	}
}
