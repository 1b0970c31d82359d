// Package mail sends steward's email: one-time codes for rights requests,
// breach notices, notices of policy changes. It speaks SMTP through
// github.com/wneessen/go-mail (STARTTLS when offered or required, implicit
// TLS for smtps://, authentication when the URL has a user), or, in
// development only, prints messages to the terminal.
//
// Errors never contain the recipient's address or the message: a failed
// send is reported as a code the caller records (delivery result), never
// the personal value.
package mail

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/steward-privacy/steward"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// smtpSender sends through an SMTP server.
type smtpSender struct {
	host string
	from string
	opts []gomail.Option
}

// Open returns a sender for an SMTP URL: smtp://[user:pass@]host[:port]
// (STARTTLS when the server offers it; ?tls=required insists, ?tls=none
// forbids) or smtps://[user:pass@]host[:port] (implicit TLS). from is the
// sender address. The URL is checked here; nothing is dialled until the
// first Send.
func Open(smtpURL, from string) (Sender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil || u.Host == "" {
		return nil, steward.Invalid("smtp_url", "must be smtp://[user:pass@]host[:port] or smtps://…")
	}
	if from == "" || !strings.Contains(from, "@") {
		return nil, steward.Invalid("mail_from", "must be the sender's email address")
	}
	host, portText, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, portText = u.Host, ""
	}
	opts := []gomail.Option{gomail.WithTimeout(20 * time.Second)}
	switch u.Scheme {
	case "smtp":
		policy := gomail.TLSOpportunistic
		switch u.Query().Get("tls") {
		case "", "opportunistic":
		case "required":
			policy = gomail.TLSMandatory
		case "none":
			policy = gomail.NoTLS
		default:
			return nil, steward.Invalid("smtp_url", "tls must be opportunistic, required or none")
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
		if portText == "" {
			portText = "587"
		}
	case "smtps":
		opts = append(opts, gomail.WithSSL())
		if portText == "" {
			portText = "465"
		}
	default:
		return nil, steward.Invalid("smtp_url", "the scheme must be smtp or smtps")
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return nil, steward.Invalid("smtp_url", "the port must be a number from 1 to 65535")
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass),
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
	}
	return &smtpSender{host: host, from: from, opts: opts}, nil
}

// Send delivers one message.
func (s *smtpSender) Send(ctx context.Context, m *Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return steward.Invalid("mail_from", "is not an email address")
	}
	if err := msg.To(m.To); err != nil {
		return steward.Errorf(steward.EINVALID, "the recipient address on file is not a valid email address")
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return steward.Errorf(steward.EUNAVAILABLE, "mail server: %s", safeReason(err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return steward.Errorf(steward.EUNAVAILABLE, "mail server: %s", safeReason(err))
	}
	return nil
}

// safeReason keeps the kind of an SMTP failure without any address or
// message text: only the first words before a colon, and never an '@'.
func safeReason(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, ':'); i > 0 {
		s = s[:i]
	}
	if strings.Contains(s, "@") || len(s) > 80 {
		return "sending failed"
	}
	return s
}

// devSender prints messages, for development only (--dev-mail).
type devSender struct {
	mu sync.Mutex
	w  io.Writer
}

// NewDev returns a sender that prints each message to w (the terminal),
// never to the log. Only for development: codes and addresses appear.
func NewDev(w io.Writer) Sender { return &devSender{w: w} }

func (d *devSender) Send(_ context.Context, m *Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err := fmt.Fprintf(d.w, "--- dev mail (not sent) to %s: %s\n%s\n--- end of dev mail\n", m.To, m.Subject, m.Text)
	return err
}
