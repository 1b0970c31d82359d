package policy

import (
	"fmt"
	"strings"
)

// suggest returns the candidate closest to word when it is close enough to be
// a plausible typo (edit distance at most 2, and less than half the word), or
// "" when none is.
func suggest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if d < bestDist && 2*d < len(word)+1 {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean returns a hint naming the closest candidate, or listing the
// candidates when there are few and none is close.
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	if len(candidates) > 0 && len(candidates) <= 12 {
		return "expected one of: " + strings.Join(candidates, ", ")
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes. It is
// used only on short keys and field names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
