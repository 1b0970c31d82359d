package outbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

// SecretPrefix starts every webhook signing secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// secretBytes is the length of a new signing key; the specification asks
// for 24 to 64 random bytes.
const secretBytes = 32

// newSecret returns a new signing key and its whsec_ form, shown once.
func newSecret() (key []byte, secret string) {
	key = make([]byte, secretBytes)
	_, _ = rand.Read(key) // crypto/rand never fails on supported platforms
	return key, SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// DecodeSecret returns the signing key of a whsec_ secret: the base64 after
// the prefix.
func DecodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, steward.Errorf(steward.EINVALID, "a webhook secret is %s and the base64 of 24 to 64 bytes", SecretPrefix)
	}
	return key, nil
}

// Sign returns the webhook-signature header value of a message: "v1," and
// the base64 of HMAC-SHA256 under key over "id.timestamp.body", the
// timestamp in Unix seconds, as the Standard Webhooks specification says.
func Sign(key []byte, id string, at time.Time, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, at.Unix(), 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}
