package outbox

import (
	"strings"
	"testing"
	"time"
)

// TestSignSpecVector checks Sign against the test vector the Standard
// Webhooks reference libraries publish.
func TestSignSpecVector(t *testing.T) {
	key, err := DecodeSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s; want %s", got, want)
	}
}

func TestSecrets(t *testing.T) {
	key, secret := newSecret()
	if !strings.HasPrefix(secret, SecretPrefix) || len(key) != secretBytes {
		t.Fatalf("newSecret = %d bytes, %q", len(key), secret[:6])
	}
	back, err := DecodeSecret(secret)
	if err != nil || string(back) != string(key) {
		t.Fatalf("DecodeSecret(newSecret) = %v", err)
	}
	_, other := newSecret()
	if other == secret {
		t.Fatal("two secrets alike")
	}
	for _, bad := range []string{"", "whsec_", "whsec_!!!", "whsec_" + strings.Repeat("A", 8), "whsec_" + strings.Repeat("A", 100)} {
		if _, err := DecodeSecret(bad); err == nil {
			t.Errorf("DecodeSecret(%q) accepted", bad)
		}
	}
}
