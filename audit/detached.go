package audit

import (
	"crypto/ed25519"
	"strconv"

	"github.com/steward-privacy/steward"
)

// Detached signatures: documents steward hands out (consent receipts, and
// later manifests and attestations) are signed with the audit signing key,
// so one published key list (GET /v1/audit/public-key, retired keys
// included) verifies everything. The signature covers the exact bytes of
// the document, which must be a JSON object: a checkpoint message starts
// with checkpointDomain, never with "{", so neither can pass for the other.

// SignDetached signs doc, a JSON object, with the newest signing key and
// returns the key id and the Ed25519 signature.
func (s *Signer) SignDetached(doc []byte) (keyID int, sig []byte, err error) {
	if len(doc) == 0 || doc[0] != '{' {
		return 0, nil, steward.Errorf(steward.EINTERNAL, "only JSON objects are signed detached")
	}
	return s.id, ed25519.Sign(s.priv, doc), nil
}

// SignDetached signs doc with the log's signer (see Signer.SignDetached).
func (l *Log) SignDetached(doc []byte) (keyID int, sig []byte, err error) {
	return l.signer.SignDetached(doc)
}

// VerifyDetached checks a detached signature over doc; it names what is
// wrong, or returns "" when the signature is good.
func (pk PublicKeys) VerifyDetached(keyID int, doc, sig []byte) string {
	key, ok := pk[keyID]
	if !ok || len(key) != ed25519.PublicKeySize {
		return "signed by unknown key " + strconv.Itoa(keyID)
	}
	if len(doc) == 0 || doc[0] != '{' || !ed25519.Verify(key, doc, sig) {
		return "the signature does not match the document"
	}
	return ""
}
