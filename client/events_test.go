package client

import (
	"net/http"
	"testing"
	"time"
)

// TestVerifyWebhookSpecVector verifies the Standard Webhooks reference
// libraries' published message, and refuses it altered, replayed late,
// signed with another secret or without a header.
func TestVerifyWebhookSpecVector(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	headers := func(sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
		h.Set("webhook-timestamp", "1614265330")
		h.Set("webhook-signature", sig)
		return h
	}
	const good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	other := "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	if err := verifyWebhook(secret, headers(good), body, at.Add(time.Minute)); err != nil {
		t.Fatalf("the spec's message does not verify: %v", err)
	}
	if err := verifyWebhook(secret, headers(other+" v2,x "+good), body, at); err != nil {
		t.Fatalf("several signatures, one good: %v", err)
	}
	noID := headers(good)
	noID.Del("webhook-id")
	for name, c := range map[string]struct {
		secret string
		h      http.Header
		body   []byte
		now    time.Time
	}{
		"altered body":  {secret, headers(good), []byte(`{"test": 2432232315}`), at},
		"too old":       {secret, headers(good), body, at.Add(WebhookTolerance + time.Second)},
		"too new":       {secret, headers(good), body, at.Add(-WebhookTolerance - time.Second)},
		"other secret":  {"whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", headers(good), body, at},
		"wrong sig":     {secret, headers(other), body, at},
		"v2 only":       {secret, headers("v2," + good[3:]), body, at},
		"no webhook-id": {secret, noID, body, at},
		"bad secret":    {"whsec_!!", headers(good), body, at},
		"no signature":  {secret, headers(""), body, at},
	} {
		if err := verifyWebhook(c.secret, c.h, c.body, c.now); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}
