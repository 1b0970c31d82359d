package httpapi

import (
	"net/http"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// RotateRequest asks for a key rotation.
type RotateRequest struct {
	Key string `json:"key" doc:"tenant (the caller's tenant key; admin) or master (operator only)"`
}

func (s *Server) routeRotation(r *vault.Rotations, users []vault.MasterKeyUser) {
	s.route(Route{Method: "POST", Path: "/v1/keys/rotate", Summary: "Start a key rotation; rewrapping runs in the background", Tag: "keys",
		Scope: steward.ScopeAdmin, In: RotateRequest{}, Out: vault.RotationStatus{}, Status: http.StatusAccepted, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, req *http.Request) error {
			in, err := decode[RotateRequest](w, req)
			if err != nil {
				return err
			}
			var st vault.RotationStatus
			switch in.Key {
			case "tenant":
				st, err = r.StartTenant(req.Context())
			case "master":
				st, err = r.StartMaster(req.Context(), users)
			default:
				return steward.Invalid("key", "must be tenant or master")
			}
			if err != nil {
				return err
			}
			return respond(w, http.StatusAccepted, st)
		})
	s.route(Route{Method: "GET", Path: "/v1/keys/rotation", Summary: "Progress of the latest key rotation", Tag: "keys",
		Scope: steward.ScopeAdmin, Out: vault.RotationStatus{}, Query: []Param{{Name: "key", Description: "tenant (default) or master"}}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, req *http.Request) error {
			st, err := r.Status(req.Context(), req.URL.Query().Get("key") == "master")
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, st)
		})
}
