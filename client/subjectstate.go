package client

import (
	"context"
	"time"
)

// Restriction restricts a subject's processing to essential purposes (and
// legal obligations), until Until or, with Until nil, until lifted; or lifts
// it (Restricted false).
type Restriction struct {
	Restricted *bool      `json:"restricted"`
	Until      *time.Time `json:"until,omitempty"`
}

type objectionRequest struct {
	Purposes []string `json:"purposes"`
}

type retentionRequest struct {
	Category  string `json:"category"`
	Retention string `json:"retention"`
}

// Retention is a retention a subject chose for a category (an ISO 8601
// duration).
type Retention struct {
	Category  string    `json:"category"`
	Retention string    `json:"retention"`
	UpdatedAt time.Time `json:"updated_at"`
}

type retentionList struct {
	Retentions []Retention `json:"retentions"`
}

func (l *retentionList) items() []Retention { return l.Retentions }

// Correction corrects a subject's identifiers: a nil field is kept, an
// empty email or phone removes it.
type Correction struct {
	Email     *string `json:"email,omitempty"`
	Phone     *string `json:"phone,omitempty"`
	Birthdate *string `json:"birthdate,omitempty"` // YYYY-MM-DD
}

// Corrected is the result of a correction or an age report. Below says
// what finding the person below the minimum age led to: flagged,
// erasure_requested, erased or held ("" when not below); Subject is nil
// once erased.
type Corrected struct {
	Subject *Subject `json:"subject,omitempty"`
	Below   string   `json:"below_minimum_age_outcome,omitempty"`
}

// ObjectAll, as the only purpose of SetObjections, objects to every purpose
// that is not essential.
const ObjectAll = "*"

var (
	routeSetRestriction = jsonRoute[Restriction, Subject]("SetRestriction", "PUT", "/v1/subjects/{id}/restriction")
	routeSetObjections  = jsonRoute[objectionRequest, Subject]("SetObjections", "PUT", "/v1/subjects/{id}/objections")
	routeSetRetention   = jsonRoute[retentionRequest, none]("SetRetention", "PUT", "/v1/subjects/{id}/retention")
	routeRetentions     = jsonRoute[none, retentionList]("Retentions", "GET", "/v1/subjects/{id}/retention")
	routeCorrectSubject = jsonRoute[Correction, Corrected]("CorrectSubject", "PATCH", "/v1/subjects/{id}")
	routeReportAge      = jsonRoute[none, Corrected]("ReportAge", "POST", "/v1/subjects/{id}/age")
)

// SetRestriction restricts a subject's processing or lifts the restriction
// (needs records:write): what a restriction request does.
func (c *Client) SetRestriction(ctx context.Context, subjectID string, r Restriction) (*Subject, error) {
	return routeSetRestriction.call(ctx, c, r, nil, subjectID)
}

// SetObjections replaces the purposes a subject objects to (needs
// records:write): what an objection request does. []string{ObjectAll}
// objects to every non-essential purpose; an empty list lifts every
// objection.
func (c *Client) SetObjections(ctx context.Context, subjectID string, purposes []string) (*Subject, error) {
	if purposes == nil {
		purposes = []string{}
	}
	return routeSetObjections.call(ctx, c, objectionRequest{Purposes: purposes}, nil, subjectID)
}

// SetRetention chooses, for a subject, a retention for a category shorter
// than the policy's (an ISO 8601 duration such as P30D; needs
// records:write).
func (c *Client) SetRetention(ctx context.Context, subjectID, category, retention string) error {
	_, err := routeSetRetention.call(ctx, c, retentionRequest{Category: category, Retention: retention}, nil, subjectID)
	return err
}

// Retentions lists the retentions a subject chose (needs records:read).
func (c *Client) Retentions(ctx context.Context, subjectID string) ([]Retention, error) {
	return itemsOf(routeRetentions.call(ctx, c, none{}, nil, subjectID))
}

// CorrectSubject corrects a subject's email, phone or birthdate (needs
// records:write): what a rectification request does.
func (c *Client) CorrectSubject(ctx context.Context, subjectID string, in Correction) (*Corrected, error) {
	return routeCorrectSubject.call(ctx, c, in, nil, subjectID)
}

// ReportAge reports a subject found below the policy's minimum age (needs
// records:write); the policy's children.below applies.
func (c *Client) ReportAge(ctx context.Context, subjectID string) (*Corrected, error) {
	return routeReportAge.call(ctx, c, none{}, nil, subjectID)
}
