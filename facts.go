package steward

import "time"

// CategoryAge is, for one category of a tenant, how many records there are
// and when the oldest was last written (what an attestation of retention
// reads).
type CategoryAge struct {
	Category string
	Count    int64
	Oldest   time.Time
}
