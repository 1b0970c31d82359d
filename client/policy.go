package client

import (
	"context"
	"time"
)

// PolicyVersion describes a policy version the server has enforced or
// staged.
type PolicyVersion struct {
	Version    string     `json:"version"`
	Effective  string     `json:"effective"` // YYYY-MM-DD
	SHA256     string     `json:"sha256"`    // hex SHA-256 of the file
	ImportedAt time.Time  `json:"imported_at"`
	EnforcedAt *time.Time `json:"enforced_at,omitempty"` // nil while staged
	InForce    bool       `json:"in_force"`
}

// Policy is the policy in force: its version, its file and a summary.
type Policy struct {
	PolicyVersion
	Source  string        `json:"source"` // the policy file
	Summary PolicySummary `json:"summary"`
}

// PolicySummary is what a policy allows.
type PolicySummary struct {
	Organisation string             `json:"organisation"`
	Purposes     []PurposeSummary   `json:"purposes"`
	Processors   []ProcessorSummary `json:"processors"`
	Categories   []CategorySummary  `json:"categories"`
	Regions      RegionSummary      `json:"regions"`
	GPC          bool               `json:"gpc"` // Global Privacy Control honored
}

// PurposeSummary is one purpose with its legal basis, categories and
// processors.
type PurposeSummary struct {
	Key        string   `json:"key"`
	Basis      string   `json:"basis"`
	Categories []string `json:"categories"`
	Processors []string `json:"processors"`
}

// ProcessorSummary is one sub-processor.
type ProcessorSummary struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Purposes   []string `json:"purposes"`
	Categories []string `json:"categories"`
	Locations  []string `json:"locations"`
	Retention  string   `json:"retention"`
	Train      bool     `json:"train"`
}

// CategorySummary is one category and its retention.
type CategorySummary struct {
	Key       string `json:"key"`
	Retention string `json:"retention"`
}

// RegionSummary says where data is stored and may go.
type RegionSummary struct {
	Storage   []string          `json:"storage"`
	Transfers []TransferSummary `json:"transfers"`
}

// TransferSummary is one allowed transfer.
type TransferSummary struct {
	From      []string `json:"from"` // empty for any storage region
	To        []string `json:"to"`
	Safeguard string   `json:"safeguard"`
}

// PolicyDiff lists the changes between two versions.
type PolicyDiff struct {
	Changes  []PolicyChange `json:"changes"`
	Material int            `json:"material"` // how many are material
}

// PolicyChange is one difference between two versions.
type PolicyChange struct {
	Kind     string `json:"kind"` // added, removed or changed
	Path     string `json:"path"` // e.g. processors[cdn].locations
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	Material bool   `json:"material"` // must be announced
	Why      string `json:"why,omitempty"`
}

// GPCSupport is the body of /.well-known/gpc.json.
type GPCSupport struct {
	GPC        bool   `json:"gpc"`
	LastUpdate string `json:"lastUpdate"` // YYYY-MM-DD
}

type policyVersionList struct {
	Versions []PolicyVersion `json:"versions"`
}

func (l *policyVersionList) items() []PolicyVersion { return l.Versions }

var (
	routePolicy          = jsonRoute[none, Policy]("Policy", "GET", "/v1/policy")
	routePolicyVersions  = jsonRoute[none, policyVersionList]("PolicyVersions", "GET", "/v1/policy/versions")
	routePolicyDiff      = jsonRoute[none, PolicyDiff]("PolicyDiff", "GET", "/v1/policy/diff")
	routePrivacyNotice   = rawRoute("PrivacyNotice", "GET", "/privacy")
	routePrivacyMarkdown = rawRoute("PrivacyNoticeMarkdown", "GET", "/privacy.md")
	routePrivacyVersion  = rawRoute("PrivacyNoticeVersion", "GET", "/privacy/versions/{version}")
	routeGPC             = jsonRoute[none, GPCSupport]("GPC", "GET", "/.well-known/gpc.json")
)

// Policy returns the policy in force (needs policy:read).
func (c *Client) Policy(ctx context.Context) (*Policy, error) {
	return routePolicy.call(ctx, c, none{}, nil)
}

// PolicyVersions lists every policy version, oldest first (needs
// policy:read).
func (c *Client) PolicyVersions(ctx context.Context) ([]PolicyVersion, error) {
	return itemsOf[PolicyVersion](routePolicyVersions.call(ctx, c, none{}, nil))
}

// PolicyDiff lists the changes from version from to version to ("" for the
// version in force), material ones marked (needs policy:read).
func (c *Client) PolicyDiff(ctx context.Context, from, to string) (*PolicyDiff, error) {
	return routePolicyDiff.call(ctx, c, none{}, values("from", from, "to", to))
}

// PrivacyNotice returns the HTML privacy notice of the policy in force
// (public).
func (c *Client) PrivacyNotice(ctx context.Context) ([]byte, error) {
	return c.readAll(ctx, routePrivacyNotice)
}

// PrivacyNoticeMarkdown returns the Markdown privacy notice of the policy
// in force (public).
func (c *Client) PrivacyNoticeMarkdown(ctx context.Context) ([]byte, error) {
	return c.readAll(ctx, routePrivacyMarkdown)
}

// PrivacyNoticeVersion returns the HTML privacy notice of any stored
// policy version (public). An unknown version fails with an *Error of
// Status 404 whose Code is empty: the public pages answer errors as HTML.
func (c *Client) PrivacyNoticeVersion(ctx context.Context, version string) ([]byte, error) {
	return c.readAll(ctx, routePrivacyVersion, version)
}

// GPC returns the Global Privacy Control support resource of the policy in
// force (public): the body an application serves at /.well-known/gpc.json.
func (c *Client) GPC(ctx context.Context) (*GPCSupport, error) {
	return routeGPC.call(ctx, c, none{}, nil)
}
