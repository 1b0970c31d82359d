package policies

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
	"github.com/steward-privacy/steward/policy/notice"
)

// Versions lists every stored version, oldest import first.
func (s *Service) Versions(ctx context.Context) ([]*steward.PolicyVersion, error) {
	return s.opts.Store.PolicyVersions(ctx)
}

// Version returns a stored version and its parsed policy; ENOTFOUND for an
// unknown version.
func (s *Service) Version(ctx context.Context, version string) (*steward.PolicyVersion, *policy.Policy, error) {
	if cur := s.Current(); cur != nil && cur.Version.Version == version {
		return cur.Version, cur.Policy, nil
	}
	if steward.ValidatePolicyVersion("version", version) != nil {
		return nil, nil, steward.Errorf(steward.ENOTFOUND, "no such policy version")
	}
	v, err := s.opts.Store.PolicyVersion(ctx, version)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, steward.Errorf(steward.ENOTFOUND, "no such policy version")
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := s.parse(v)
	if err != nil {
		return nil, nil, err
	}
	return v, p, nil
}

// Diff lists the changes from one stored version to another, the material
// ones marked, as `steward policy diff` does. An unknown version is
// ENOTFOUND naming the parameter.
func (s *Service) Diff(ctx context.Context, from, to string) ([]diff.Change, error) {
	_, a, err := s.Version(ctx, from)
	if err != nil {
		return nil, named("from", err)
	}
	_, b, err := s.Version(ctx, to)
	if err != nil {
		return nil, named("to", err)
	}
	return diff.Compare(a, b), nil
}

// named prefixes a not-found error with the parameter that named it.
func named(param string, err error) error {
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return steward.Errorf(steward.ENOTFOUND, "%s: no such policy version", param)
	}
	return err
}

// NoticeHTML returns the HTML notice of a stored version.
func (s *Service) NoticeHTML(ctx context.Context, version string) ([]byte, error) {
	if cur := s.Current(); cur != nil && cur.Version.Version == version {
		return cur.HTML, nil
	}
	_, p, err := s.Version(ctx, version)
	if err != nil {
		return nil, err
	}
	return notice.HTML(p)
}

// LastUpdate is the date the policy in force took effect, as YYYY-MM-DD
// (the lastUpdate of /.well-known/gpc.json).
func (c *Current) LastUpdate() string { return c.Version.Effective.UTC().Format(time.DateOnly) }
