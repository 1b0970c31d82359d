package disclose

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/media"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// tokenPrefix starts every one-time link token; the rest is 32 random
// bytes, base64url.
const tokenPrefix = "dl_"

// tokenLen is the length of a token.
var tokenLen = len(tokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// errNoLink answers every link that cannot be used (never issued, used,
// expired, erased) alike, so that a guess learns nothing.
var errNoLink = steward.Errorf(steward.ENOTFOUND, "no such link: one-time links work once and expire")

// hashToken returns the keyed hash a token is stored under.
func (s *Service) hashToken(token string) []byte {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte(token))
	return m.Sum(nil)
}

// newLink makes a one-time link to a disclosed file: the URL to hand out
// and the row to store, which holds the token's keyed hash only.
func (s *Service) newLink(c *steward.Caller, res *Result, f *steward.FileMeta, now time.Time) (Link, *steward.DownloadLink, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Link{}, nil, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	exp := now.Add(s.ttl)
	stored := &steward.DownloadLink{Hash: s.hashToken(token), TenantID: c.TenantID, DisclosureID: res.ID, SubjectID: res.SubjectID,
		FileID: f.ID, Purpose: res.Purpose, Processor: res.Processor, ActorKind: c.Kind, ActorID: c.ID, ExpiresAt: exp}
	return Link{FileID: f.ID, Category: f.Category, Size: f.Size, URL: s.baseURL + "/v1/downloads/" + token, ExpiresAt: exp}, stored, nil
}

// Download opens the file of a one-time link: the link is used up at once
// (a second request, even a concurrent one, finds nothing), then the policy
// is asked again for the disclosure's processor and purpose (a consent
// withdrawn since the disclosure stops the download), and the read is
// audited in the name of whoever made the disclosure. It returns ENOTFOUND
// for a link that is unknown, used or expired. done must be called with
// whether the whole file was delivered, as for vault.OpenFile.
func (s *Service) Download(ctx context.Context, token string) (*vault.FileView, io.ReadCloser, func(bool), error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) {
		return nil, nil, nil, errNoLink
	}
	l, err := s.store.ClaimDownload(ctx, s.hashToken(token))
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, nil, nil, errNoLink
		}
		return nil, nil, nil, err
	}
	if !s.now().Before(l.ExpiresAt) {
		return nil, nil, nil, errNoLink
	}
	ctx = steward.WithCaller(ctx, &steward.Caller{TenantID: l.TenantID, Kind: l.ActorKind, ID: l.ActorID,
		Scopes: steward.Scopes{steward.ScopeFilesRead}})
	view, body, done, err := s.vault.OpenFile(ctx, l.FileID, vault.Access{Purpose: l.Purpose, Processor: l.Processor})
	if err != nil {
		return nil, nil, nil, err
	}
	event := steward.AuditEvent{Action: steward.ActionDisclosedDownload, SubjectID: l.SubjectID,
		Categories: []string{view.Category}, Purpose: l.Purpose, Target: l.DisclosureID, Decision: steward.DecisionAllow}
	if view.Obligations&(policy.ObligeRedactPII|policy.ObligeAggregateOnly) != 0 {
		var stripped bool
		if body, stripped = withoutMetadata(body); stripped {
			// The bytes differ from the stored file: no length or digest.
			view.Size, view.SHA256 = -1, ""
			event.Reasons = append(event.Reasons, "metadata_removed")
		}
	}
	if err := s.vault.Audit(ctx, event); err != nil {
		body.Close()
		return nil, nil, nil, err
	}
	return view, body, done, nil
}

// withoutMetadata passes an image file through media.Strip (EXIF, XMP,
// IPTC and comments removed; pixels untouched) for a purpose that asks for
// de-identification. Other files pass as they are (their content is not
// parsed; see docs/disclosures.md).
func withoutMetadata(body io.ReadCloser) (io.ReadCloser, bool) {
	br := bufio.NewReaderSize(body, 64<<10)
	head, _ := br.Peek(32)
	ct := media.Sniff(head)
	if ct == "" {
		return readCloser{br, body}, false
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := media.Strip(br, pw, ct)
		pw.CloseWithError(err)
	}()
	return readCloser{pr, closers{pr, body}}, true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// closers closes each in turn.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
