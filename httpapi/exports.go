package httpapi

import (
	"io"
	"net/http"
	"strconv"

	"github.com/steward-privacy/steward/export"
)

func (s *Server) routeExports(x *export.Service) {
	s.route(Route{Method: "GET", Path: "/v1/exports/{token}", Summary: "Download an export package (a zip with the manifest signed) through its link; no key: the link is the credential",
		Tag: "requests", Public: true, RawOut: "application/zip"},
		func(w http.ResponseWriter, r *http.Request) error {
			e, body, err := x.Download(r.Context(), r.PathValue("token"))
			if err != nil {
				return err
			}
			defer body.Close()
			h := w.Header()
			h.Set("Content-Type", "application/zip")
			h.Set("Content-Disposition", `attachment; filename="`+e.ID+`.zip"`)
			h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
			h.Set("Cache-Control", "no-store")
			h.Set("X-Manifest-SHA256", e.ManifestSHA)
			w.WriteHeader(http.StatusOK)
			if _, err := io.Copy(w, body); err != nil {
				s.log.Warn("export download stopped", "request_id", requestID(r.Context()), "export", e.ID, "error", err.Error())
				panic(http.ErrAbortHandler)
			}
			return nil
		})
}
