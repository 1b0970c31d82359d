package blackbox

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// pattern is a reader of size bytes of a repeating pattern (cheap to generate, so
// the benchmark measures steward, not the client).
type pattern struct{ n, size int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.n >= p.size {
		return 0, io.EOF
	}
	k := int64(len(b))
	if rest := p.size - p.n; k > rest {
		k = rest
	}
	for i := range b[:k] {
		b[i] = byte(p.n + int64(i))
	}
	p.n += k
	return int(k), nil
}

// BenchmarkFileRoundTrip uploads and downloads a 256 MiB file through the
// real binary over loopback HTTP, to the local file store: encryption,
// storage, decryption and HTTP together.
//
//	go test ./internal/blackbox -run '^$' -bench FileRoundTrip -benchtime 3x
func BenchmarkFileRoundTrip(b *testing.B) {
	const size = 256 << 20
	s := start(b, testdb.Backends()[0])
	key := s.appKey(strings.Fields(allVault)...)
	id := s.subject(key, map[string]any{"external_id": "bench"})
	b.SetBytes(2 * size) // up and down
	b.ResetTimer()
	for range b.N {
		u := fmt.Sprintf("%s/v1/subjects/%s/files?category=user.content.product_image", s.URL, id)
		req, _ := http.NewRequest("POST", u, &pattern{size: size})
		req.ContentLength = size
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		fileID := strings.Split(strings.Split(string(body), `"id":"`)[1], `"`)[0]
		req, _ = http.NewRequest("GET", s.URL+"/v1/files/"+fileID+"?purpose=essential.service", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size {
			b.Fatalf("download: %d bytes, %v", n, err)
		}
	}
}
