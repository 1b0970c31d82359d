package password_test

import (
	"context"
	"fmt"

	"github.com/steward-privacy/steward/password"
)

// A login: verify, and upgrade an imported bcrypt hash to argon2id.
func ExampleHasher() {
	ctx := context.Background()
	h, _ := password.NewHasher(password.TestParams, 4) // DefaultParams in production
	stored := "$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2"

	ok, err := h.Verify(ctx, []byte("correct horse"), stored)
	fmt.Println(ok, err)
	if upgrade, _ := h.NeedsRehash(stored); ok && upgrade {
		stored, _ = h.Hash(ctx, []byte("correct horse"))
	}
	ok, _ = h.Verify(ctx, []byte("correct horse"), stored)
	fmt.Println(ok, stored[:28])
	// Output:
	// true <nil>
	// true $argon2id$v=19$m=64,t=1,p=1$
}
