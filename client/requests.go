package client

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// Rights request types and statuses.
const (
	RequestAccess            = "access"
	RequestPortability       = "portability"
	RequestRectification     = "rectification"
	RequestErasure           = "erasure"
	RequestRestriction       = "restriction"
	RequestObjection         = "objection"
	RequestConsentWithdrawal = "consent_withdrawal"
	RequestOptOutSale        = "opt_out_of_sale_or_sharing"
	RequestLimitSensitive    = "limit_sensitive"

	RequestUnverified         = "unverified"
	RequestVerified           = "verified"
	RequestAwaitingApproval   = "awaiting_approval"
	RequestInProgress         = "in_progress"
	RequestCompleted          = "completed"
	RequestPartiallyCompleted = "partially_completed"
	RequestDenied             = "denied"
	RequestExpired            = "expired"
)

// NewRequest is a rights request to file. Subject names the person by
// exactly one identifier. Jurisdiction is gdpr (default), ccpa or other.
// Details depend on the type: rectification {"values": {category: value}},
// objection and consent_withdrawal {"purposes": [...]}, restriction
// {"until": time}. VerifiedBy "application" says the application
// authenticated the person (needs requests:verify); otherwise a code is
// mailed to the address on file.
type NewRequest struct {
	Type         string          `json:"type"`
	Subject      SubjectRef      `json:"subject"`
	Jurisdiction string          `json:"jurisdiction,omitempty"`
	Details      json.RawMessage `json:"details,omitempty"`
	VerifiedBy   string          `json:"verified_by,omitempty"`
}

// SubjectRef names a person by one identifier.
type SubjectRef struct {
	ID         string `json:"id,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
}

// RightsRequest is a rights request: its deadline in force, whether it is
// overdue, how it was verified, its result or the reasons of a denial,
// what happens next, and (when read by id) its history.
type RightsRequest struct {
	ID               string          `json:"id"`
	SubjectID        string          `json:"subject_id"`
	Type             string          `json:"type"`
	Jurisdiction     string          `json:"jurisdiction"`
	Status           string          `json:"status"`
	ReceivedAt       time.Time       `json:"received_at"`
	Deadline         time.Time       `json:"deadline"`
	OriginalDeadline time.Time       `json:"original_deadline"`
	Extended         bool            `json:"extended"`
	ExtensionReason  string          `json:"extension_reason,omitempty"`
	Overdue          bool            `json:"overdue"`
	VerifiedBy       string          `json:"verified_by,omitempty"`
	VerifiedAt       *time.Time      `json:"verified_at,omitempty"`
	Reason           string          `json:"reason,omitempty"`
	Result           json.RawMessage `json:"result,omitempty"`
	Evidence         bool            `json:"evidence"`
	Next             string          `json:"next"`
	// Progress is how far a request in progress is (bytes of an export
	// package), updated about once a second; nil otherwise.
	Progress *RequestProgress `json:"progress,omitempty"`
	History  []RequestChange  `json:"history,omitempty"`
}

// RequestProgress is Done of Total units (bytes for an export package) at
// At.
type RequestProgress struct {
	Done  int64     `json:"done"`
	Total int64     `json:"total"`
	At    time.Time `json:"at"`
}

// RequestChange is one status change of a request; Reason is a code.
type RequestChange struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
}

// RequestStatus is what the person's public routes show of a request.
type RequestStatus struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Deadline time.Time `json:"deadline"`
	Next     string    `json:"next"`
}

// RequestReason gives the reasons of a denial or an extension, told to the
// person; Until, for an extension, the new deadline (nil: the latest the
// jurisdiction allows).
type RequestReason struct {
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until,omitempty"`
}

// RequestEvidence is a completed request's signed completion record:
// Record holds the exact bytes signed (JSON), KeyID names the key in
// AuditPublicKeys.
type RequestEvidence struct {
	Record     []byte `json:"record"`
	Algorithm  string `json:"algorithm"`
	KeyID      int    `json:"key_id"`
	Signature  []byte `json:"signature"`
	PublicKeys string `json:"public_keys"`
}

// RequestFilter selects requests to list; zero fields match all.
type RequestFilter struct {
	Status  string
	Type    string
	Overdue bool
	Limit   int
}

type requestList struct {
	Requests []RightsRequest `json:"requests"`
}

func (l *requestList) items() []RightsRequest { return l.Requests }

type verifyCode struct {
	Code string `json:"code"`
}

type codeSent struct {
	Status string `json:"status"`
}

var (
	routeCreateRequest  = jsonRoute[NewRequest, RightsRequest]("CreateRequest", "POST", "/v1/requests")
	routeListRequests   = jsonRoute[none, requestList]("ListRequests", "GET", "/v1/requests")
	routeGetRequest     = jsonRoute[none, RightsRequest]("GetRequest", "GET", "/v1/requests/{id}")
	routeApproveRequest = jsonRoute[none, RightsRequest]("ApproveRequest", "POST", "/v1/requests/{id}/approve")
	routeDenyRequest    = jsonRoute[RequestReason, RightsRequest]("DenyRequest", "POST", "/v1/requests/{id}/deny")
	routeExtendRequest  = jsonRoute[RequestReason, RightsRequest]("ExtendRequest", "POST", "/v1/requests/{id}/extend")
	routeEvidence       = jsonRoute[none, RequestEvidence]("RequestEvidence", "GET", "/v1/requests/{id}/evidence")
	routeVerifyRequest  = jsonRoute[verifyCode, RequestStatus]("VerifyRequest", "POST", "/v1/requests/{id}/verify")
	routeRequestCode    = jsonRoute[none, codeSent]("SendRequestCode", "POST", "/v1/requests/{id}/code")
)

// CreateRequest files a rights request (needs requests:write).
func (c *Client) CreateRequest(ctx context.Context, in NewRequest) (*RightsRequest, error) {
	return routeCreateRequest.call(ctx, c, in, nil)
}

// ListRequests lists the tenant's requests, newest first (needs
// requests:write or requests:manage).
func (c *Client) ListRequests(ctx context.Context, f RequestFilter) ([]RightsRequest, error) {
	q := values("status", f.Status, "type", f.Type)
	if f.Overdue {
		q.Set("overdue", "true")
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return itemsOf(routeListRequests.call(ctx, c, none{}, q))
}

// GetRequest returns a request with its history (needs requests:write or
// requests:manage).
func (c *Client) GetRequest(ctx context.Context, id string) (*RightsRequest, error) {
	return routeGetRequest.call(ctx, c, none{}, nil, id)
}

// ApproveRequest lets a request awaiting approval run, or one whose
// requester staff verified another way (needs requests:manage).
func (c *Client) ApproveRequest(ctx context.Context, id string) (*RightsRequest, error) {
	return routeApproveRequest.call(ctx, c, none{}, nil, id)
}

// DenyRequest refuses an open request with the reasons told to the person
// (needs requests:manage).
func (c *Client) DenyRequest(ctx context.Context, id, reason string) (*RightsRequest, error) {
	return routeDenyRequest.call(ctx, c, RequestReason{Reason: reason}, nil, id)
}

// ExtendRequest extends a request's deadline once, with reasons, within
// the jurisdiction's bound (needs requests:manage).
func (c *Client) ExtendRequest(ctx context.Context, id string, in RequestReason) (*RightsRequest, error) {
	return routeExtendRequest.call(ctx, c, in, nil, id)
}

// RequestEvidence returns a completed request's signed completion record
// (needs requests:manage).
func (c *Client) RequestEvidence(ctx context.Context, id string) (*RequestEvidence, error) {
	return routeEvidence.call(ctx, c, none{}, nil, id)
}

// VerifyRequest confirms the code mailed to the person (no key needed).
func (c *Client) VerifyRequest(ctx context.Context, id, code string) (*RequestStatus, error) {
	return routeVerifyRequest.call(ctx, c, verifyCode{Code: code}, nil, id)
}

// SendRequestCode mails a new code to the address on file of an
// unverified request's person (no key needed). The answer is the same
// whether or not an address is on file.
func (c *Client) SendRequestCode(ctx context.Context, id string) error {
	_, err := routeRequestCode.call(ctx, c, none{}, nil, id)
	return err
}
