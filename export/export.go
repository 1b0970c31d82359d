// Package export builds the package of a person's data that the rights of
// access and portability (and the CCPA right to know) give them: a zip with
// records.json (every category, decrypted), one CSV per category, every
// file in its original form, consents.json (the full history),
// disclosures.json (which processors received what, when, under which
// policy version), audit.json (every audit event about the person: who
// read what, for which purpose), the notice in force (notice.html), and
// manifest.json with the SHA-256 of every entry, signed (Ed25519,
// detached: manifest.sig) so the person can prove its integrity.
//
// The zip is streamed — memory stays flat for any size — and stored
// encrypted under the subject's key; it is downloadable through an
// unguessable link (GET /v1/exports/{token}, the token kept only as an
// HMAC) for 7 days, then deleted by a job.
package export

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// Lifetime is how long an export stays downloadable.
const Lifetime = 7 * 24 * time.Hour

// tokenPrefix starts every download token.
const tokenPrefix = "stx_"

// Store is what the service needs of storage.
type Store interface {
	steward.ExportStore
	ConsentHistory(ctx context.Context, tenantID, subjectID string) ([]*steward.ConsentRecord, error)
	Disclosures(ctx context.Context, tenantID, subjectID string, limit int) ([]*steward.Disclosure, error)
	AuditEvents(ctx context.Context, f steward.AuditFilter) ([]*steward.AuditEvent, error)
}

// Vault is what the service needs of the vault; *vault.Vault is one.
type Vault interface {
	AllValues(ctx context.Context, tenantID, subjectID, actor, target string) ([]vault.Value, error)
	FileContent(ctx context.Context, f *steward.FileMeta) (io.ReadCloser, error)
	SealExport(ctx context.Context, tenantID, subjectID, exportID string, fill func(w io.Writer) error) (int64, error)
	OpenExport(ctx context.Context, tenantID, subjectID, exportID string) (io.ReadCloser, error)
	DeleteExport(ctx context.Context, tenantID, exportID string) error
	Audit(ctx context.Context, e steward.AuditEvent) error
}

// Signer signs the manifest; *audit.Log is one.
type Signer interface {
	SignDetached(doc []byte) (keyID int, sig []byte, err error)
}

// Notices renders the notice in force; *policies.Service is one (with
// Current).
type Notices interface {
	NoticeHTML(ctx context.Context, version string) ([]byte, error)
}

// Config holds the service's dependencies.
type Config struct {
	Store   Store
	Vault   Vault
	Signer  Signer
	Notices Notices
	// Policy returns the policy in force (its Decider and parsed file).
	Policy func() (*policy.Decider, *policy.Policy)
	// TokenKey keys the HMAC under which download tokens are stored.
	TokenKey []byte
	Now      func() time.Time
}

// Service builds and serves export packages.
type Service struct{ c Config }

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{c: c}
}

// Options choose what a package holds beyond the data.
type Options struct {
	// RightToKnow (CCPA) adds right-to-know.json: the categories and
	// purposes in words, their sources and the categories of recipients.
	RightToKnow bool
}

// Result describes a built package. DownloadURL holds the one token that
// opens it; it is shown once, to the person.
type Result struct {
	ID             string    `json:"id"`
	DownloadURL    string    `json:"download_url" doc:"/v1/exports/{token}: the link to the package, valid until expires_at"`
	ExpiresAt      time.Time `json:"expires_at"`
	Entries        int       `json:"entries"`
	Bytes          int64     `json:"bytes"`
	ManifestSHA256 string    `json:"manifest_sha256"`
}

// newToken returns a download token and its stored HMAC.
func (s *Service) newToken() (string, []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return tok, s.hash(tok)
}

func (s *Service) hash(token string) []byte {
	m := hmac.New(sha256.New, s.c.TokenKey)
	m.Write([]byte("export-token\x00" + token))
	return m.Sum(nil)
}

// errNoExport is the one answer to an unknown, expired or erased package.
var errNoExport = steward.Errorf(steward.ENOTFOUND, "no such export, or it expired")

// wellFormed reports whether a token has the shape of one (before any
// lookup).
func wellFormed(token string) bool {
	return strings.HasPrefix(token, tokenPrefix) && len(token) == len(tokenPrefix)+43
}
