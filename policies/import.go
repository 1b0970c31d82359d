package policies

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
)

// ImportOptions tunes Import.
type ImportOptions struct {
	// KeepStored skips the import when any version is stored: the built-in
	// starter policy is imported only into an empty database, so a replica
	// started without --policy follows the database.
	KeepStored bool
	// FirstTenantRegion is the home region of the tenant a first start
	// creates (checked against the policy's storage regions when there is
	// no tenant yet).
	FirstTenantRegion string
}

// Imported says what Import did.
type Imported struct {
	Version string
	// New is set when the file was stored as a new version; Staged when it
	// waits for its effective date; Skipped when KeepStored kept the
	// database's version.
	New, Staged, Skipped bool
}

// Import stores a policy file as a new version, unless the same text is
// stored under its version already, and puts it in force when its
// effective date has come (or when no version is in force yet). It refuses
// a file that declares the version of a stored, different text (a version
// names one text), and a new policy whose storage regions leave out a
// tenant's home region. Nothing is written when it refuses.
func (s *Service) Import(ctx context.Context, name string, src []byte, o ImportOptions) (*Imported, error) {
	p, d, err := Compile(name, src)
	if err != nil {
		return nil, err
	}
	version := p.Organisation.Version
	if err := steward.ValidatePolicyVersion("organisation.version", version); err != nil {
		return nil, fmt.Errorf("policy %s: organisation.version %q: %s", name, version, steward.ErrorMessage(err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.KeepStored {
		if stored, err := s.opts.Store.PolicyVersions(ctx); err != nil || len(stored) > 0 {
			return &Imported{Version: version, Skipped: true}, err
		}
	}
	sum := sha256.Sum256(src)
	if same, err := s.stored(ctx, name, version, sum[:]); err != nil || same {
		return &Imported{Version: version}, err
	}
	if err := s.checkTenants(ctx, name, d, o.FirstTenantRegion); err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	effective := now
	if p.Organisation.Effective != "" {
		if effective, err = time.Parse(time.DateOnly, string(p.Organisation.Effective)); err != nil {
			return nil, err // Parse checked the date
		}
	}
	v := &steward.PolicyVersion{Version: version, Effective: effective, SHA256: sum[:], Source: src, ImportedAt: now}
	if err := s.opts.Store.ImportPolicyVersion(ctx, v); steward.ErrorCode(err) == steward.ECONFLICT {
		// Another replica imported a file of this version at the same time.
		if _, err := s.stored(ctx, name, version, sum[:]); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	out := &Imported{Version: version, New: true}
	for attempt := 0; attempt < 3; attempt++ {
		head, err := s.opts.Store.PolicyHead(ctx, now)
		switch {
		case steward.ErrorCode(err) == steward.ENOTFOUND:
			// Nothing is in force yet: this version is, whatever its date.
			head = steward.PolicyHead{}
		case err != nil:
			return nil, err
		case head.Version == version:
			return out, nil
		case effective.After(now):
			out.Staged = true
			s.opts.Logger.Info("policy staged", "version", version, "effective", effective.Format(time.DateOnly), "in_force", head.Version)
			return out, nil
		}
		err = s.enforce(ctx, version, head)
		if steward.ErrorCode(err) != steward.ECONFLICT {
			return out, err
		}
	}
	return nil, steward.Errorf(steward.ECONFLICT, "the policy in force kept changing; start again")
}

// stored reports whether version is stored with this hash (true), not
// stored (false), or stored with another text (an error saying so).
func (s *Service) stored(ctx context.Context, name, version string, sum []byte) (bool, error) {
	old, err := s.opts.Store.PolicyVersion(ctx, version)
	switch {
	case steward.ErrorCode(err) == steward.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, err
	case bytes.Equal(old.SHA256, sum):
		return true, nil
	}
	return false, fmt.Errorf("policy %s declares organisation.version %q, which the database holds already with different text "+
		"(sha256 %s, imported %s): a version names one text. Give the changed policy a new organisation.version",
		name, version, hex.EncodeToString(old.SHA256)[:16], old.ImportedAt.Format(time.DateOnly))
}

// checkTenants refuses a policy that does not store data in every
// tenant's home region (or, before the first tenant exists, in the region
// the first start gives it).
func (s *Service) checkTenants(ctx context.Context, name string, d *policy.Decider, firstRegion string) error {
	tenants, err := s.opts.Store.Tenants(ctx)
	if err != nil {
		return err
	}
	regions := strings.Join(d.StorageRegions(), ", ")
	if len(tenants) == 0 {
		if firstRegion != "" && !d.IsStorageRegion(firstRegion) {
			return fmt.Errorf("policy %s stores data only in [%s], not in %q, the home region of the operator tenant a first start creates: "+
				"set region (--region) to one of them", name, regions, firstRegion)
		}
		return nil
	}
	var bad []string
	for _, t := range tenants {
		if !d.IsStorageRegion(t.HomeRegion) {
			bad = append(bad, t.ID+" ("+t.HomeRegion+")")
		}
	}
	if len(bad) == 0 {
		return nil
	}
	n := len(bad)
	if len(bad) > 10 {
		bad = append(bad[:10], "...")
	}
	return fmt.Errorf("policy %s stores data only in [%s], but %d tenant(s) live in another home region: %s. "+
		"Keep their regions in regions.storage", name, regions, n, strings.Join(bad, ", "))
}

// changeData is the data of a policy.changed event: ids and codes only.
type changeData struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Purposes []string `json:"purposes"` // purposes changed materially: their consents are stale
	Changes  int      `json:"changes"`
	Material int      `json:"material"`
}

// enforce puts version to in force if the head has not moved, with a
// policy.changed event for every tenant in the same transaction, then one
// audit event per tenant.
func (s *Service) enforce(ctx context.Context, to string, head steward.PolicyHead) error {
	data := changeData{From: head.Version, To: to, Purposes: []string{}}
	if head.Gen > 0 {
		oldV, err := s.opts.Store.PolicyVersion(ctx, head.Version)
		if err != nil {
			return err
		}
		newV, err := s.opts.Store.PolicyVersion(ctx, to)
		if err != nil {
			return err
		}
		oldP, err := s.parse(oldV)
		if err != nil {
			return err
		}
		newP, err := s.parse(newV)
		if err != nil {
			return err
		}
		changes := diff.Compare(oldP, newP)
		data.Changes, data.Material = len(changes), len(diff.Material(changes))
		for purpose := range materialChanges(oldP, newP) {
			data.Purposes = append(data.Purposes, purpose)
		}
		slices.Sort(data.Purposes)
	}
	now := s.opts.Now().UTC()
	event, err := steward.NewEvent("", steward.EventPolicyChanged, now, data)
	if err != nil {
		return err
	}
	tenants, err := s.opts.Store.EnforcePolicyVersion(ctx, to, head.Gen, now, event)
	if err != nil {
		return err
	}
	from := head.Version
	if from == "" {
		from = "none"
	}
	s.opts.Logger.Info("policy changed", "from", from, "to", to, "material", data.Material, "tenants", len(tenants))
	for _, t := range tenants {
		e := &steward.AuditEvent{TenantID: t, Time: now, Actor: string(steward.ActorSystem) + ":policy", Action: steward.ActionPolicyChange,
			Target: to, Reasons: []string{"from:" + from, "to:" + to, "changes:" + strconv.Itoa(data.Changes),
				"material:" + strconv.Itoa(data.Material), "purposes:" + strconv.Itoa(len(data.Purposes))}}
		if err := s.opts.Audit.Append(ctx, e); err != nil {
			return fmt.Errorf("auditing the policy change: %w", err)
		}
	}
	return nil
}

// Prepare checks a policy file to stage through the API, as Import checks
// one at start, and returns the version to store (not stored: the caller
// stores it with what goes with it in one transaction) and its policy. A
// file that does not compile comes back as a policy.Problems error; a
// version stored already is ECONFLICT; storage regions leaving out a
// tenant's home region EINVALID. It writes nothing.
func (s *Service) Prepare(ctx context.Context, name string, src []byte) (*steward.PolicyVersion, *policy.Policy, error) {
	p, d, err := Compile(name, src)
	if err != nil {
		return nil, nil, err
	}
	version := p.Organisation.Version
	if err := steward.ValidatePolicyVersion("organisation.version", version); err != nil {
		return nil, nil, err
	}
	switch _, err := s.opts.Store.PolicyVersion(ctx, version); {
	case err == nil:
		return nil, nil, steward.Errorf(steward.ECONFLICT, "version %s is stored already: a version names one text; "+
			"give the new policy a new organisation.version", version)
	case steward.ErrorCode(err) != steward.ENOTFOUND:
		return nil, nil, err
	}
	if err := s.checkTenants(ctx, name, d, ""); err != nil {
		return nil, nil, &steward.Error{Code: steward.EINVALID, Message: err.Error(),
			Fields: []steward.FieldError{{Path: "source", Message: "regions.storage must keep every tenant's home region"}}}
	}
	now := s.opts.Now().UTC()
	effective := now
	if p.Organisation.Effective != "" {
		if effective, err = time.Parse(time.DateOnly, string(p.Organisation.Effective)); err != nil {
			return nil, nil, err // Parse checked the date
		}
	}
	sum := sha256.Sum256(src)
	return &steward.PolicyVersion{Version: version, Effective: effective, SHA256: sum[:], Source: src, ImportedAt: now}, p, nil
}
