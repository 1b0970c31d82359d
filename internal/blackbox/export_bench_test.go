package blackbox

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// BenchmarkExportPackage builds and downloads the export package of one
// person holding many records and large files, through the real binary:
// an access request, the runner building the zip (decrypting every file,
// hashing every entry, encrypting the package), and the download. It
// reports MB/s of file bytes exported end to end, and apart the building
// (from the request to its completion: the runner's wait for its next tick,
// then the package built and stored) and the download, and the server's
// peak resident memory. Size with STEWARD_BENCH_EXPORT_MB (default 64) and
// STEWARD_BENCH_EXPORT_RECORDS (default 200):
//
//	STEWARD_BENCH_EXPORT_MB=1024 STEWARD_BENCH_EXPORT_RECORDS=10000 go test ./internal/blackbox -run '^$' -bench ExportPackage -benchtime 1x
func BenchmarkExportPackage(b *testing.B) {
	mb := envInt("STEWARD_BENCH_EXPORT_MB", 64)
	records := envInt("STEWARD_BENCH_EXPORT_RECORDS", 200)
	s := start(b, testdb.Backends()[0], "--job-interval", "1s")
	key := s.appKey(append(strings.Fields(allVault), "requests:write", "requests:verify")...)
	id := s.subject(key, map[string]any{"external_id": "export-bench"})
	// Records: one per category key below user.content (custom keys under
	// declared ones), so the package has many entries.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range records {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := s.do("PUT", fmt.Sprintf("/v1/subjects/%s/data/user.content.prompt.n%d", id, i), key, map[string]any{"value": fmt.Sprintf("prompt number %d", i)})
			if r.Status != 204 {
				b.Errorf("record %d: %d %s", i, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	const files = 8
	per := int64(mb) << 20 / files
	for range files {
		req, _ := http.NewRequest("POST", s.URL+"/v1/subjects/"+id+"/files?category=user.content.product_image", &pattern{size: per})
		req.ContentLength = per
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			b.Fatalf("upload: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	b.SetBytes(per * files)
	b.ResetTimer()
	var peak float64
	var building, downloading time.Duration
	for range b.N {
		t0 := time.Now()
		r := s.do("POST", "/v1/requests", key, map[string]any{"type": "access", "subject": map[string]any{"id": id}, "verified_by": "application"})
		if r.Status != 201 {
			b.Fatalf("request: %d %s", r.Status, r.Body)
		}
		reqID := r.JSON(b)["id"].(string)
		var url string
		for deadline := time.Now().Add(40*time.Second + time.Duration(mb)*100*time.Millisecond); url == ""; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("the export did not complete:\n%s", s.stderr.String()[max(0, s.stderr.Len()-3000):])
			}
			peak = max(peak, residentMB(b, s))
			v := s.do("GET", "/v1/requests/"+reqID, key, nil).JSON(b)
			if v["status"] == "completed" {
				url, _ = v["result"].(map[string]any)["download_url"].(string)
			}
		}
		t1 := time.Now()
		building += t1.Sub(t0)
		resp, err := http.Get(s.URL + url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n < per*files/2 {
			b.Fatalf("download: %d bytes, %v", n, err)
		}
		downloading += time.Since(t1)
	}
	mbs := func(d time.Duration) float64 { return float64(per*files) * float64(b.N) / (1 << 20) / d.Seconds() }
	b.ReportMetric(mbs(building), "build-MB/s")
	b.ReportMetric(mbs(downloading), "download-MB/s")
	b.ReportMetric(peak, "peak-RSS-MB")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

var rssLine = regexp.MustCompile(`(?m)^process_resident_memory_bytes ([0-9.e+]+)$`)

// residentMB reads the server's resident memory from /metrics.
func residentMB(tb testing.TB, s *server) float64 {
	r := s.do("GET", "/metrics", "", nil)
	m := rssLine.FindSubmatch(r.Body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v / (1 << 20)
}
