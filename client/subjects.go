package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// NewSubject registers a person whose data is held. The identifiers are
// stored encrypted and looked up through blind indexes.
type NewSubject struct {
	ExternalID string `json:"external_id"` // the application's own id for the person
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`     // international format, e.g. +44 20 7946 0958
	Region     string `json:"region,omitempty"`    // where the data is stored; default the tenant's home region
	Birthdate  string `json:"birthdate,omitempty"` // YYYY-MM-DD, checked against the policy's minimum age
}

// Subject is what the API shows of a subject: never its identifiers.
type Subject struct {
	ID              string `json:"id"`
	Region          string `json:"region"`
	BelowMinimumAge bool   `json:"below_minimum_age"`
	Restricted      bool   `json:"restricted"`
	Objected        bool   `json:"objected"`
	// RestrictedUntil ends the restriction; nil while open-ended.
	RestrictedUntil *time.Time `json:"restricted_until,omitempty"`
	// Objections are the purposes the person objected to.
	Objections []string `json:"objections,omitempty"`
	// StaffAccessAgreed: the person agreed that staff may read their data
	// under the subject-agreement justification.
	StaffAccessAgreed bool      `json:"staff_access_agreed"`
	CreatedAt         time.Time `json:"created_at"`
}

// SubjectLookup finds a subject by exactly one of its identifiers.
type SubjectLookup struct {
	ExternalID string
	Email      string
	Phone      string
}

// Evidence is the proof of an erasure.
type Evidence struct {
	SubjectID            string    `json:"subject_id"`
	ErasedAt             time.Time `json:"erased_at"`
	DataKeyDestroyed     bool      `json:"data_key_destroyed"`
	RecordsDeleted       int       `json:"records_deleted"`
	FilesDeleted         int       `json:"files_deleted"`
	FilesPendingDeletion int       `json:"files_pending_deletion"` // blobs a job still deletes (their key is gone)
	ConsentsDeleted      int       `json:"consents_deleted"`
	BlindIndexesRemoved  bool      `json:"blind_indexes_removed"`
	AuditSeq             int64     `json:"audit_seq"`
	// ErasureID and Tasks come with EraseSubjectCascade: the erasure's id
	// (ListTasks) and one deletion task per processor that received data.
	ErasureID string         `json:"erasure_id,omitempty"`
	Tasks     []DeletionTask `json:"tasks,omitempty"`
	// ModelsAffected are the models trained on a shard that held the
	// person: each a retrain obligation.
	ModelsAffected []AffectedModel `json:"models_affected,omitempty"`
}

// Access names why personal data is read: the purpose (a data-use key such
// as essential.service) and, for staff, the justification invoked and, for
// a justification that needs approval, the approved access grant.
type Access struct {
	Purpose       string
	Justification string
	Grant         string
}

func (a Access) query() url.Values {
	return values("purpose", a.Purpose, "justification", a.Justification, "grant", a.Grant)
}

// Value is one record as read: the value, or a masked one when the policy
// only lets the caller see it masked, and any obligations attached.
type Value struct {
	Category    string          `json:"category,omitempty"`
	Value       json.RawMessage `json:"value"`
	Masked      bool            `json:"masked,omitempty"`
	Redacted    bool            `json:"redacted,omitempty"` // personal data replaced (redact_pii_before_sending)
	Obligations []string        `json:"obligations,omitempty"`
}

// Decode unmarshals the value into dst.
func (v *Value) Decode(dst any) error { return json.Unmarshal(v.Value, dst) }

type putRecordRequest struct {
	Value json.RawMessage `json:"value"`
}

type recordList struct {
	Records []Value `json:"records"`
}

func (l *recordList) items() []Value { return l.Records }

var (
	routeCreateSubject = jsonRoute[NewSubject, Subject]("CreateSubject", "POST", "/v1/subjects")
	routeFindSubject   = jsonRoute[none, Subject]("FindSubject", "GET", "/v1/subjects")
	routeGetSubject    = jsonRoute[none, Subject]("GetSubject", "GET", "/v1/subjects/{id}")
	routeEraseSubject  = jsonRoute[none, Evidence]("EraseSubject", "DELETE", "/v1/subjects/{id}")
	routePutRecord     = jsonRoute[putRecordRequest, none]("PutRecord", "PUT", "/v1/subjects/{id}/data/{category}")
	routeGetRecord     = jsonRoute[none, Value]("GetRecord", "GET", "/v1/subjects/{id}/data/{category}")
	routeGetRecords    = jsonRoute[none, recordList]("GetRecords", "GET", "/v1/subjects/{id}/data")
	routeDeleteRecord  = jsonRoute[none, none]("DeleteRecord", "DELETE", "/v1/subjects/{id}/data/{category}")
)

// CreateSubject registers a subject (needs records:write).
func (c *Client) CreateSubject(ctx context.Context, in NewSubject) (*Subject, error) {
	return routeCreateSubject.call(ctx, c, in, nil)
}

// FindSubject finds a subject by external id, email or phone (needs
// records:read); ENOTFOUND if there is none.
func (c *Client) FindSubject(ctx context.Context, by SubjectLookup) (*Subject, error) {
	q := values("external_id", by.ExternalID, "email", by.Email, "phone", by.Phone)
	return routeFindSubject.call(ctx, c, none{}, q)
}

// GetSubject describes a subject (needs records:read).
func (c *Client) GetSubject(ctx context.Context, id string) (*Subject, error) {
	return routeGetSubject.call(ctx, c, none{}, nil, id)
}

// EraseSubject erases a subject, destroying its key, records and files, and
// returns the evidence (needs records:write). With Cascade it also asks
// every processor that received the subject's data to delete it.
func (c *Client) EraseSubject(ctx context.Context, id string, opts ...EraseOption) (*Evidence, error) {
	var q url.Values
	for _, o := range opts {
		if o == Cascade {
			q = values("cascade", "true")
		}
	}
	return routeEraseSubject.call(ctx, c, none{}, q, id)
}

// PutRecord stores value (any JSON-encodable value, or a json.RawMessage)
// as the subject's record of a category the policy declares (needs
// records:write).
func (c *Client) PutRecord(ctx context.Context, subjectID, category string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("client: PutRecord: encoding the value: %w", err)
	}
	_, err = routePutRecord.call(ctx, c, putRecordRequest{Value: raw}, nil, subjectID, category)
	return err
}

// GetRecord reads one record for a purpose (needs records:read). The policy
// decides; a denial is EFORBIDDEN with the reasons.
func (c *Client) GetRecord(ctx context.Context, subjectID, category string, a Access) (*Value, error) {
	return routeGetRecord.call(ctx, c, none{}, a.query(), subjectID, category)
}

// GetRecords reads every record of a subject the purpose may see (needs
// records:read).
func (c *Client) GetRecords(ctx context.Context, subjectID string, a Access) ([]Value, error) {
	return itemsOf(routeGetRecords.call(ctx, c, none{}, a.query(), subjectID))
}

// DeleteRecord deletes one record (needs records:write).
func (c *Client) DeleteRecord(ctx context.Context, subjectID, category string) error {
	_, err := routeDeleteRecord.call(ctx, c, none{}, nil, subjectID, category)
	return err
}
