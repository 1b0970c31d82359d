package crypt_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/crypt/keyfile"
)

// The vault's write and read paths: a tenant key under the master key, a
// subject's data key under the tenant key, a record and a file under the data
// key. Only the wrapped keys and the ciphertexts are stored.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	master, err := keyfile.Open(filepath.Join(dir, "master.key"))
	if err != nil {
		fmt.Println(err)
		return
	}

	tenantKey, wrappedTenantKey, _ := crypt.NewTenantKey(ctx, master, "t1", 1)
	dataKey, wrappedDataKey, _ := crypt.NewDataKey(tenantKey, "t1", "s1", 1)

	aad := crypt.AAD{Tenant: "t1", Subject: "s1", Kind: crypt.KindRecord, Name: "user.contact.email", Ref: "r1"}
	record := crypt.Seal(dataKey, []byte("alice@example.com"), aad.Bytes())

	var file bytes.Buffer
	fileAAD := crypt.AAD{Tenant: "t1", Subject: "s1", Kind: crypt.KindFile, Name: "f1"}.Bytes()
	w, _ := crypt.NewEncryptWriter(&file, dataKey, fileAAD)
	_, _ = io.WriteString(w, "an uploaded image")
	_ = w.Close()

	// Later, in another process: unwrap down the hierarchy and read.
	tk, _ := crypt.OpenTenantKey(ctx, master, "t1", 1, wrappedTenantKey)
	dk, _ := crypt.OpenDataKey(func(v uint32) (*crypt.Key, error) {
		if v != tk.ID() {
			return nil, crypt.KeyNotFound(v)
		}
		return tk, nil
	}, "t1", "s1", 1, wrappedDataKey)
	email, _ := crypt.Open(dk, record, aad.Bytes())
	r, _ := crypt.NewDecryptReader(&file, func(uint32) (*crypt.Key, error) { return dk, nil }, fileAAD)
	content, _ := io.ReadAll(r)
	fmt.Println(string(email))
	fmt.Println(string(content))

	// The same ciphertext under another subject's AAD does not open.
	other := aad
	other.Subject = "s2"
	_, err = crypt.Open(dk, record, other.Bytes())
	fmt.Println(err)
	// Output:
	// alice@example.com
	// an uploaded image
	// internal: ciphertext failed authentication
}

func ExampleSecret() {
	apiSecret := crypt.Secret("sk_live_abc123")
	fmt.Printf("%v %s %x\n", apiSecret, apiSecret, apiSecret)
	// Output: REDACTED REDACTED REDACTED
}
