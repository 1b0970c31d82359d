package httpapi

import (
	"net/http"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
)

// sessionCookie names the console session cookie. It is always Secure,
// HttpOnly and SameSite=Strict: browsers send Secure cookies to
// http://localhost, and anywhere else steward speaks TLS (or sits behind a
// proxy that does).
const sessionCookie = "steward_session"

// CreateStaffRequest creates a staff account.
type CreateStaffRequest struct {
	Email    string `json:"email"`
	Password string `json:"password,omitempty" doc:"12 to 256 characters"`
	// PasswordHash imports an account from another system: an argon2id PHC
	// string or a bcrypt hash, upgraded to argon2id at the first sign-in.
	PasswordHash string `json:"password_hash,omitempty" doc:"instead of password: an existing argon2id or bcrypt hash to import"`
	Role         string `json:"role" doc:"owner, admin, privacy_officer, support or auditor"`
}

// StaffView describes a staff account (the email stays encrypted at rest and
// is not echoed).
type StaffView struct {
	ID          string    `json:"id"`
	Role        string    `json:"role"`
	TOTPEnabled bool      `json:"totp_enabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// StaffList lists staff accounts.
type StaffList struct {
	Staff []StaffView `json:"staff"`
}

// LoginRequest signs a staff member in.
type LoginRequest struct {
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Code     string `json:"code,omitempty" doc:"the current TOTP code, once two-factor sign-in is enabled"`
}

// CodeRequest carries a one-time code.
type CodeRequest struct {
	Code string `json:"code"`
}

func staffView(s *steward.StaffAccount) StaffView {
	return StaffView{ID: s.ID, Role: string(s.Role), TOTPEnabled: s.TOTPEnabled, CreatedAt: s.CreatedAt}
}

func (s *Server) routeStaff() {
	s.route(Route{Method: "POST", Path: "/v1/staff", Summary: "Create a staff account", Tag: "staff",
		Scope: steward.ScopeAdmin, In: CreateStaffRequest{}, Out: StaffView{}, Status: http.StatusCreated, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[CreateStaffRequest](w, r)
			if err != nil {
				return err
			}
			st, err := s.auth.CreateStaff(r.Context(), in.Email, in.Password, in.PasswordHash, steward.Role(in.Role))
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, staffView(st))
		})
	s.route(Route{Method: "GET", Path: "/v1/staff", Summary: "List staff accounts", Tag: "staff",
		Scope: steward.ScopeStaffRead, Out: StaffList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			list, err := s.auth.ListStaff(r.Context())
			if err != nil {
				return err
			}
			out := StaffList{Staff: make([]StaffView, len(list))}
			for i, st := range list {
				out.Staff[i] = staffView(st)
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/staff/login", Summary: "Sign in; sets the session cookie", Tag: "staff",
		Public: true, In: LoginRequest{}, Out: StaffView{}, Errors: []string{steward.EUNAUTHORIZED}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[LoginRequest](w, r)
			if err != nil {
				return err
			}
			token, st, err := s.auth.Login(r.Context(), in.TenantID, in.Email, in.Password, in.Code)
			if err != nil {
				return err
			}
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
				Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: int(auth.SessionTTL / time.Second)})
			return respond(w, http.StatusOK, staffView(st))
		})
	s.route(Route{Method: "POST", Path: "/v1/staff/logout", Summary: "Sign out; ends the session", Tag: "staff",
		Public: true, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			if c, err := r.Cookie(sessionCookie); err == nil {
				if err := s.auth.Logout(r.Context(), c.Value); err != nil {
					return err
				}
			}
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
				Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.route(Route{Method: "POST", Path: "/v1/staff/totp", Summary: "Start two-factor enrolment; returns the TOTP secret once", Tag: "staff",
		Out: auth.Enrollment{}, Status: http.StatusCreated, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			e, err := s.auth.EnrollTOTP(r.Context(), s.opts.Issuer)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, e)
		})
	s.route(Route{Method: "POST", Path: "/v1/staff/totp/confirm", Summary: "Confirm enrolment with a current code", Tag: "staff",
		In: CodeRequest{}, Status: http.StatusNoContent, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[CodeRequest](w, r)
			if err != nil {
				return err
			}
			if err := s.auth.ConfirmTOTP(r.Context(), in.Code); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}
