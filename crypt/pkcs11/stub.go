//go:build !pkcs11

package pkcs11

import (
	"time"

	"github.com/steward-privacy/steward"
)

// Available reports whether this build has PKCS#11 support.
const Available = false

// Open fails: this binary was built without PKCS#11 support.
func Open(s Settings, now func() time.Time) (KeyStore, error) {
	return nil, steward.Errorf(steward.EINVALID,
		"this steward binary was built without PKCS#11 support; build it with `go build -tags pkcs11 ./cmd/steward` (needs cgo and a C compiler)")
}
