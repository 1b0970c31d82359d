// Package policies keeps the policy in force in the database, never in a
// replica's flags: every policy file the server has enforced is stored as a
// version (its text, hash, effective date and when it first came into
// force), a start with a new file imports it, and every replica follows the
// database, switching to a new version within one poll interval (1 second
// by default) of the change, or of a staged version's effective date.
//
// When a version comes into force the material changes since every earlier
// version are computed once (policy/diff), so that ConsentStale answers
// from memory whether a consent given under an earlier version still holds.
// The change is an audit event and a policy.changed event in each tenant's
// outbox, stored in the transaction that makes the version current.
package policies

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/engine"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/notice"
)

// Store is what the service needs from storage.
type Store interface {
	steward.PolicyStore
	Tenants(ctx context.Context) ([]*steward.Tenant, error)
}

// DefaultInterval is how often a replica polls the database for a new
// version in force: the bound on how long two replicas may enforce
// different versions.
const DefaultInterval = time.Second

// Options configures a Service.
type Options struct {
	Store Store
	// Audit receives the policy.change event of every tenant.
	Audit  steward.AuditLog
	Now    func() time.Time
	Logger *slog.Logger
	// Interval is the poll period (DefaultInterval when zero).
	Interval time.Duration
}

// Current is the version in force, parsed, compiled and rendered once.
type Current struct {
	Version *steward.PolicyVersion
	Policy  *policy.Policy
	Decider *policy.Decider
	// Gen is the database generation this snapshot was loaded at.
	Gen int64
	// HTML and Markdown are the notice of the version.
	HTML, Markdown []byte
	stale          *staleIndex
}

// Service follows and changes the policy in force. Its methods are safe for
// concurrent use.
type Service struct {
	opts Options
	cur  atomic.Pointer[Current]

	mu       sync.Mutex // serialises Sync and Import
	watchers []func(*Current)

	pmu    sync.Mutex // guards parsed
	parsed map[[sha256.Size]byte]*policy.Policy
}

// New returns a service; call Import and Sync before serving.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	return &Service{opts: o, parsed: map[[sha256.Size]byte]*policy.Policy{}}
}

// Compile parses, checks and compiles a policy file the way the server
// enforces it: the policy's own checks and the promises this build must
// keep (policy.Engine). Problems come as a policy.Problems error.
func Compile(name string, src []byte) (*policy.Policy, *policy.Decider, error) {
	p, err := policy.Parse(name, src)
	if err != nil {
		return nil, nil, err
	}
	d, err := policy.Compile(p)
	if err != nil {
		return nil, nil, err
	}
	if ps := p.CheckEngine(engine.Facts()); len(ps) > 0 {
		return nil, nil, ps
	}
	return p, d, nil
}

// Current returns the version in force on this replica (nil before the
// first Sync).
func (s *Service) Current() *Current { return s.cur.Load() }

// OnChange registers fn, called with every new version this replica
// switches to (after the first Sync), before Sync returns.
func (s *Service) OnChange(fn func(*Current)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
}

// Run polls the database every interval until ctx ends, switching to a new
// version in force and putting a due staged version in force. Errors are
// logged and retried at the next tick.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("following the policy in force", "error", err.Error())
		}
	}
}

// Sync reads the head from the database: it puts a due staged version in
// force (one replica wins; the others follow), and switches this replica
// to the version in force when it changed. It returns the version in force.
func (s *Service) Sync(ctx context.Context) (*Current, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sync(ctx)
}

func (s *Service) sync(ctx context.Context) (*Current, error) {
	for attempt := 0; ; attempt++ {
		head, err := s.opts.Store.PolicyHead(ctx, s.opts.Now())
		if steward.ErrorCode(err) == steward.ENOTFOUND && attempt < 3 {
			// A first import stored its version but stopped before putting
			// it in force: do it now.
			if err := s.enforceLatest(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if head.Due != "" && attempt < 3 {
			err := s.enforce(ctx, head.Due, head)
			if steward.ErrorCode(err) == steward.ECONFLICT {
				continue // another replica moved the head: read it again
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if cur := s.cur.Load(); cur != nil && cur.Gen == head.Gen {
			return cur, nil
		}
		return s.load(ctx, head)
	}
}

// enforceLatest puts the latest imported version in force when none is.
func (s *Service) enforceLatest(ctx context.Context) error {
	versions, err := s.opts.Store.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return steward.Errorf(steward.ENOTFOUND, "no policy is stored: import one first")
	}
	err = s.enforce(ctx, versions[len(versions)-1].Version, steward.PolicyHead{})
	if steward.ErrorCode(err) == steward.ECONFLICT {
		return nil // another replica did
	}
	return err
}

// load builds the snapshot of the version in force and switches to it.
func (s *Service) load(ctx context.Context, head steward.PolicyHead) (*Current, error) {
	versions, err := s.opts.Store.PolicyVersions(ctx)
	if err != nil {
		return nil, err
	}
	var v *steward.PolicyVersion
	for _, x := range versions {
		if x.Version == head.Version {
			v = x
		}
	}
	if v == nil {
		return nil, steward.Errorf(steward.EINTERNAL, "the policy in force is not stored")
	}
	p, d, err := Compile("policy version "+v.Version, v.Source)
	if err != nil {
		return nil, err
	}
	html, err := notice.HTML(p)
	if err != nil {
		return nil, err
	}
	cur := &Current{Version: v, Policy: p, Decider: d, Gen: head.Gen, HTML: html, Markdown: notice.Markdown(p),
		stale: s.index(v.Version, p, versions)}
	s.cur.Store(cur)
	for _, fn := range s.watchers {
		fn(cur)
	}
	s.opts.Logger.Info("policy in force", "version", v.Version, "generation", head.Gen)
	return cur, nil
}

// parse returns the parsed policy of a stored version, parsed once per
// text.
func (s *Service) parse(v *steward.PolicyVersion) (*policy.Policy, error) {
	key := sha256.Sum256(v.Source)
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if p, ok := s.parsed[key]; ok {
		return p, nil
	}
	p, err := policy.Parse("policy version "+v.Version, v.Source)
	if err != nil {
		return nil, err
	}
	s.parsed[key] = p
	return p, nil
}
