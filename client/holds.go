package client

import (
	"context"
	"time"
)

// NewHold places a legal hold on a subject or on a category (exactly one),
// with a reason (required; stored sealed, never in the audit log).
type NewHold struct {
	Subject  string     `json:"subject,omitempty"`
	Category string     `json:"category,omitempty"`
	Reason   string     `json:"reason"`
	Until    *time.Time `json:"until,omitempty"`
}

// Hold is a legal hold: while Active, retention deletion and erasure of
// what it covers are suspended.
type Hold struct {
	ID         string     `json:"id"`
	Subject    string     `json:"subject,omitempty"`
	Category   string     `json:"category,omitempty"`
	Reason     string     `json:"reason"`
	Until      *time.Time `json:"until,omitempty"`
	Active     bool       `json:"active"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ReleasedAt *time.Time `json:"released_at,omitempty"`
	ReleasedBy string     `json:"released_by,omitempty"`
}

type holdList struct {
	Holds []Hold `json:"holds"`
}

func (l *holdList) items() []Hold { return l.Holds }

var (
	routeCreateHold  = jsonRoute[NewHold, Hold]("CreateHold", "POST", "/v1/holds")
	routeListHolds   = jsonRoute[none, holdList]("ListHolds", "GET", "/v1/holds")
	routeReleaseHold = jsonRoute[none, Hold]("ReleaseHold", "DELETE", "/v1/holds/{id}")
)

// CreateHold places a legal hold (needs holds:manage, which admin does not
// imply).
func (c *Client) CreateHold(ctx context.Context, in NewHold) (*Hold, error) {
	return routeCreateHold.call(ctx, c, in, nil)
}

// ListHolds lists the holds in force, and released ones too when asked
// (needs holds:manage).
func (c *Client) ListHolds(ctx context.Context, released bool) ([]Hold, error) {
	q := values()
	if released {
		q = values("released", "true")
	}
	return itemsOf(routeListHolds.call(ctx, c, none{}, q))
}

// ReleaseHold releases a hold (needs holds:manage).
func (c *Client) ReleaseHold(ctx context.Context, id string) (*Hold, error) {
	return routeReleaseHold.call(ctx, c, none{}, nil, id)
}
