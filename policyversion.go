package steward

// ConsentStaleness tells whether a consent given under an earlier policy
// version no longer counts because its purpose (or processor) changed
// materially since.
type ConsentStaleness interface {
	ConsentStale(givenUnder, purpose, processor string) bool
}
