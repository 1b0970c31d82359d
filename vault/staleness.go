package vault

import "github.com/steward-privacy/steward"

// neverStale is the staleness of a server that keeps no policy history: no
// consent is ever stale.
type neverStale struct{}

func (neverStale) ConsentStale(givenUnder, purpose, processor string) bool { return false }

// ConsentStaleness tells which consents a policy change made stale. It is
// never nil: without a policy history nothing is stale.
func (v *Vault) ConsentStaleness() steward.ConsentStaleness { return neverStale{} }
