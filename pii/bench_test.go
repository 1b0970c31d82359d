package pii_test

import (
	"strings"
	"testing"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/pii/corpus"
)

// promptText returns n bytes of prompt-like text: generated prompts with
// personal data (about one in three) between plain prose prompts.
func promptText(n int) string {
	prose := []string{
		"Generate a cinematic photo of a lighthouse at dawn with soft fog and warm colors. ",
		"Write three short ad headlines for a vegan bakery that opens next week in the old town. ",
		"Summarize the following meeting notes and list the action items with owners and due dates. ",
		"Create a looping video of ocean waves, 4k, slow motion, no text, calm ambient mood. ",
	}
	samples := corpus.Generate(7, 512)
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(prose[i%len(prose)])
		if i%3 == 0 {
			b.WriteString(samples[i%len(samples)].Text)
			b.WriteByte(' ')
		}
	}
	return b.String()[:n]
}

func benchmarkScan(b *testing.B, n int) {
	s, err := pii.New()
	if err != nil {
		b.Fatal(err)
	}
	text := promptText(n)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Scan(text)
	}
}

func BenchmarkScan1KB(b *testing.B)   { benchmarkScan(b, 1<<10) }
func BenchmarkScan100KB(b *testing.B) { benchmarkScan(b, 100<<10) }
func BenchmarkScan10MB(b *testing.B)  { benchmarkScan(b, 10<<20) }

// BenchmarkScanSentence measures one short prompt, the unit in which
// Presidio's pattern recognizers are usually timed.
func BenchmarkScanSentence(b *testing.B) {
	s, _ := pii.New()
	text := "My name is Maria Garcia, email maria.garcia@gmail.com, phone +44 20 7946 0958."
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Scan(text)
	}
}

// BenchmarkScanReader10MB streams 10 MB through ScanReader (bounded memory).
func BenchmarkScanReader10MB(b *testing.B) {
	s, _ := pii.New()
	text := promptText(10 << 20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := s.ScanReader(strings.NewReader(text), func(pii.Finding) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
