package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// PutRecordRequest carries one record value.
type PutRecordRequest struct {
	Value json.RawMessage `json:"value" doc:"any JSON value"`
}

// RecordList is every record a purpose may see.
type RecordList struct {
	Records []vault.Value `json:"records"`
}

// SecretRequest stores a third-party secret.
type SecretRequest struct {
	Value string `json:"value"`
}

// SecretValue is a secret as read.
type SecretValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SecretList lists secret names.
type SecretList struct {
	Names []string `json:"names"`
}

// maxUpload bounds one file upload. Uploads stream, so this is a policy
// limit, not a memory one.
const maxUpload = 5 << 30

var purposeParams = []Param{
	{Name: "purpose", Description: "the data-use key the data is read for, e.g. essential.service", Required: true},
	{Name: "justification", Description: "staff only: the justification invoked, e.g. security-investigation"},
	{Name: "grant", Description: "staff only: the approved access grant (grant_...) a justification that needs approval invokes"},
}

func access(r *http.Request) vault.Access {
	q := r.URL.Query()
	return vault.Access{Purpose: q.Get("purpose"), Justification: q.Get("justification"), Grant: q.Get("grant")}
}

func (s *Server) routeVault() {
	v := s.opts.Vault
	s.route(Route{Method: "POST", Path: "/v1/subjects", Summary: "Create a subject", Tag: "vault",
		Scope: steward.ScopeRecordsWrite, In: vault.NewSubject{}, Out: vault.SubjectView{}, Status: http.StatusCreated, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[vault.NewSubject](w, r)
			if err != nil {
				return err
			}
			out, err := v.CreateSubject(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects", Summary: "Find a subject by external id, email or phone", Tag: "vault",
		Scope: steward.ScopeRecordsRead, Out: vault.SubjectView{}, Query: []Param{
			{Name: "external_id"}, {Name: "email"}, {Name: "phone", Description: "international format"}}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			var kind, value string
			for _, k := range []string{steward.IndexExternalID, steward.IndexEmail, steward.IndexPhone} {
				if q.Has(k) {
					if kind != "" {
						return steward.Invalid(k, "give exactly one of external_id, email or phone")
					}
					kind, value = k, q.Get(k)
				}
			}
			out, err := v.FindSubject(r.Context(), kind, value)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects/{id}", Summary: "Describe a subject (never its identifiers)", Tag: "vault",
		Scope: steward.ScopeRecordsRead, Out: vault.SubjectView{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := v.Subject(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "DELETE", Path: "/v1/subjects/{id}", Summary: "Erase a subject and return the evidence", Tag: "vault",
		Scope: steward.ScopeRecordsWrite, Out: Erasure{}, Query: []Param{cascadeParam}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			if r.URL.Query().Get("cascade") == "true" {
				out, err := s.eraseCascade(r, v, r.PathValue("id"))
				if err != nil {
					return err
				}
				return respond(w, http.StatusOK, out)
			}
			ev, err := v.Erase(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, ev)
		})
	s.route(Route{Method: "PUT", Path: "/v1/subjects/{id}/data/{category}", Summary: "Store a value of a category", Tag: "vault",
		Scope: steward.ScopeRecordsWrite, In: PutRecordRequest{}, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[PutRecordRequest](w, r)
			if err != nil {
				return err
			}
			if err := v.PutRecord(r.Context(), r.PathValue("id"), r.PathValue("category"), in.Value); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects/{id}/data/{category}", Summary: "Read a value for a purpose the policy allows", Tag: "vault",
		Scope: steward.ScopeRecordsRead, Out: vault.Value{}, Query: purposeParams},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := v.GetRecord(r.Context(), r.PathValue("id"), r.PathValue("category"), access(r))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects/{id}/data", Summary: "Read every value a purpose may see", Tag: "vault",
		Scope: steward.ScopeRecordsRead, Out: RecordList{}, Query: purposeParams},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := v.GetRecords(r.Context(), r.PathValue("id"), access(r))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, RecordList{Records: out})
		})
	s.route(Route{Method: "DELETE", Path: "/v1/subjects/{id}/data/{category}", Summary: "Delete a value", Tag: "vault",
		Scope: steward.ScopeRecordsWrite, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			if err := v.DeleteRecord(r.Context(), r.PathValue("id"), r.PathValue("category")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.routeFiles(v)
	s.routeSecrets(v)
}

func (s *Server) routeFiles(v *vault.Vault) {
	s.route(Route{Method: "POST", Path: "/v1/subjects/{id}/files", Summary: "Upload a file (raw bytes, streamed, encrypted at rest)", Tag: "vault",
		Scope: steward.ScopeFilesWrite, RawIn: "application/octet-stream", Out: vault.FileView{}, Status: http.StatusCreated,
		Query: []Param{{Name: "category", Required: true}, {Name: "ephemeral", Description: "true: deleted after the first download"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			eph := false
			if e := q.Get("ephemeral"); e != "" {
				b, err := strconv.ParseBool(e)
				if err != nil {
					return steward.Invalid("ephemeral", "must be true or false")
				}
				eph = b
			}
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(time.Hour)) // large uploads outlive the default read timeout
			body := http.MaxBytesReader(w, r.Body, maxUpload)
			out, err := v.PutFile(r.Context(), r.PathValue("id"), q.Get("category"), eph, body)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return steward.Errorf(steward.ETOOLARGE, "a file may be at most %d bytes", int64(maxUpload))
				}
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/files/{id}", Summary: "Download a file for a purpose the policy allows", Tag: "vault",
		Scope: steward.ScopeFilesRead, RawOut: "application/octet-stream", Query: purposeParams},
		func(w http.ResponseWriter, r *http.Request) error {
			f, body, done, err := v.OpenFile(r.Context(), r.PathValue("id"), access(r))
			if err != nil {
				return err
			}
			defer body.Close()
			s.streamFile(w, r, f.ID, f.Size, f.SHA256, body, done)
			return nil
		})
	s.route(Route{Method: "DELETE", Path: "/v1/files/{id}", Summary: "Delete a file", Tag: "vault",
		Scope: steward.ScopeFilesWrite, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			if err := v.DeleteFile(r.Context(), r.PathValue("id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}

func (s *Server) routeSecrets(v *vault.Vault) {
	s.route(Route{Method: "PUT", Path: "/v1/secrets/{name}", Summary: "Store a third-party secret (encrypted)", Tag: "secrets",
		Scope: steward.ScopeSecretsWrite, In: SecretRequest{}, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[SecretRequest](w, r)
			if err != nil {
				return err
			}
			if err := v.PutSecret(r.Context(), r.PathValue("name"), in.Value); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/secrets/{name}", Summary: "Read a secret (needs the dedicated secrets:read scope)", Tag: "secrets",
		Scope: steward.ScopeSecretsRead, Out: SecretValue{}},
		func(w http.ResponseWriter, r *http.Request) error {
			val, err := v.Secret(r.Context(), r.PathValue("name"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, SecretValue{Name: r.PathValue("name"), Value: val})
		})
	s.route(Route{Method: "GET", Path: "/v1/secrets", Summary: "List secret names (never values)", Tag: "secrets",
		Scope: steward.ScopeSecretsWrite, Out: SecretList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			names, err := v.SecretNames(r.Context())
			if err != nil {
				return err
			}
			if names == nil {
				names = []string{}
			}
			return respond(w, http.StatusOK, SecretList{Names: names})
		})
	s.route(Route{Method: "DELETE", Path: "/v1/secrets/{name}", Summary: "Delete a secret", Tag: "secrets",
		Scope: steward.ScopeSecretsWrite, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			if err := v.DeleteSecret(r.Context(), r.PathValue("name")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}
