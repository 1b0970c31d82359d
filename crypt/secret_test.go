package crypt_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/crypt"
)

func TestSecretNeverPrints(t *testing.T) {
	s := crypt.Secret("hunter2-very-secret")
	type holder struct {
		Key crypt.Secret `json:"key"`
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("msg", "key", s)
	jsonBytes, err := json.Marshal(holder{s})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%s":         fmt.Sprintf("%s", s),
		"%v":         fmt.Sprintf("%v", s),
		"%+v":        fmt.Sprintf("%+v", s),
		"%#v":        fmt.Sprintf("%#v", s),
		"%x":         fmt.Sprintf("%x", s),
		"%X":         fmt.Sprintf("%X", s),
		"%q":         fmt.Sprintf("%q", s),
		"%d":         fmt.Sprintf("%d", s),
		"struct %+v": fmt.Sprintf("%+v", holder{s}),
		"struct %#v": fmt.Sprintf("%#v", holder{s}),
		"String":     s.String(),
		"GoString":   s.GoString(),
		"json":       string(jsonBytes),
		"slog":       logBuf.String(),
		"error":      fmt.Errorf("wrapping %v", s).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", []byte(s))) {
			t.Errorf("%s leaks the secret: %q", name, out)
		}
		if !strings.Contains(out, crypt.Redacted) {
			t.Errorf("%s = %q; want it to contain %q", name, out, crypt.Redacted)
		}
	}
}

func TestSecretEqual(t *testing.T) {
	tests := []struct {
		a, b crypt.Secret
		want bool
	}{
		{crypt.Secret("abc"), crypt.Secret("abc"), true},
		{crypt.Secret("abc"), crypt.Secret("abd"), false},
		{crypt.Secret("abc"), crypt.Secret("ab"), false},
		{nil, crypt.Secret{}, true},
	}
	for _, tt := range tests {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("Secret(%q).Equal(%q) = %v; want %v", []byte(tt.a), []byte(tt.b), got, tt.want)
		}
		if got := crypt.Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v; want %v", []byte(tt.a), []byte(tt.b), got, tt.want)
		}
	}
}

func TestSecretWipeAndClone(t *testing.T) {
	s := crypt.Secret("secret")
	c := s.Clone()
	s.Wipe()
	if !bytes.Equal(s, make([]byte, 6)) {
		t.Errorf("after Wipe the secret holds %q; want zeros", []byte(s))
	}
	if string(c) != "secret" {
		t.Errorf("Clone shares memory with the original: %q", []byte(c))
	}
	if crypt.Secret(nil).Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
}

func TestKeyNeverPrints(t *testing.T) {
	k := newTestKey(t, 7)
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v %s %+v %#v", k, k, k, k)} {
		if !strings.Contains(out, crypt.Redacted) {
			t.Errorf("key prints as %q", out)
		}
	}
}
