package client

import (
	"context"
	"time"
)

// NewStaff creates a staff account: give Password, or PasswordHash to import
// an account from another system (argon2id PHC string or bcrypt hash).
type NewStaff struct {
	Email        string `json:"email"`
	Password     string `json:"password,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
	Role         string `json:"role"` // owner, admin, privacy_officer, support or auditor
}

// Staff describes a staff account (never its email, which stays encrypted).
type Staff struct {
	ID          string    `json:"id"`
	Role        string    `json:"role"`
	TOTPEnabled bool      `json:"totp_enabled"`
	CreatedAt   time.Time `json:"created_at"`
}

type staffList struct {
	Staff []Staff `json:"staff"`
}

func (l *staffList) items() []Staff { return l.Staff }

// Login signs a staff member in.
type Login struct {
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Code     string `json:"code,omitempty"` // the current TOTP code, once two-factor sign-in is on
}

// TOTPEnrollment is a new TOTP secret, shown once: give it to an
// authenticator app, then confirm with a code it shows.
type TOTPEnrollment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

type codeRequest struct {
	Code string `json:"code"`
}

var (
	routeCreateStaff = jsonRoute[NewStaff, Staff]("CreateStaff", "POST", "/v1/staff")
	routeListStaff   = jsonRoute[none, staffList]("ListStaff", "GET", "/v1/staff")
	routeLogin       = jsonRoute[Login, Staff]("Login", "POST", "/v1/staff/login")
	routeLogout      = jsonRoute[none, none]("Logout", "POST", "/v1/staff/logout")
	routeEnrollTOTP  = jsonRoute[none, TOTPEnrollment]("EnrollTOTP", "POST", "/v1/staff/totp")
	routeConfirmTOTP = jsonRoute[codeRequest, none]("ConfirmTOTP", "POST", "/v1/staff/totp/confirm")
)

// CreateStaff creates a staff account (needs admin).
func (c *Client) CreateStaff(ctx context.Context, in NewStaff) (*Staff, error) {
	return routeCreateStaff.call(ctx, c, in, nil)
}

// ListStaff lists the tenant's staff accounts (needs staff:read).
func (c *Client) ListStaff(ctx context.Context) ([]Staff, error) {
	return itemsOf(routeListStaff.call(ctx, c, none{}, nil))
}

// Login signs a staff member in. The client keeps the session cookie, so
// its later calls act as that staff member (use a client without an API
// key: a key takes precedence over the session).
func (c *Client) Login(ctx context.Context, in Login) (*Staff, error) {
	return routeLogin.call(ctx, c, in, nil)
}

// Logout ends the session and forgets its cookie.
func (c *Client) Logout(ctx context.Context) error {
	_, err := routeLogout.call(ctx, c, none{}, nil)
	return err
}

// EnrollTOTP starts two-factor enrolment for the signed-in staff member.
func (c *Client) EnrollTOTP(ctx context.Context) (*TOTPEnrollment, error) {
	return routeEnrollTOTP.call(ctx, c, none{}, nil)
}

// ConfirmTOTP turns two-factor sign-in on with a current code.
func (c *Client) ConfirmTOTP(ctx context.Context, code string) error {
	_, err := routeConfirmTOTP.call(ctx, c, codeRequest{Code: code}, nil)
	return err
}
