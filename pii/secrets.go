package pii

import (
	"math"
	"strings"
)

// Secret scores: a provider's documented token format is certain; a JWT
// nearly so; a password right after "password:" likely; a long high-entropy
// token alone is only a hint that needs a context word ("key", "token", ...);
// a bare hex string or GUID (hashes, ids) needs one even more.
const (
	scoreSecretKnown    = 1.0
	scoreSecretJWT      = 0.95
	scoreSecretPassword = 0.8
	scoreSecretEntropy  = 0.4
	scoreSecretHex      = 0.2
)

// secretRule is a provider token format: a fixed prefix, then a body of
// allowed characters whose total length (prefix included) is in [min, max].
type secretRule struct {
	prefix   string
	min, max int
	body     func(byte) bool
	name     string
}

func alnum(b byte) bool        { return isAlnum(b) }
func upperDigit(b byte) bool   { return isUpper(b) || isDigit(b) }
func urlSafe(b byte) bool      { return isAlnum(b) || b == '_' || b == '-' }
func lowerHex(b byte) bool     { return isDigit(b) || (b >= 'a' && b <= 'f') }
func alnumUnder(b byte) bool   { return isAlnum(b) || b == '_' }
func letters(b byte) bool      { return isAlpha(b) }
func base64Byte(b byte) bool   { return isAlnum(b) || b == '+' || b == '/' }
func jwtSegment(b byte) bool   { return urlSafe(b) }
func sendgridBody(b byte) bool { return urlSafe(b) || b == '.' }

// secretRules lists the token formats of major providers (longest prefixes
// first where one prefix extends another).
var secretRules = []secretRule{
	{"AKIA", 20, 20, upperDigit, "aws_access_key_id"},
	{"ASIA", 20, 20, upperDigit, "aws_access_key_id"},
	{"AGPA", 20, 20, upperDigit, "aws_access_key_id"},
	{"AIDA", 20, 20, upperDigit, "aws_access_key_id"},
	{"AROA", 20, 20, upperDigit, "aws_access_key_id"},
	{"ANPA", 20, 20, upperDigit, "aws_access_key_id"},
	{"AIza", 39, 39, urlSafe, "google_api_key"},
	{"ya29.", 30, 2048, func(b byte) bool { return urlSafe(b) || b == '.' }, "google_oauth_token"},
	{"ghp_", 40, 40, alnum, "github_token"},
	{"gho_", 40, 40, alnum, "github_token"},
	{"ghu_", 40, 40, alnum, "github_token"},
	{"ghs_", 40, 40, alnum, "github_token"},
	{"ghr_", 40, 40, alnum, "github_token"},
	{"github_pat_", 60, 255, alnumUnder, "github_token"},
	{"glpat-", 26, 64, urlSafe, "gitlab_token"},
	{"xoxb-", 30, 255, urlSafe, "slack_token"},
	{"xoxp-", 30, 255, urlSafe, "slack_token"},
	{"xoxa-", 30, 255, urlSafe, "slack_token"},
	{"xoxe-", 30, 255, urlSafe, "slack_token"},
	{"xapp-", 30, 255, urlSafe, "slack_token"},
	{"sk_live_", 24, 255, alnum, "stripe_key"},
	{"sk_test_", 24, 255, alnum, "stripe_key"},
	{"rk_live_", 24, 255, alnum, "stripe_key"},
	{"rk_test_", 24, 255, alnum, "stripe_key"},
	{"whsec_", 30, 255, alnum, "stripe_webhook_secret"},
	{"sk-ant-", 40, 255, urlSafe, "anthropic_key"},
	{"sk-", 32, 255, urlSafe, "openai_key"},
	{"hf_", 37, 37, letters, "huggingface_token"},
	{"npm_", 40, 40, alnum, "npm_token"},
	{"pypi-", 60, 512, urlSafe, "pypi_token"},
	{"SG.", 69, 69, sendgridBody, "sendgrid_key"},
	{"shpat_", 38, 38, lowerHex, "shopify_token"},
	{"shpss_", 38, 38, lowerHex, "shopify_token"},
	{"shpca_", 38, 38, lowerHex, "shopify_token"},
	{"dop_v1_", 71, 71, lowerHex, "digitalocean_token"},
	{"SK", 34, 34, lowerHex, "twilio_api_key"},
	{"eyJ", 30, 8192, func(b byte) bool { return jwtSegment(b) || b == '.' }, "jwt"},
}

// secretAt looks for a secret filling text[a:b].
func (st *state) secretAt(a, b int) {
	s := st.text[a:b]
	for _, r := range secretRules {
		if !strings.HasPrefix(s, r.prefix) || len(s) < r.min || len(s) > r.max {
			continue
		}
		if !all(s[len(r.prefix):], r.body) || !mixedBody(s[len(r.prefix):]) {
			continue
		}
		if r.name == "jwt" {
			if jwtShape(s) {
				st.add(Secret, a, b, scoreSecretJWT, r.name)
				return
			}
			continue
		}
		st.add(Secret, a, b, scoreSecretKnown, r.name)
		return
	}
	st.entropySecret(a, b)
}

// entropySecret reports a long random-looking token.
func (st *state) entropySecret(a, b int) {
	s := st.text[a:b]
	if len(s) < 20 || len(s) > 512 || !all(s, func(c byte) bool { return base64Byte(c) || c == '_' || c == '-' }) {
		return
	}
	var digits, letters, upper, lower int
	hexOnly := true
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case isDigit(c):
			digits++
		case isUpper(c):
			upper++
			letters++
		case isLower(c):
			lower++
			letters++
		}
		if !isHex(c) && c != '-' {
			hexOnly = false
		}
	}
	if digits == 0 || letters == 0 {
		return
	}
	score := scoreSecretEntropy
	switch {
	case hexOnly:
		score = scoreSecretHex // hashes, GUIDs, ids
	case upper == 0 || lower == 0:
		if entropy(s) < 3.5 {
			return
		}
	case entropy(s) < 3.8:
		return
	}
	if st.reachable(Secret, a, score) {
		st.add(Secret, a, b, score, "entropy")
	}
}

// jwtShape reports whether s is three base64url segments, the first two
// JSON objects (they start with "eyJ", the encoding of `{"`).
func jwtShape(s string) bool {
	parts := strings.Split(s, ".")
	return len(parts) == 3 && strings.HasPrefix(parts[1], "eyJ") && len(parts[0]) >= 10 && len(parts[1]) >= 10 && len(parts[2]) >= 16
}

// mixedBody reports whether a token body mixes at least two of digits, upper
// and lower case, as random tokens do and words in snake case do not.
func mixedBody(s string) bool {
	var d, u, l int
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case isDigit(c):
			d = 1
		case isUpper(c):
			u = 1
		case isLower(c):
			l = 1
		}
	}
	return d+u+l >= 2
}

// all reports whether every byte of s satisfies f.
func all(s string, f func(byte) bool) bool {
	for k := 0; k < len(s); k++ {
		if !f(s[k]) {
			return false
		}
	}
	return true
}

// entropy returns the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	var counts [256]int
	for k := 0; k < len(s); k++ {
		counts[s[k]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
