// Package disclose is the sharing gate: the only way a subject's data is
// handed out for a sub-processor. A disclosure names the processor, the
// purpose and what to send (category values, files, free text for a
// model); the policy's Decider, asked through the vault, decides the whole
// transfer (the processor serves the purpose and may receive every
// category, its locations are allowed for the subject's region, consent is
// on record where the basis is consent, nothing restricts or prohibits it).
// Allowed, the gate returns what may be sent, with every personal value of
// a category the processor may not receive replaced by a placeholder, each
// file as a one-time link, and the obligations binding the processor; each
// disclosure is kept in a ledger of ids and codes (G10). Allowed or denied,
// each is an audit event.
package disclose

import (
	"context"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// Limits of one disclosure request.
const (
	MaxCategories = 100
	MaxFiles      = 100
	MaxText       = 256 << 10
	// DefaultTextCategory is the category free text is disclosed under
	// unless the request names another: a prompt for a model.
	DefaultTextCategory = "user.content.prompt"
	// DefaultLinkTTL is how long a one-time link lives unless configured.
	DefaultLinkTTL = 10 * time.Minute
	// maxListed bounds one page of the ledger.
	maxListed = 1000
)

// Config holds the gate's dependencies.
type Config struct {
	Vault *vault.Vault
	Store steward.DisclosureStore
	// Pseudonymizer returns a tenant's pseudonymizer, whose placeholders
	// /v1/pii/reidentify restores.
	Pseudonymizer func(ctx context.Context, tenantID string) (*pii.Pseudonymizer, error)
	// LinkKey (at least 32 bytes) keys the hash under which one-time link
	// tokens are stored; the tokens themselves are never stored.
	LinkKey []byte
	// PublicURL is the base of every link handed out, e.g.
	// https://steward.example.com (no trailing slash).
	PublicURL string
	// LinkTTL is how long a one-time link lives; DefaultLinkTTL if zero.
	LinkTTL time.Duration
	Now     func() time.Time
}

// Service is the sharing gate.
type Service struct {
	vault   *vault.Vault
	store   steward.DisclosureStore
	pseudo  func(ctx context.Context, tenantID string) (*pii.Pseudonymizer, error)
	linkKey []byte
	baseURL string
	ttl     time.Duration
	now     func() time.Time
	scanner *pii.Scanner
}

// New returns the gate. It returns EINVALID for a missing dependency or a
// short link key.
func New(c Config) (*Service, error) {
	if c.Vault == nil || c.Store == nil || c.Pseudonymizer == nil {
		return nil, steward.Errorf(steward.EINVALID, "disclose: the vault, the store and the pseudonymizer are required")
	}
	if len(c.LinkKey) < 32 {
		return nil, steward.Errorf(steward.EINVALID, "disclose: the link key must be at least 32 bytes")
	}
	if c.LinkTTL <= 0 {
		c.LinkTTL = DefaultLinkTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	sc, err := pii.New()
	if err != nil {
		return nil, err
	}
	return &Service{vault: c.Vault, store: c.Store, pseudo: c.Pseudonymizer, linkKey: c.LinkKey, baseURL: c.PublicURL,
		ttl: c.LinkTTL, now: c.Now, scanner: sc}, nil
}

// Request asks for one disclosure of a subject's data to a processor.
type Request struct {
	Processor  string   `json:"processor" doc:"the key of a processor the policy declares, e.g. kestrel-video"`
	Purpose    string   `json:"purpose" doc:"the data use the processor serves, e.g. essential.service.generation"`
	Categories []string `json:"categories,omitempty" doc:"categories whose values to send (at most 100)"`
	Files      []string `json:"files,omitempty" doc:"ids of the subject's files to send, each as a one-time link (at most 100)"`
	Text       *string  `json:"text,omitempty" doc:"free text for a model; personal data the processor may not receive is replaced by placeholders"`
	// TextCategory is the category the text is disclosed under.
	TextCategory string `json:"text_category,omitempty" doc:"the category of the text; default user.content.prompt"`
	// ConversationID keeps placeholders consistent across the turns of a
	// conversation; default the disclosure id.
	ConversationID string `json:"conversation_id,omitempty" doc:"placeholders stay the same across a conversation; default the disclosure id"`
}

// Result is an allowed disclosure: its ledger entry and what may be sent.
type Result struct {
	steward.Disclosure
	// Values are the category values as they may leave.
	Values []vault.Value `json:"values"`
	// Downloads are the files, each as a one-time link.
	Downloads []Link `json:"downloads"`
	// Text is the free text as it may leave.
	Text *string `json:"text,omitempty"`
	// ConversationID restores the placeholders of a model's answer through
	// /v1/pii/reidentify; set when anything was replaced by one.
	ConversationID string `json:"conversation_id,omitempty"`
}

// Link is a one-time link to a disclosed file.
type Link struct {
	FileID    string    `json:"file_id"`
	Category  string    `json:"category"`
	Size      int64     `json:"size"`
	URL       string    `json:"url" doc:"GET it once, without a key, before it expires"`
	ExpiresAt time.Time `json:"expires_at"`
}

// check validates a request, naming the field at fault.
func (s *Service) check(r *Request) error {
	if r.Processor == "" || len(r.Processor) > 200 {
		return steward.Invalid("processor", "is required: the key of a processor the policy declares")
	}
	if r.Purpose == "" || len(r.Purpose) > 200 {
		return steward.Invalid("purpose", "is required: the data use the processor serves")
	}
	if len(r.Categories) > MaxCategories {
		return steward.Invalid("categories", "at most 100 categories per disclosure")
	}
	if len(r.Files) > MaxFiles {
		return steward.Invalid("files", "at most 100 files per disclosure")
	}
	if len(r.Categories) == 0 && len(r.Files) == 0 && r.Text == nil {
		return steward.Invalid("categories", "name something to disclose: categories, files or text")
	}
	pol := s.vault.Policy()
	seen := make(map[string]bool, len(r.Categories))
	for i, c := range r.Categories {
		if len(c) > 200 || !pol.CategoryDeclared(c) {
			return steward.Invalid(index("categories", i), "is not a data category declared by the policy")
		}
		if seen[c] {
			return steward.Invalid(index("categories", i), "is named twice")
		}
		seen[c] = true
	}
	for i, f := range r.Files {
		if f == "" || len(f) > 100 {
			return steward.Invalid(index("files", i), "is not a file id")
		}
	}
	if r.Text != nil {
		if len(*r.Text) > MaxText || !utf8.ValidString(*r.Text) {
			return steward.Invalid("text", "must be UTF-8 text of at most 256 KiB")
		}
		if r.TextCategory == "" {
			r.TextCategory = DefaultTextCategory
		}
		if len(r.TextCategory) > 200 || !pol.CategoryDeclared(r.TextCategory) {
			return steward.Invalid("text_category", "is not a data category declared by the policy; name the category of the text")
		}
	} else if r.TextCategory != "" {
		return steward.Invalid("text_category", "is given without a text")
	}
	if len(r.ConversationID) > 200 {
		return steward.Invalid("conversation_id", "is at most 200 characters")
	}
	return nil
}

// Disclose decides a disclosure of a subject's data and, when the policy
// allows it, records it in the ledger and returns what may be sent. A
// denial is EFORBIDDEN with every reason code. It needs disclosures:write.
func (s *Service) Disclose(ctx context.Context, subjectID string, r *Request) (*Result, error) {
	c, err := steward.Require(ctx, steward.ScopeDisclosuresWrite)
	if err != nil {
		return nil, err
	}
	if err := s.check(r); err != nil {
		return nil, err
	}
	cats := r.Categories
	if r.Text != nil && !slices.Contains(cats, r.TextCategory) {
		cats = append(cats[:len(cats):len(cats)], r.TextCategory)
	}
	t, err := s.vault.Transfer(ctx, subjectID, vault.Access{Purpose: r.Purpose, Processor: r.Processor}, cats, r.Files)
	if err != nil {
		return nil, err
	}
	pol := s.vault.Policy()
	event := steward.AuditEvent{Action: steward.ActionDisclose, SubjectID: t.Subject.ID, Categories: t.Categories, Purpose: r.Purpose}
	if !t.Allowed() {
		// The processor key is caller text until the policy knows it.
		if _, ok := pol.Processor(r.Processor); ok {
			event.Target = "processor:" + r.Processor
		}
		event.Decision, event.Reasons = steward.DecisionDeny, t.Decision.Codes()
		s.vault.CodesOnly(&event, t.Decision)
		if err := s.vault.Audit(ctx, event); err != nil {
			return nil, err
		}
		return nil, &steward.Error{Code: steward.EFORBIDDEN, Message: t.Decision.Sentence(), Reasons: t.Decision.Codes()}
	}
	procRetention, _ := pol.ProcessorRetention(r.Processor)
	now := s.now().UTC()
	res := &Result{Disclosure: steward.Disclosure{ID: steward.NewID("dsc"), TenantID: c.TenantID, SubjectID: t.Subject.ID,
		Processor: r.Processor, Purpose: r.Purpose, Categories: t.Categories, Files: make([]string, 0, len(t.Files)), Text: r.Text != nil,
		PolicyVersion: pol.Version(), Retention: retention(procRetention), Obligations: t.Decision.Obligations.Names(), At: now},
		Downloads: make([]Link, 0, len(t.Files))}
	if res.Obligations == nil {
		res.Obligations = []string{}
	}
	conversation := r.ConversationID
	if conversation == "" {
		conversation = res.ID
	}
	g := &gate{s: s, ctx: ctx, t: t, conversation: conversation}
	if err := g.apply(res, r.Text); err != nil {
		return nil, err
	}
	links := make([]*steward.DownloadLink, 0, len(t.Files))
	for _, f := range t.Files {
		link, stored, err := s.newLink(c, res, f, now)
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, f.ID)
		res.Downloads, links = append(res.Downloads, link), append(links, stored)
	}
	event.Target, event.Decision, event.Reasons = res.ID, steward.DecisionAllow, t.Decision.Codes()
	event.Categories, event.Time = res.Categories, now
	// Without links, the ledger row travels in the audit event and is
	// stored with it (steward.DisclosureFromAudit): no write of its own.
	// With links, or when it does not fit an event, it is stored first,
	// with its links, so that they work before the answer.
	if reasons, fits := res.LedgerReasons(event.Reasons); fits && len(links) == 0 {
		event.Reasons = reasons
	} else if err := s.store.AddDisclosure(ctx, &res.Disclosure, links); err != nil {
		return nil, err
	}
	if err := s.vault.Audit(ctx, event); err != nil {
		return nil, err
	}
	return res, nil
}

// List returns a subject's disclosures, newest first, at most limit (100
// when 0, at most 1000): who has received the subject's data. The ledger
// outlives an erasure, so an erased subject's disclosures are still listed.
// It needs disclosures:read; the read is audited.
func (s *Service) List(ctx context.Context, subjectID string, limit int) ([]*steward.Disclosure, error) {
	c, err := steward.Require(ctx, steward.ScopeDisclosuresRead)
	if err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > maxListed:
		return nil, steward.Invalid("limit", "must be between 1 and 1000")
	}
	if subjectID == "" || len(subjectID) > 100 {
		return nil, steward.Errorf(steward.ENOTFOUND, "subject not found")
	}
	// Disclosures ledgered through their audit events are in the ledger
	// once those are stored (on SQLite the audit journal stores them within
	// its delay): wait for that, so that the list is never behind.
	if err := s.vault.SyncAudit(ctx); err != nil {
		return nil, err
	}
	out, err := s.store.Disclosures(ctx, c.TenantID, subjectID, limit)
	if err != nil {
		return nil, err
	}
	if err := s.vault.Audit(ctx, steward.AuditEvent{Action: steward.ActionDisclosuresRead, SubjectID: subjectID,
		Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	if out == nil {
		out = []*steward.Disclosure{}
	}
	return out, nil
}

// index names one element of a list field, e.g. categories[3].
func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// retention names a processor's declared retention as the policy spells it
// for a processor: not-retained rather than ephemeral.
func retention(r policy.Retention) string {
	if r.Kind == policy.RetainEphemeral {
		return "not-retained"
	}
	return r.String()
}
