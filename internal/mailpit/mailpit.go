// Package mailpit reads the mail a test sent to Mailpit (a real SMTP
// server with an HTTP API), located by STEWARD_TEST_SMTP
// ("smtp://127.0.0.1:PORT|http://127.0.0.1:APIPORT", set by .ci/run).
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// transport is this package's own: black-box tests replace
// http.DefaultTransport with a checker of the steward API's contract.
var transport = &http.Transport{}

// Server is a Mailpit instance.
type Server struct {
	SMTP string // smtp://127.0.0.1:PORT
	API  string // http://127.0.0.1:PORT
}

// FromEnv returns the Mailpit of STEWARD_TEST_SMTP, or skips the test.
func FromEnv(t testing.TB) *Server {
	t.Helper()
	parts := strings.Split(os.Getenv("STEWARD_TEST_SMTP"), "|")
	if len(parts) != 2 {
		t.Skip("STEWARD_TEST_SMTP is not set (SMTP URL|Mailpit API URL); .ci/run starts Mailpit")
	}
	return &Server{SMTP: parts[0], API: parts[1]}
}

// Message is a received message.
type Message struct {
	ID      string
	To      []string
	Subject string
	Text    string
}

// Messages returns the messages sent to address, oldest first, with their
// text.
func (s *Server) Messages(t testing.TB, address string) []Message {
	t.Helper()
	var list struct {
		Messages []struct {
			ID      string `json:"ID"`
			Subject string `json:"Subject"`
			To      []struct {
				Address string `json:"Address"`
			} `json:"To"`
		} `json:"messages"`
	}
	s.get(t, "/api/v1/search?limit=500&query="+strings.ReplaceAll("to:"+address, "@", "%40"), &list)
	var out []Message
	for i := len(list.Messages) - 1; i >= 0; i-- {
		m := list.Messages[i]
		msg := Message{ID: m.ID, Subject: m.Subject}
		for _, to := range m.To {
			msg.To = append(msg.To, to.Address)
		}
		var full struct {
			Text string `json:"Text"`
		}
		s.get(t, "/api/v1/message/"+m.ID, &full)
		msg.Text = full.Text
		out = append(out, msg)
	}
	return out
}

// WaitFor waits up to 10 seconds until n messages reached address and
// returns them.
func (s *Server) WaitFor(t testing.TB, address string, n int) []Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := s.Messages(t, address)
		if len(msgs) >= n || time.Now().After(deadline) {
			if len(msgs) < n {
				t.Fatalf("%d messages reached %s; want %d", len(msgs), address, n)
			}
			return msgs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) get(t testing.TB, path string, into any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.API+path, nil)
	resp, err := transport.RoundTrip(req) // not http.DefaultTransport, which tests may wrap

	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(fmt.Errorf("mailpit %s: %w", path, err))
	}
}
