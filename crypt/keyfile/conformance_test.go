package keyfile_test

import (
	"path/filepath"
	"testing"

	"github.com/steward-privacy/steward/crypt/keyfile"
	"github.com/steward-privacy/steward/crypt/providertest"
)

// TestConformance runs the key provider conformance suite on a key file.
func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Opener {
		path := filepath.Join(t.TempDir(), "data", "master.key")
		return func(t *testing.T) providertest.Provider {
			p, err := keyfile.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	})
}
