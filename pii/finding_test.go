package pii_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/pii/corpus"
)

// TestAppendJSONMatchesMarshal: Finding.AppendJSON writes what json.Marshal
// writes, for the findings of the corpus and for unusual scores and names.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	s, err := pii.New(pii.WithThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	fs := s.Scan(corpus.Dense(5, 32<<10))
	for _, score := range []float64{0, 1, 0.35, 1e-7, 2.5e-9, 1e21, -0.5, math.NaN(), math.Inf(1)} {
		fs = append(fs, pii.Finding{Entity: pii.Phone, Start: 1, End: 2, Score: score, Recognizer: "x"})
	}
	fs = append(fs, pii.Finding{Entity: "A<&>\"\\\n", Recognizer: "é\x01"})
	for _, f := range fs {
		want, err := json.Marshal(f)
		if err != nil {
			want = []byte("null")
		}
		if got := f.AppendJSON([]byte("[")); string(got) != "["+string(want) {
			t.Errorf("AppendJSON(%+v) = %s; want %s", f, got[1:], want)
		}
	}
}
