package pii

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/steward-privacy/steward/internal/jsonfast"
)

// Finding is one piece of personal data found in a text. Start and End are
// byte offsets, RuneStart and RuneEnd the same span in runes (code points);
// both ends are exclusive. Score is in [0, 1]; Recognizer names the rule that
// fired (for example "luhn", "public_suffix", "aws_access_key_id").
type Finding struct {
	Entity     Entity  `json:"type"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	RuneStart  int     `json:"rune_start"`
	RuneEnd    int     `json:"rune_end"`
	Score      float64 `json:"score"`
	Recognizer string  `json:"recognizer"`
}

// Value returns the text the finding covers. It returns "" when the finding
// does not lie within text.
func (f Finding) Value(text string) string {
	if f.Start < 0 || f.End > len(text) || f.Start > f.End {
		return ""
	}
	return text[f.Start:f.End]
}

// AppendJSON appends f as JSON, the same bytes json.Marshal produces, without
// reflection: for writers of many findings (steward pii scan --json).
func (f Finding) AppendJSON(b []byte) []byte {
	if math.IsNaN(f.Score) || math.IsInf(f.Score, 0) {
		j, err := json.Marshal(f)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, j...)
	}
	b = append(b, `{"type":`...)
	b = jsonfast.AppendString(b, string(f.Entity), true)
	b = append(b, `,"start":`...)
	b = strconv.AppendInt(b, int64(f.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(f.End), 10)
	b = append(b, `,"rune_start":`...)
	b = strconv.AppendInt(b, int64(f.RuneStart), 10)
	b = append(b, `,"rune_end":`...)
	b = strconv.AppendInt(b, int64(f.RuneEnd), 10)
	b = append(b, `,"score":`...)
	// As encoding/json formats a float64.
	format := byte('f')
	if a := math.Abs(f.Score); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f.Score, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	b = append(b, `,"recognizer":`...)
	b = jsonfast.AppendString(b, f.Recognizer, true)
	return append(b, '}')
}

// resolve drops findings below threshold, removes findings contained in
// another one, and settles partial overlaps in favour of the higher score
// (then the longer span, then the earlier one). The result is sorted by Start
// and free of overlaps.
func resolve(cands []Finding, threshold float64) []Finding {
	kept := cands[:0]
	for _, c := range cands {
		if c.Score >= threshold && c.End > c.Start {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	// Sort positions rather than 80-byte findings; equal findings keep the
	// order in which the recognizers produced them.
	order := make([]int32, len(kept))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		a, b := &kept[x], &kept[y]
		switch {
		case a.Start != b.Start:
			return cmp.Compare(a.Start, b.Start)
		case a.End != b.End:
			return cmp.Compare(b.End, a.End)
		case a.Score != b.Score:
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Compare(x, y)
	})
	// Containment: a finding inside an earlier-starting or longer one goes.
	n := 0
	maxEnd := -1
	for _, k := range order {
		if kept[k].End <= maxEnd {
			continue
		}
		order[n] = k
		n++
		maxEnd = kept[k].End
	}
	// Partial overlaps: starts and ends are now strictly increasing.
	out := make([]Finding, 0, n)
	for _, k := range order[:n] {
		c := kept[k]
		if m := len(out); m > 0 && out[m-1].End > c.Start {
			if beats(c, out[m-1]) {
				out[m-1] = c
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// beats reports whether a should win an overlap against b.
func beats(a, b Finding) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.End-a.Start > b.End-b.Start
}

// setRuneOffsets fills RuneStart and RuneEnd of sorted, non-overlapping
// findings in one pass over text. base and baseRunes shift the result for
// text that is a window of a larger stream.
func setRuneOffsets(text string, fs []Finding, baseRunes int) {
	pos, runes := 0, baseRunes
	for i := range fs {
		runes += runeCount(text[pos:fs[i].Start])
		fs[i].RuneStart = runes
		runes += runeCount(text[fs[i].Start:fs[i].End])
		fs[i].RuneEnd = runes
		pos = fs[i].End
	}
}

// runeCount is utf8.RuneCountInString (an invalid byte counts as one rune),
// eight bytes at a time over ASCII.
func runeCount(s string) int {
	n, i := 0, 0
	for i < len(s) {
		if i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if w&0x8080808080808080 == 0 {
				n += 8
				i += 8
				continue
			}
		}
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
		}
		n++
	}
	return n
}
