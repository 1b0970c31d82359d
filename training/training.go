// Package training governs the data that leaves steward to train AI
// models. A model is registered for a training purpose of the policy,
// owned by a tenant (trained only on its data, visible only to it) or by
// the service (only the operator tenant's data). A training export takes,
// at that moment, exactly the subjects the policy allows for the purpose
// (consent where the basis is consent, no objection, restriction, GPC
// opt-out or age below the minimum; a prohibition refuses the export),
// de-identifies their values (pseudonymize: stable within the export,
// unlinkable across exports, personal data in text replaced through the
// PII engine; redact: personal data removed; aggregate: counts per
// category and value class, groups below k suppressed), and records its
// lineage: which shard each subject went to, as a keyed hash of the
// subject id, so the lineage names nobody. An OpenLineage RunEvent
// describes each export. When a subject is erased, the shards they were
// in become retrain obligations of the models (model.affected in the
// outbox, no subject id) and their lineage rows are deleted: nothing links
// the person to the model any more.
package training

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// Store is what the service needs from storage.
type Store interface {
	steward.TrainingStore
	Tenants(ctx context.Context) ([]*steward.Tenant, error)
}

// Config holds the service's dependencies.
type Config struct {
	Store    Store
	Vault    *vault.Vault
	Files    blob.Store
	Policies *policies.Service
	Scanner  *pii.Scanner
	Audit    steward.AuditLog
	// Key is a 32-byte secret derived from the master key ("training"):
	// it keys the lineage hashes, the pseudonyms and the stored exports.
	Key []byte
	// Producer names steward in OpenLineage events (its public URL).
	Producer string
	Now      func() time.Time
}

// Service manages models and training exports.
type Service struct {
	c       Config
	running sync.WaitGroup
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Producer == "" {
		c.Producer = "https://github.com/steward-privacy/steward"
	}
	return &Service{c: c}
}

// Actor is the system reader of training exports in the audit log.
const Actor = "training"

// TrainingUse is the taxonomy's data use of training AI systems; a
// model's purpose is it or a key under it.
const TrainingUse = "train_ai_system"

// NewModel registers a model.
type NewModel struct {
	Name    string `json:"name" doc:"what the team calls it"`
	Purpose string `json:"purpose" doc:"a declared purpose of the policy under train_ai_system"`
	Owner   string `json:"owner" doc:"tenant (a custom model: this tenant's data only, visible only to it) or service (the operator tenant's data only)"`
}

// keyed returns HMAC(Key, parts) for a domain.
func (s *Service) keyed(parts ...string) []byte {
	m := hmac.New(sha256.New, s.c.Key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return m.Sum(nil)
}

// subjectHash is the lineage's name for a subject: a keyed hash under the
// tenant's lineage key, which names nobody.
func (s *Service) subjectHash(tenantID, subjectID string) []byte {
	m := hmac.New(sha256.New, s.keyed("lineage", tenantID))
	m.Write([]byte(subjectID))
	return m.Sum(nil)
}

// record appends an audit event of the caller.
func (s *Service) record(ctx context.Context, c *steward.Caller, action, target string, reasons ...string) error {
	e := steward.NewAuditEvent(ctx, c, action, s.c.Now())
	e.Target, e.Decision, e.Reasons = target, steward.DecisionAllow, reasons
	return s.c.Audit.Append(ctx, e)
}

// CreateModel registers a model (scope models:manage). A service-owned
// model is for the operator tenant only.
func (s *Service) CreateModel(ctx context.Context, in *NewModel) (*steward.Model, error) {
	c, err := steward.Require(ctx, steward.ScopeModelsManage)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 || !utf8.ValidString(name) {
		return nil, steward.Invalid("name", "is required: at most 200 characters")
	}
	if err := s.trainingPurpose(in.Purpose); err != nil {
		return nil, err
	}
	switch in.Owner {
	case steward.OwnerTenant:
	case steward.OwnerService:
		op, err := s.operator(ctx)
		if err != nil {
			return nil, err
		}
		if op != c.TenantID {
			return nil, steward.Errorf(steward.EFORBIDDEN, "a service-owned model is trained only on the operator tenant's data: register it from the operator tenant")
		}
	default:
		return nil, steward.Invalid("owner", "must be tenant or service")
	}
	m := &steward.Model{ID: steward.NewID("mdl"), TenantID: c.TenantID, Name: name, Purpose: in.Purpose, Owner: in.Owner,
		CreatedAt: s.c.Now().UTC(), CreatedBy: c.Actor()}
	if err := s.c.Store.CreateModel(ctx, m); err != nil {
		return nil, err
	}
	return m, s.record(ctx, c, steward.ActionModelCreate, m.ID, "purpose:"+m.Purpose, "owner:"+m.Owner)
}

// operator is the operator tenant: the first created.
func (s *Service) operator(ctx context.Context) (string, error) {
	ts, err := s.c.Store.Tenants(ctx)
	if err != nil || len(ts) == 0 {
		return "", err
	}
	return ts[0].ID, nil
}

// trainingPurpose checks that purpose is a declared purpose under the
// training data use.
func (s *Service) trainingPurpose(purpose string) error {
	if purpose != TrainingUse && !strings.HasPrefix(purpose, TrainingUse+".") {
		return steward.Invalid("purpose", "must be train_ai_system or a purpose under it")
	}
	cur := s.c.Policies.Current()
	for _, p := range cur.Policy.Purposes {
		if p.Key == purpose {
			return nil
		}
	}
	return s.prohibitedOr(purpose, nil, steward.Invalid("purpose", "is not a purpose the policy declares"))
}

// prohibitedOr returns the policy's refusal when a prohibition forbids the
// purpose (for the categories, or any), else err: a refusal says why.
func (s *Service) prohibitedOr(purpose string, categories []string, err error) error {
	if len(categories) == 0 {
		categories = []string{"user"}
	}
	d := s.c.Policies.Current().Decider.Decide(&policy.Request{Purpose: purpose, Categories: categories, Actor: policy.ActorService,
		Aggregate: true, At: s.c.Now()})
	if d.Reasons.Has(policy.ReasonProhibited) {
		return &steward.Error{Code: steward.EFORBIDDEN, Message: d.Sentence(), Reasons: d.Codes()}
	}
	return err
}

// Models lists the caller's tenant's models (scope models:manage).
func (s *Service) Models(ctx context.Context) ([]*steward.Model, error) {
	c, err := steward.Require(ctx, steward.ScopeModelsManage)
	if err != nil {
		return nil, err
	}
	return s.c.Store.Models(ctx, c.TenantID)
}

// Model returns one of the caller's tenant's models; another tenant's is
// not found.
func (s *Service) Model(ctx context.Context, id string) (*steward.Model, error) {
	c, err := steward.Require(ctx, steward.ScopeModelsManage)
	if err != nil {
		return nil, err
	}
	return s.c.Store.Model(ctx, c.TenantID, id)
}

// keyedBytes is HMAC-SHA-256(key, s).
func keyedBytes(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}
