package steward

import (
	"regexp"
	"testing"
)

// TestNewID: a prefix, an underscore and 26 lower-case base32 characters
// (128 bits), different each time.
func TestNewID(t *testing.T) {
	shape := regexp.MustCompile(`^dsc_[a-z2-7]{26}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID("dsc")
		if !shape.MatchString(id) || seen[id] {
			t.Fatalf("NewID = %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
