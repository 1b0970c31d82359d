package pii_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/pii/corpus"
)

// denseText returns n bytes made only of personal data (corpus.Dense).
func denseText(n int) string { return corpus.Dense(11, n) }

// distinctEmails returns n bytes of distinct e-mail addresses (about 55 a
// KB, the density of the slow case reported in issue 11).
func distinctEmails(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "u%d@example.org ", i)
	}
	return b.String()[:n]
}

// benchmarkPseudonymize scans and pseudonymizes text into a new conversation
// each time (the worst case: every value is new), with the mapping sealed
// into a MemoryStore, and reports the sealed mapping's size.
func benchmarkPseudonymize(b *testing.B, text string) {
	s, err := pii.New()
	if err != nil {
		b.Fatal(err)
	}
	store := &sizeStore{Store: pii.NewMemoryStore(nil)}
	p, err := pii.NewPseudonymizer(pii.PseudonymizerConfig{Key: make([]byte, pii.KeySize), Store: store})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Pseudonymize(ctx, fmt.Sprint("c", i), text, s.Scan(text)); err != nil {
			b.Fatal(err)
		}
		if err := p.Forget(ctx, fmt.Sprint("c", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if _, err := p.Pseudonymize(ctx, "size", text, s.Scan(text)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(store.last), "mapping-bytes")
	b.ReportMetric(float64(len(s.Scan(text))), "findings")
}

// sizeStore is a Store that remembers the size of the last mapping put.
type sizeStore struct {
	pii.Store
	last int
}

func (s *sizeStore) Put(ctx context.Context, key string, sealed []byte, prev uint64, expires time.Time) (uint64, error) {
	s.last = len(sealed)
	return s.Store.Put(ctx, key, sealed, prev, expires)
}

// The largest text one request may carry (256 KiB), and a quarter of it: the
// MB/s of both are equal when the cost is linear.
func BenchmarkPseudonymizeDense64KB(b *testing.B)  { benchmarkPseudonymize(b, denseText(64<<10)) }
func BenchmarkPseudonymizeDense256KB(b *testing.B) { benchmarkPseudonymize(b, denseText(256<<10)) }
func BenchmarkPseudonymizeEmails64KB(b *testing.B) { benchmarkPseudonymize(b, distinctEmails(64<<10)) }
func BenchmarkPseudonymizeEmails256KB(b *testing.B) {
	benchmarkPseudonymize(b, distinctEmails(256<<10))
}

// BenchmarkScanDense256KB is the scan alone on the text of
// BenchmarkPseudonymizeDense256KB.
func BenchmarkScanDense256KB(b *testing.B) {
	s, err := pii.New()
	if err != nil {
		b.Fatal(err)
	}
	text := denseText(256 << 10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Scan(text)
	}
}
