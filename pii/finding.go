package pii

import (
	"cmp"
	"slices"
	"unicode/utf8"
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
	slices.SortStableFunc(kept, func(a, b Finding) int {
		if a.Start != b.Start {
			return cmp.Compare(a.Start, b.Start)
		}
		if a.End != b.End {
			return cmp.Compare(b.End, a.End)
		}
		return cmp.Compare(b.Score, a.Score)
	})
	// Containment: a finding inside an earlier-starting or longer one goes.
	outer := kept[:0]
	maxEnd := -1
	for _, c := range kept {
		if c.End <= maxEnd {
			continue
		}
		outer = append(outer, c)
		maxEnd = c.End
	}
	// Partial overlaps: starts and ends are now strictly increasing.
	out := make([]Finding, 0, len(outer))
	for _, c := range outer {
		if n := len(out); n > 0 && out[n-1].End > c.Start {
			if beats(c, out[n-1]) {
				out[n-1] = c
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
		runes += utf8.RuneCountInString(text[pos:fs[i].Start])
		fs[i].RuneStart = runes
		runes += utf8.RuneCountInString(text[fs[i].Start:fs[i].End])
		fs[i].RuneEnd = runes
		pos = fs[i].End
	}
}
