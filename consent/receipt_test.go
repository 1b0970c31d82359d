package consent

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
)

// TestVerifyReceipt: a receipt verifies under its key; a changed byte of
// the document or the signature, another key id, or a signed non-receipt
// fails.
func TestVerifyReceipt(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	keys := audit.PublicKeys{3: pub}
	doc, _ := json.Marshal(&Receipt{Format: ReceiptFormat, ID: "cns_1", Subject: ReceiptSubject{ID: "sub_1", Type: "opaque"},
		Decision: ReceiptDecision{Status: "dpv:ConsentGiven"}})
	env := func(doc, sig []byte, id int) []byte {
		b, _ := json.Marshal(SignedReceipt{Receipt: doc, Algorithm: "Ed25519", KeyID: id, Signature: sig, PublicKeys: PublicKeysPath})
		return b
	}
	sig := ed25519.Sign(priv, doc)
	if r, err := VerifyReceipt(env(doc, sig, 3), keys); err != nil || r.ID != "cns_1" {
		t.Fatalf("VerifyReceipt = %+v, %v", r, err)
	}
	changed := bytes.Replace(doc, []byte("Given"), []byte("Giveo"), 1)
	badSig := append([]byte{}, sig...)
	badSig[5] ^= 1
	other, _ := json.Marshal(map[string]string{"format": "something else"})
	for name, signed := range map[string][]byte{
		"changed document":  env(changed, sig, 3),
		"changed signature": env(doc, badSig, 3),
		"unknown key":       env(doc, sig, 4),
		"not a receipt":     env(other, ed25519.Sign(priv, other), 3),
		"not an envelope":   []byte(`{"receipt": 1}`),
	} {
		if _, err := VerifyReceipt(signed, keys); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("%s: err = %v; want EINVALID", name, err)
		}
	}
}
