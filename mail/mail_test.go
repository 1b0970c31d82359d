package mail_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/mailpit"
	"github.com/steward-privacy/steward/mail"
)

// TestSendThroughMailpit sends over real SMTP (opportunistic STARTTLS)
// and reads the message back through Mailpit's API.
func TestSendThroughMailpit(t *testing.T) {
	mp := mailpit.FromEnv(t)
	s, err := mail.Open(mp.SMTP, "privacy@steward.test")
	if err != nil {
		t.Fatal(err)
	}
	to := "person-" + steward.NewID("m")[2:] + "@example.org"
	if err := s.Send(context.Background(), &mail.Message{To: to, Subject: "Your code", Text: "Your code is 123456.\nIt is valid for 10 minutes."}); err != nil {
		t.Fatal(err)
	}
	got := mp.WaitFor(t, to, 1)
	if got[0].Subject != "Your code" || !strings.Contains(got[0].Text, "123456") {
		t.Fatalf("received %+v", got[0])
	}
}

func TestOpenChecksTheURL(t *testing.T) {
	for _, bad := range []string{"", "http://mail.example", "smtp://", "smtp://host:99999", "smtp://host?tls=maybe"} {
		if _, err := mail.Open(bad, "a@b.example"); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("Open(%q) = %v; want EINVALID", bad, err)
		}
	}
	if _, err := mail.Open("smtps://user:pw@mail.example", "not-an-address"); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("a bad sender address: %v", err)
	}
}

// TestFailureNamesNoAddress: a failed send says what failed, never to whom
// or what.
func TestFailureNamesNoAddress(t *testing.T) {
	s, err := mail.Open("smtp://127.0.0.1:1?tls=none", "privacy@steward.test")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), &mail.Message{To: "secret.person@example.org", Subject: "s", Text: "code 987654"})
	if err == nil || strings.Contains(err.Error(), "secret.person") || strings.Contains(err.Error(), "987654") {
		t.Fatalf("error %v", err)
	}
}

func TestDevSenderPrints(t *testing.T) {
	var b bytes.Buffer
	if err := mail.NewDev(&b).Send(context.Background(), &mail.Message{To: "a@b.example", Subject: "Hi", Text: "code 1"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "a@b.example") || !strings.Contains(b.String(), "code 1") {
		t.Fatalf("printed %q", b.String())
	}
}
