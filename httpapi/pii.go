package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/pii"
)

// PIIOptions wires the PII endpoints.
type PIIOptions struct {
	// Key derives a tenant's key for one use ("hash", "encrypt",
	// "pseudonym"), so equal values hash equally within a tenant only.
	Key func(ctx context.Context, tenantID, use string) ([]byte, error)
	// Store keeps pseudonymization mappings, sealed.
	Store pii.Store
	// TTL is how long a conversation's mapping lives after its last use.
	TTL time.Duration
	Now func() time.Time
	// Audit records each use (counts and codes only); nil records nothing.
	Audit steward.AuditLog
}

// Audit actions of the PII endpoints: what was asked and how many entities
// of which type were found, never the text.
const (
	ActionPIIScan         = "pii.scan"
	ActionPIIPseudonymize = "pii.pseudonymize"
	ActionPIIReidentify   = "pii.reidentify"
)

// auditPII records one use of a PII endpoint: the entity types found with
// their counts, and the conversation as a keyed hash (its id is the
// caller's text and may itself be personal).
func (o *PIIOptions) auditPII(ctx context.Context, action, conversation string, found []pii.Finding, restored int) error {
	if o.Audit == nil {
		return nil
	}
	c := steward.CallerFrom(ctx)
	e := steward.NewAuditEvent(ctx, c, action, o.Now())
	e.Decision = steward.DecisionAllow
	counts := map[pii.Entity]int{}
	for _, f := range found {
		counts[f.Entity]++
	}
	for ent, n := range counts {
		e.Reasons = append(e.Reasons, string(ent)+":"+strconv.Itoa(n))
	}
	slices.Sort(e.Reasons)
	if restored > 0 {
		e.Reasons = append(e.Reasons, "restored:"+strconv.Itoa(restored))
	}
	if conversation != "" {
		key, err := o.Key(ctx, c.TenantID, "hash")
		if err != nil {
			return err
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte("conversation\x00" + conversation))
		e.Target = "conversation:" + hex.EncodeToString(m.Sum(nil)[:16])
	}
	return o.Audit.Append(ctx, e)
}

// ScanRequest asks for personal data in a text.
type ScanRequest struct {
	Text      string   `json:"text"`
	Entities  []string `json:"entities,omitempty" doc:"only these entity types, e.g. EMAIL_ADDRESS, PHONE_NUMBER"`
	Threshold *float64 `json:"threshold,omitempty" doc:"minimum score, 0 to 1; default 0.5"`
	Operator  string   `json:"operator,omitempty" doc:"replace, redact, mask[:N], hash or encrypt; the text after it is returned"`
}

// ScanResponse lists the findings (never their values) and, with an
// operator, the transformed text.
type ScanResponse struct {
	Entities []pii.Finding `json:"entities"`
	Text     *string       `json:"text,omitempty"`
}

// PseudonymizeRequest replaces personal data with placeholders that stay
// the same across a conversation.
type PseudonymizeRequest struct {
	ConversationID string   `json:"conversation_id"`
	Text           string   `json:"text"`
	Entities       []string `json:"entities,omitempty"`
	Threshold      *float64 `json:"threshold,omitempty"`
}

// PseudonymizeResponse is the text with placeholders.
type PseudonymizeResponse struct {
	Text     string        `json:"text"`
	Entities []pii.Finding `json:"entities"`
}

// ReidentifyRequest restores the placeholders in a model's answer.
type ReidentifyRequest struct {
	ConversationID string `json:"conversation_id"`
	Text           string `json:"text"`
}

func scanner(entities []string, threshold *float64) (*pii.Scanner, error) {
	var opts []pii.Option
	if len(entities) > 0 {
		es := make([]pii.Entity, 0, len(entities))
		for _, e := range entities {
			x, err := pii.ParseEntity(e)
			if err != nil {
				return nil, steward.Invalid("entities", "unknown entity type")
			}
			es = append(es, x)
		}
		opts = append(opts, pii.WithEntities(es...))
	}
	if threshold != nil {
		opts = append(opts, pii.WithThreshold(*threshold))
	}
	return pii.New(opts...)
}

// maxPIIText bounds the text of one pseudonymize or reidentify request:
// 256 KiB is about 64,000 tokens of English, more than one turn of a
// conversation with a model carries, and at the pseudonymizer's measured
// 20+ MB/s on text dense with personal data at most about 13 ms of one core
// (docs/benchmarks-pii.md), so concurrent requests cannot starve the others.
// Longer texts are sent as several requests of the same conversation, which
// keep their placeholders.
const maxPIIText = 256 << 10

// checkConversation checks the conversation id and the size of the text of
// a pseudonymize or reidentify request (ETOOLARGE over maxPIIText).
func checkConversation(id, text string) error {
	if id == "" || len(id) > 200 {
		return steward.Invalid("conversation_id", "is required (1 to 200 characters)")
	}
	if len(text) > maxPIIText {
		return steward.Errorf(steward.ETOOLARGE, "text is over %d KiB; split it into several requests of the same conversation", maxPIIText>>10)
	}
	return nil
}

func (s *Server) pseudonymizer(ctx context.Context, o *PIIOptions) (*pii.Pseudonymizer, error) {
	return o.Pseudonymizer(ctx, steward.CallerFrom(ctx).TenantID)
}

// Pseudonymizer returns a tenant's pseudonymizer: the one behind
// /v1/pii/pseudonymize and /v1/pii/reidentify, which the sharing gate uses
// too, so that a disclosure's placeholders are restored there.
func (o *PIIOptions) Pseudonymizer(ctx context.Context, tenantID string) (*pii.Pseudonymizer, error) {
	key, err := o.Key(ctx, tenantID, "pseudonym")
	if err != nil {
		return nil, err
	}
	return pii.NewPseudonymizer(pii.PseudonymizerConfig{Key: key, Namespace: tenantID, TTL: o.TTL, Store: o.Store, Now: o.Now})
}

func (s *Server) routePII(o *PIIOptions) {
	s.route(Route{Method: "POST", Path: "/v1/pii/scan", Summary: "Find personal data in a text; optionally redact it", Tag: "pii",
		Scope: steward.ScopePII, In: ScanRequest{}, Out: ScanResponse{}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[ScanRequest](w, r)
			if err != nil {
				return err
			}
			sc, err := scanner(in.Entities, in.Threshold)
			if err != nil {
				return err
			}
			found := sc.Scan(in.Text)
			if err := o.auditPII(r.Context(), ActionPIIScan, "", found, 0); err != nil {
				return err
			}
			out := ScanResponse{Entities: found}
			if out.Entities == nil {
				out.Entities = []pii.Finding{}
			}
			if in.Operator != "" {
				var key []byte
				if use := in.Operator; use == "hash" || use == "encrypt" {
					if key, err = o.Key(r.Context(), steward.CallerFrom(r.Context()).TenantID, use); err != nil {
						return err
					}
				}
				op, err := pii.ParseOperator(in.Operator, key)
				if err != nil {
					return err
				}
				text, err := pii.Apply(in.Text, found, op)
				if err != nil {
					return err
				}
				out.Text = &text
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/pii/pseudonymize", Summary: "Replace personal data with consistent placeholders per conversation", Tag: "pii",
		Scope: steward.ScopePII, In: PseudonymizeRequest{}, Out: PseudonymizeResponse{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[PseudonymizeRequest](w, r)
			if err != nil {
				return err
			}
			if err := checkConversation(in.ConversationID, in.Text); err != nil {
				return err
			}
			sc, err := scanner(in.Entities, in.Threshold)
			if err != nil {
				return err
			}
			p, err := s.pseudonymizer(r.Context(), o)
			if err != nil {
				return err
			}
			found := sc.Scan(in.Text)
			text, err := p.Pseudonymize(r.Context(), in.ConversationID, in.Text, found)
			if err != nil {
				return err
			}
			if err := o.auditPII(r.Context(), ActionPIIPseudonymize, in.ConversationID, found, 0); err != nil {
				return err
			}
			if found == nil {
				found = []pii.Finding{}
			}
			return respond(w, http.StatusOK, PseudonymizeResponse{Text: text, Entities: found})
		})
	s.route(Route{Method: "POST", Path: "/v1/pii/reidentify", Summary: "Restore a conversation's placeholders in a model's answer", Tag: "pii",
		Scope: steward.ScopePII, In: ReidentifyRequest{}, Out: pii.Reidentified{}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[ReidentifyRequest](w, r)
			if err != nil {
				return err
			}
			if err := checkConversation(in.ConversationID, in.Text); err != nil {
				return err
			}
			p, err := s.pseudonymizer(r.Context(), o)
			if err != nil {
				return err
			}
			out, err := p.Reidentify(r.Context(), in.ConversationID, in.Text)
			if err != nil {
				return err
			}
			if err := o.auditPII(r.Context(), ActionPIIReidentify, in.ConversationID, nil, out.Restored); err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
}
