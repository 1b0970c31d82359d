package blackbox

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// BenchmarkConsolePages renders every console page through the real
// binary on SQLite, signed in as an owner, with a store of
// STEWARD_BENCH_PEOPLE people (default 500), STEWARD_BENCH_REQUESTS rights
// requests (default 100) and STEWARD_BENCH_EVENTS audit events (default
// 5,000), and reports the 95th percentile of each page's time in ms (the
// goal: at most 50 ms with 100,000 people, 10,000 requests and 1,000,000
// events):
//
//	STEWARD_BENCH_PEOPLE=100000 STEWARD_BENCH_REQUESTS=10000 STEWARD_BENCH_EVENTS=1000000 \
//	  go test ./internal/blackbox -run '^$' -bench ConsolePages -benchtime 200x -timeout 30m
func BenchmarkConsolePages(b *testing.B) {
	people, reqs, events := envInt("STEWARD_BENCH_PEOPLE", 500), envInt("STEWARD_BENCH_REQUESTS", 100), envInt("STEWARD_BENCH_EVENTS", 5000)
	s := start(b, testdb.Backends()[0], "--rate-limit-key", "1000000", "--rate-limit-ip", "1000000")
	app := s.appKey("records:write", "records:read", "requests:write", "requests:verify")
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}} // no contract check: seeding only
	call := func(method, path string, body string) (int, string) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+app)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	// Seed in parallel: people (each an audit event), requests, then reads
	// of people (subject.read) until the audit log holds the events asked.
	ids := make([]string, people)
	parallel(b, people, func(i int) {
		code, body := call("POST", "/v1/subjects", fmt.Sprintf(`{"external_id": "bench-%d", "email": "person%d@example.org"}`, i, i))
		if code != 201 {
			b.Fatalf("subject %d: %d %s", i, code, body)
		}
		ids[i] = body[strings.Index(body, "sub_") : strings.Index(body, "sub_")+30]
	})
	// Half stay open (unverified: no mail is configured), half run and
	// complete (restriction, objection, consent withdrawal change flags
	// only, so every person stays).
	types := []string{"restriction", "objection", "consent_withdrawal"}
	parallel(b, reqs, func(i int) {
		body := fmt.Sprintf(`{"type": "access", "subject": {"id": %q}}`, ids[i%people])
		if i%2 == 1 {
			body = fmt.Sprintf(`{"type": %q, "subject": {"id": %q}, "verified_by": "application"}`, types[i%len(types)], ids[i%people])
		}
		code, body := call("POST", "/v1/requests", body)
		if code != 201 {
			b.Fatalf("request %d: %d %s", i, code, body)
		}
	})
	if more := events - people - 2*reqs; more > 0 {
		parallel(b, more, func(i int) {
			if code, body := call("GET", "/v1/subjects/"+ids[i%people], ""); code != 200 {
				b.Fatalf("read: %d %s", code, body)
			}
		})
	}
	// An owner sees every page (keys and staff too).
	const email, pass = "bench.owner@example.org", "a long passphrase for the benchmark"
	expect(b, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "owner"}), 201)
	br := newBrowser(b, s)
	br.signIn(email, pass)
	someRequest := regexp.MustCompile(`req_[a-z2-7]{26}`).FindString(br.get("/console/requests").body)
	pages := []string{"/console/", "/console/people", "/console/people/" + ids[people/2], "/console/requests",
		"/console/requests?status=unverified", "/console/requests/" + someRequest, "/console/audit",
		"/console/audit?subject=" + ids[people/3], "/console/policy", "/console/incidents", "/console/keys", "/console/staff", "/console/grants"}
	label := func(p string) string { // ids vary from run to run
		return regexp.MustCompile(`(sub|req)_[a-z2-7]{26}`).ReplaceAllString(p, "$1_…")
	}
	times := make(map[string][]time.Duration, len(pages))
	samples := envInt("STEWARD_BENCH_SAMPLES", 20)
	b.ResetTimer()
	for range samples {
		for _, p := range pages {
			t0 := time.Now()
			pg := br.get(p)
			times[p] = append(times[p], time.Since(t0))
			if pg.status != 200 {
				b.Fatalf("%s: %d\n%s", p, pg.status, pg.body)
			}
		}
	}
	b.StopTimer()
	worst := time.Duration(0)
	var report strings.Builder
	for _, p := range pages {
		d := times[p]
		slices.Sort(d)
		p95 := d[min(len(d)-1, len(d)*95/100)]
		worst = max(worst, p95)
		fmt.Fprintf(&report, "\n%-40s p95 %6.1f ms  median %6.1f ms", label(p), ms(p95), ms(d[len(d)/2]))
	}
	b.Log(report.String()) // one entry: the benchmark log keeps only a few lines
	b.ReportMetric(ms(worst), "worst-p95-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// parallel runs fn(0..n-1) on 16 goroutines.
func parallel(b *testing.B, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
