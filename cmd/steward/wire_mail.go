package main

import (
	"context"
	"io"

	"github.com/steward-privacy/steward/mail"
)

// openMail returns the mail sender the settings configure: SMTP with
// smtp_url and mail_from, the terminal in --dev-mail mode, or nil (no email
// is sent; the capabilities that need it say so).
func (a *app) openMail(devOut io.Writer, dev bool) (mail.Sender, error) {
	switch {
	case a.cfg.SMTPURL != "":
		return mail.Open(a.cfg.SMTPURL, a.cfg.MailFrom)
	case dev:
		return mail.NewDev(devOut), nil
	}
	return nil, nil
}

// mailFunc adapts a sender to the (to, subject, text) shape the requests
// and incidents services take.
type mailFunc struct{ s mail.Sender }

// Send sends one plain-text message.
func (m mailFunc) Send(ctx context.Context, to, subject, text string) error {
	return m.s.Send(ctx, &mail.Message{To: to, Subject: subject, Text: text})
}
