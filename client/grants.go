package client

import (
	"context"
	"time"
)

// NewAccessGrant asks for break-glass access to one subject's data under a
// justification whose policy entry requires approval. The note (a ticket,
// a reason) is sealed under the subject's key and shown only to audit:read.
type NewAccessGrant struct {
	Subject       string `json:"subject"`
	Justification string `json:"justification"`
	Note          string `json:"note,omitempty"`
	Minutes       int    `json:"minutes,omitempty"` // 1 to 480; 60 when 0
}

// AccessGrant is a break-glass grant: requested, approved, refused or
// expired. Reads by the requester naming it (Access.Grant) show values in
// clear while it is approved and before ExpiresAt.
type AccessGrant struct {
	ID            string     `json:"id"`
	Subject       string     `json:"subject"`
	Justification string     `json:"justification"`
	Note          string     `json:"note,omitempty"`
	Minutes       int        `json:"minutes"`
	Status        string     `json:"status"`
	RequestedBy   string     `json:"requested_by"`
	RequestedAt   time.Time  `json:"requested_at"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at"`
}

type grantList struct {
	Grants []AccessGrant `json:"grants"`
}

func (l *grantList) items() []AccessGrant { return l.Grants }

var (
	routeRequestAccessGrant = jsonRoute[NewAccessGrant, AccessGrant]("RequestAccessGrant", "POST", "/v1/access-grants")
	routeAccessGrants       = jsonRoute[none, grantList]("AccessGrants", "GET", "/v1/access-grants")
	routeAccessGrant        = jsonRoute[none, AccessGrant]("AccessGrant", "GET", "/v1/access-grants/{id}")
	routeApproveAccessGrant = jsonRoute[none, AccessGrant]("ApproveAccessGrant", "POST", "/v1/access-grants/{id}/approve")
	routeRefuseAccessGrant  = jsonRoute[none, AccessGrant]("RefuseAccessGrant", "POST", "/v1/access-grants/{id}/refuse")
	routeAgreeStaffAccess   = jsonRoute[none, Subject]("AgreeStaffAccess", "POST", "/v1/subjects/{id}/staff-access-agreement")
	routeRevokeStaffAccess  = jsonRoute[none, Subject]("RevokeStaffAccess", "DELETE", "/v1/subjects/{id}/staff-access-agreement")
)

// RequestAccessGrant asks for a grant (a signed-in staff member with
// records:read); it waits for a privacy officer.
func (c *Client) RequestAccessGrant(ctx context.Context, in NewAccessGrant) (*AccessGrant, error) {
	return routeRequestAccessGrant.call(ctx, c, in, nil)
}

// AccessGrants lists grants, newest first, of one status ("" for any).
func (c *Client) AccessGrants(ctx context.Context, status string) ([]AccessGrant, error) {
	return itemsOf(routeAccessGrants.call(ctx, c, none{}, values("status", status)))
}

// AccessGrant returns one grant.
func (c *Client) AccessGrant(ctx context.Context, id string) (*AccessGrant, error) {
	return routeAccessGrant.call(ctx, c, none{}, nil, id)
}

// ApproveAccessGrant approves a grant: a privacy officer other than the
// requester.
func (c *Client) ApproveAccessGrant(ctx context.Context, id string) (*AccessGrant, error) {
	return routeApproveAccessGrant.call(ctx, c, none{}, nil, id)
}

// RefuseAccessGrant refuses a grant, under the same rule.
func (c *Client) RefuseAccessGrant(ctx context.Context, id string) (*AccessGrant, error) {
	return routeRefuseAccessGrant.call(ctx, c, none{}, nil, id)
}

// AgreeStaffAccess records the person's agreement that staff may read
// their data under the subject-agreement justification (records:write).
func (c *Client) AgreeStaffAccess(ctx context.Context, subjectID string) (*Subject, error) {
	return routeAgreeStaffAccess.call(ctx, c, none{}, nil, subjectID)
}

// RevokeStaffAccess revokes that agreement (records:write).
func (c *Client) RevokeStaffAccess(ctx context.Context, subjectID string) (*Subject, error) {
	return routeRevokeStaffAccess.call(ctx, c, none{}, nil, subjectID)
}
