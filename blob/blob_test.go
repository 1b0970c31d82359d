package blob_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key       string
		wantValid bool
	}{
		{"a", true},
		{"t1/files/f8a3c9", true},
		{"A-Z_0.9=x/y", true},
		{"file.v2", true},
		{strings.Repeat("a", blob.MaxKeyLen), true},
		{"", false},
		{strings.Repeat("a", blob.MaxKeyLen+1), false},
		{"/abs", false},
		{"a//b", false},
		{"a/", false},
		{"..", false},
		{"a/../b", false},
		{"a/./b", false},
		{".hidden", false},
		{"a/.tmp-123", false},
		{"a b", false},
		{"a\\b", false},
		{"a\x00b", false},
		{"é", false},
		{"a@b", false},
		{"a%2Fb", false},
	}
	for _, tt := range tests {
		err := blob.ValidateKey(tt.key)
		if (err == nil) != tt.wantValid {
			t.Errorf("ValidateKey(%q) = %v; want valid=%v", tt.key, err, tt.wantValid)
		}
		if err != nil {
			if steward.ErrorCode(err) != steward.EINVALID {
				t.Errorf("ValidateKey(%q) code = %s; want EINVALID", tt.key, steward.ErrorCode(err))
			}
			if len(tt.key) > 2 && strings.Contains(err.Error(), tt.key) {
				t.Errorf("ValidateKey(%q) repeats the key: %v", tt.key, err)
			}
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix    string
		wantValid bool
	}{
		{"", true},
		{"t1/", true},
		{"t1/fi", true},
		{"t1", true},
		{"/t1", false},
		{"t1//", false},
		{"t1/..", false},
		{"t1/.", false},
		{"t 1", false},
	}
	for _, tt := range tests {
		if err := blob.ValidatePrefix(tt.prefix); (err == nil) != tt.wantValid {
			t.Errorf("ValidatePrefix(%q) = %v; want valid=%v", tt.prefix, err, tt.wantValid)
		}
	}
}

func TestContextReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := blob.ContextReader(ctx, strings.NewReader("abc"))
	buf := make([]byte, 2)
	if n, err := r.Read(buf); n != 2 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	cancel()
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Errorf("Read after cancel = %v; want context.Canceled", err)
	}
}
