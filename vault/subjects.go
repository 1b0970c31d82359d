package vault

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// NewSubject is what a caller supplies to create a subject. Only ExternalID
// is required.
type NewSubject struct {
	ExternalID string `json:"external_id" doc:"the application's own id for the person"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty" doc:"international format, e.g. +44 20 7946 0958"`
	Region     string `json:"region,omitempty" doc:"where the data is stored; default the tenant's home region"`
	Birthdate  string `json:"birthdate,omitempty" doc:"YYYY-MM-DD; checked against the policy's minimum age"`
}

// SubjectView is what the API shows of a subject: never its identifiers.
type SubjectView struct {
	ID              string `json:"id"`
	Region          string `json:"region"`
	BelowMinimumAge bool   `json:"below_minimum_age"`
	Restricted      bool   `json:"restricted"`
	Objected        bool   `json:"objected"`
	// RestrictedUntil is when the restriction ends; absent while open-ended.
	RestrictedUntil *time.Time `json:"restricted_until,omitempty"`
	// Objections are the purposes the person objected to.
	Objections []string `json:"objections,omitempty"`
	// StaffAccessAgreed: the person agreed that staff may read their data
	// under the policy's subject-agreement justification.
	StaffAccessAgreed bool      `json:"staff_access_agreed"`
	CreatedAt         time.Time `json:"created_at"`
}

func view(s *steward.Subject) *SubjectView {
	sv := &SubjectView{ID: s.ID, Region: s.Region, BelowMinimumAge: s.BelowMinimumAge, Restricted: s.Restricted,
		Objected: s.Objected, Objections: s.Objections, StaffAccessAgreed: s.StaffAccessAgreed, CreatedAt: s.CreatedAt}
	if s.Restricted && !s.RestrictedUntil.IsZero() {
		until := s.RestrictedUntil
		sv.RestrictedUntil = &until
	}
	return sv
}

// identifiers are sealed together under the subject's data key.
type identifiers struct {
	ExternalID string `json:"x"`
	Email      string `json:"e,omitempty"`
	Phone      string `json:"p,omitempty"`
	Birthdate  string `json:"b,omitempty"`
}

// normalized checks and normalizes the identifiers: email trimmed and
// lower-cased, phone to E.164. Errors name the field, never the value.
func (n *NewSubject) normalized() (identifiers, error) {
	id := identifiers{ExternalID: strings.TrimSpace(n.ExternalID)}
	if id.ExternalID == "" || len(id.ExternalID) > 256 {
		return id, steward.Invalid("external_id", "is required (1 to 256 characters)")
	}
	if n.Email != "" {
		e, err := auth.NormalizeEmail("email", n.Email)
		if err != nil {
			return id, err
		}
		id.Email = e
	}
	if n.Phone != "" {
		p, err := NormalizePhone(n.Phone)
		if err != nil {
			return id, err
		}
		id.Phone = p
	}
	if n.Birthdate != "" {
		if _, err := time.Parse(time.DateOnly, n.Birthdate); err != nil {
			return id, steward.Invalid("birthdate", "must be a date YYYY-MM-DD")
		}
		id.Birthdate = n.Birthdate
	}
	return id, nil
}

// NormalizePhone returns a phone number in E.164 form. Numbers must be in
// international form (a leading + and country code), since a subject's
// country cannot be guessed safely.
func NormalizePhone(phone string) (string, error) {
	p := strings.TrimSpace(phone)
	if !strings.HasPrefix(p, "+") {
		return "", steward.Invalid("phone", "must be in international format, starting with + and the country code")
	}
	num, err := phonenumbers.Parse(p, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", steward.Invalid("phone", "is not a valid phone number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// age returns the whole years between birth and now.
func age(birth, now time.Time) int {
	y := now.Year() - birth.Year()
	if now.Month() < birth.Month() || now.Month() == birth.Month() && now.Day() < birth.Day() {
		y--
	}
	return y
}

// CreateSubject stores a new subject. Duplicates (same external id, email or
// phone in the tenant) give ECONFLICT; a subject below the policy's minimum
// age is refused (EFORBIDDEN) or flagged, as the policy says.
func (v *Vault) CreateSubject(ctx context.Context, n *NewSubject) (*SubjectView, error) {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return nil, err
	}
	id, err := n.normalized()
	if err != nil {
		return nil, err
	}
	region := n.Region
	if region == "" {
		t, err := v.store.Tenant(ctx, c.TenantID)
		if err != nil {
			return nil, err
		}
		region = t.HomeRegion
	} else if err := steward.ValidateRegion("region", region); err != nil {
		return nil, err
	} else if !v.Policy().IsStorageRegion(region) {
		// Residency: a subject's data lives only where the policy stores data.
		return nil, steward.Invalid("region", "is not one of the policy's storage regions ("+
			strings.Join(v.Policy().StorageRegions(), ", ")+")")
	}
	s := &steward.Subject{ID: steward.NewID("sub"), TenantID: c.TenantID, Region: region, CreatedAt: v.now().UTC()}
	if id.Birthdate != "" {
		birth, _ := time.Parse(time.DateOnly, id.Birthdate)
		if minAge, action := v.Policy().MinimumAge(); minAge > 0 && age(birth, v.now()) < minAge {
			if action != policy.AgeFlag {
				_, _ = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectCreate, Decision: steward.DecisionDeny,
					Reasons: []string{"below_minimum_age"}})
				return nil, &steward.Error{Code: steward.EFORBIDDEN, Message: "the person is below the minimum age the policy allows",
					Reasons: []string{"below_minimum_age"}}
			}
			s.BelowMinimumAge = true
		}
	}
	idx, err := v.indexes.get(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	s.ExternalIndex = crypt.BlindIndex(idx, steward.IndexExternalID, id.ExternalID)
	if id.Email != "" {
		s.EmailIndex = crypt.BlindIndex(idx, steward.IndexEmail, id.Email)
	}
	if id.Phone != "" {
		s.PhoneIndex = crypt.BlindIndex(idx, steward.IndexPhone, id.Phone)
	}
	if err := v.storeNewSubject(ctx, s, id); err != nil {
		return nil, err
	}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectCreate, SubjectID: s.ID,
		Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	return view(s), nil
}

// storeNewSubject makes the subject's data key, wrapped under the tenant's
// current key version, seals its identifiers and stores it. If a rotation
// retired the version this server still had as current, the store refuses
// it (steward.ErrStaleKeyVersion): reload the keys and wrap again, so that
// no data key is ever stored under a destroyed version.
func (v *Vault) storeNewSubject(ctx context.Context, s *steward.Subject, id identifiers) error {
	for attempt := 0; ; attempt++ {
		tk, err := v.ring.current(ctx, s.TenantID)
		if err != nil {
			return err
		}
		dk, wrapped, err := crypt.NewDataKey(tk, s.TenantID, s.ID, 1)
		if err != nil {
			return err
		}
		s.WrappedKey, s.KeyVersion = wrapped, tk.ID()
		plain, _ := json.Marshal(id)
		s.Sealed = crypt.Seal(dk, plain, identifiersAAD(s))
		crypt.Wipe(plain)
		err = v.store.CreateSubject(ctx, s)
		if !errors.Is(err, steward.ErrStaleKeyVersion) || attempt > 0 {
			return err
		}
		if _, err := v.ring.reload(ctx, s.TenantID); err != nil {
			return err
		}
	}
}

func identifiersAAD(s *steward.Subject) []byte {
	return crypt.AAD{Tenant: s.TenantID, Subject: s.ID, Kind: crypt.KindRecord, Name: "steward.identifiers"}.Bytes()
}

// Subject returns a subject of the caller's tenant.
func (v *Vault) Subject(ctx context.Context, id string) (*SubjectView, error) {
	c, err := require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	s, err := v.store.Subject(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	if s.Restricted && !s.RestrictedUntil.IsZero() && !v.now().Before(s.RestrictedUntil) {
		s.Restricted, s.RestrictedUntil = false, time.Time{} // ended
	}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectRead, SubjectID: s.ID, Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	return view(s), nil
}

// FindSubject finds a subject by exactly one identifier, through its blind
// index: kind is external_id, email or phone.
func (v *Vault) FindSubject(ctx context.Context, kind, value string) (*SubjectView, error) {
	c, err := require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	var norm string
	switch kind {
	case steward.IndexExternalID:
		if norm = strings.TrimSpace(value); norm == "" {
			return nil, steward.Invalid("external_id", "must not be empty")
		}
	case steward.IndexEmail:
		norm, err = auth.NormalizeEmail("email", value)
	case steward.IndexPhone:
		norm, err = NormalizePhone(value)
	default:
		return nil, steward.Invalid("query", "give exactly one of external_id, email or phone")
	}
	if err != nil {
		return nil, err
	}
	idx, err := v.indexes.get(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	s, err := v.store.SubjectByIndex(ctx, c.TenantID, kind, crypt.BlindIndex(idx, kind, norm))
	event := steward.AuditEvent{Action: steward.ActionSubjectFind, Decision: steward.DecisionAllow, Reasons: []string{"by:" + kind}}
	switch {
	case steward.ErrorCode(err) == steward.ENOTFOUND:
		// A lookup that finds no one is recorded too: enumeration shows.
		event.Reasons = append(event.Reasons, "not_found")
	case err != nil:
		return nil, err
	default:
		event.SubjectID = s.ID
	}
	if _, aerr := v.record(ctx, c, event); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, err
	}
	return view(s), nil
}

// dataKey unwraps a subject's data key.
func (v *Vault) dataKey(ctx context.Context, s *steward.Subject) (*crypt.Key, error) {
	return crypt.OpenDataKey(v.ring.lookup(ctx, s.TenantID), s.TenantID, s.ID, 1, s.WrappedKey)
}
