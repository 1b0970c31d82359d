package httpapi

import (
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/notices"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
)

// PolicyVersionView describes a stored policy version.
type PolicyVersionView struct {
	Version    string     `json:"version" doc:"organisation.version of the file"`
	Effective  string     `json:"effective" doc:"the date it takes effect, YYYY-MM-DD"`
	SHA256     string     `json:"sha256" doc:"hex SHA-256 of the file"`
	ImportedAt time.Time  `json:"imported_at"`
	EnforcedAt *time.Time `json:"enforced_at,omitempty" doc:"when it first came into force; absent while staged"`
	InForce    bool       `json:"in_force"`
}

// PolicyVersionList lists the stored versions, oldest first.
type PolicyVersionList struct {
	Versions []PolicyVersionView `json:"versions"`
}

// PolicyView is the policy in force: its version, its file and what it
// compiles to.
type PolicyView struct {
	PolicyVersionView
	Source  string        `json:"source" doc:"the policy file, byte for byte as imported"`
	Summary PolicySummary `json:"summary"`
}

// PolicySummary is what a policy allows, section by section.
type PolicySummary struct {
	Organisation string             `json:"organisation"`
	Purposes     []PurposeSummary   `json:"purposes"`
	Processors   []ProcessorSummary `json:"processors"`
	Categories   []CategorySummary  `json:"categories"`
	Regions      RegionSummary      `json:"regions"`
	GPC          bool               `json:"gpc" doc:"whether Global Privacy Control is honored"`
}

// PurposeSummary is one purpose: its legal basis, the categories it may use
// (declared categories it covers) and the processors serving it.
type PurposeSummary struct {
	Key        string   `json:"key"`
	Basis      string   `json:"basis"`
	Categories []string `json:"categories"`
	Processors []string `json:"processors"`
}

// ProcessorSummary is one sub-processor.
type ProcessorSummary struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Purposes   []string `json:"purposes"`
	Categories []string `json:"categories"`
	Locations  []string `json:"locations"`
	Retention  string   `json:"retention"`
	Train      bool     `json:"train"`
}

// CategorySummary is one declared category and its retention.
type CategorySummary struct {
	Key       string `json:"key"`
	Retention string `json:"retention"`
}

// RegionSummary says where data is stored and may go.
type RegionSummary struct {
	Storage   []string          `json:"storage"`
	Transfers []TransferSummary `json:"transfers"`
}

// TransferSummary is one allowed transfer.
type TransferSummary struct {
	From      []string `json:"from" doc:"storage regions; empty for any"`
	To        []string `json:"to"`
	Safeguard string   `json:"safeguard"`
}

// PolicyDiff is the list of changes between two versions, as `steward
// policy diff --json` prints it.
type PolicyDiff struct {
	Changes  []PolicyChange `json:"changes"`
	Material int            `json:"material" doc:"how many changes are material"`
}

// PolicyChange is one difference between two versions.
type PolicyChange struct {
	Kind     string `json:"kind" doc:"added, removed or changed"`
	Path     string `json:"path" doc:"the element, e.g. processors[cdn].locations"`
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	Material bool   `json:"material" doc:"the change must be announced"`
	Why      string `json:"why,omitempty" doc:"what makes it material"`
}

// GPCSupport is the body of /.well-known/gpc.json (the Global Privacy
// Control specification's support resource).
type GPCSupport struct {
	GPC        bool   `json:"gpc" doc:"whether the site honors Global Privacy Control"`
	LastUpdate string `json:"lastUpdate" doc:"the date the policy in force took effect, YYYY-MM-DD"`
}

func (s *Server) routePolicy(p *policies.Service) {
	s.route(Route{Method: "GET", Path: "/v1/policy", Summary: "The policy in force: its version, file and summary", Tag: "policy",
		Scope: steward.ScopePolicyRead, Out: PolicyView{}},
		func(w http.ResponseWriter, r *http.Request) error {
			cur := p.Current()
			return respond(w, http.StatusOK, PolicyView{PolicyVersionView: versionView(cur.Version, cur.Version.Version),
				Source: string(cur.Version.Source), Summary: summarize(cur.Policy)})
		})
	s.route(Route{Method: "GET", Path: "/v1/policy/versions", Summary: "Every policy version the server has enforced or staged", Tag: "policy",
		Scope: steward.ScopePolicyRead, Out: PolicyVersionList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			vs, err := p.Versions(r.Context())
			if err != nil {
				return err
			}
			out := PolicyVersionList{Versions: make([]PolicyVersionView, len(vs))}
			inForce := p.Current().Version.Version
			for i, v := range vs {
				out.Versions[i] = versionView(v, inForce)
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/policy/diff", Summary: "The changes between two policy versions, material ones marked", Tag: "policy",
		Scope: steward.ScopePolicyRead, Out: PolicyDiff{}, Errors: []string{steward.ENOTFOUND},
		Query: []Param{{Name: "from", Description: "the earlier version", Required: true},
			{Name: "to", Description: "the later version (default: the version in force)"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			from, to := q.Get("from"), q.Get("to")
			if from == "" {
				return steward.Invalid("from", "name the earlier policy version")
			}
			if to == "" {
				to = p.Current().Version.Version
			}
			changes, err := p.Diff(r.Context(), from, to)
			if err != nil {
				return err
			}
			out := PolicyDiff{Changes: make([]PolicyChange, len(changes)), Material: len(diff.Material(changes))}
			for i, c := range changes {
				out.Changes[i] = PolicyChange(c)
			}
			return respond(w, http.StatusOK, out)
		})
	s.routeNotice(p)
}

// routeNotice registers the public pages: the notice of the policy in
// force, of any earlier version, and the GPC support resource.
func (s *Server) routeNotice(p *policies.Service) {
	page := func(w http.ResponseWriter, contentType string, body []byte) error {
		h := w.Header()
		h.Set("Content-Type", contentType)
		// The notice is self-contained: inline CSS, nothing else.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		_, err := w.Write(body)
		return err
	}
	s.route(Route{Method: "GET", Path: "/privacy", Summary: "The privacy notice of the policy in force (HTML)", Tag: "policy",
		Public: true, RawOut: "text/html", HTMLErrors: true},
		func(w http.ResponseWriter, r *http.Request) error {
			return page(w, "text/html; charset=utf-8", p.Current().HTML)
		})
	s.route(Route{Method: "GET", Path: "/privacy.md", Summary: "The privacy notice of the policy in force (Markdown)", Tag: "policy",
		Public: true, RawOut: "text/markdown", HTMLErrors: true},
		func(w http.ResponseWriter, r *http.Request) error {
			return page(w, "text/markdown; charset=utf-8", p.Current().Markdown)
		})
	s.route(Route{Method: "GET", Path: "/privacy/versions/{version}", Summary: "The privacy notice of any policy version (HTML)", Tag: "policy",
		Public: true, RawOut: "text/html", HTMLErrors: true},
		func(w http.ResponseWriter, r *http.Request) error {
			body, err := p.NoticeHTML(r.Context(), r.PathValue("version"))
			if err != nil {
				return err
			}
			return page(w, "text/html; charset=utf-8", body)
		})
	s.route(Route{Method: "GET", Path: "/.well-known/gpc.json", Summary: "Global Privacy Control support of the policy in force, for the application to serve on its site",
		Tag: "policy", Public: true, Out: GPCSupport{}},
		func(w http.ResponseWriter, r *http.Request) error {
			cur := p.Current()
			return respond(w, http.StatusOK, GPCSupport{GPC: cur.Policy.Signals.GPC == policy.Honored, LastUpdate: cur.LastUpdate()})
		})
}

func versionView(v *steward.PolicyVersion, inForce string) PolicyVersionView {
	return PolicyVersionView{Version: v.Version, Effective: v.Effective.UTC().Format(time.DateOnly), SHA256: hex.EncodeToString(v.SHA256),
		ImportedAt: v.ImportedAt, EnforcedAt: v.EnforcedAt, InForce: v.Version == inForce}
}

// summarize lists what a policy allows.
func summarize(p *policy.Policy) PolicySummary {
	out := PolicySummary{Organisation: p.Organisation.Name, Purposes: []PurposeSummary{}, Processors: []ProcessorSummary{},
		Categories: []CategorySummary{}, GPC: p.Signals.GPC == policy.Honored,
		Regions: RegionSummary{Storage: orEmpty(p.Regions.Storage), Transfers: []TransferSummary{}}}
	for _, pu := range p.Purposes {
		ps := PurposeSummary{Key: pu.Key, Basis: string(pu.Basis), Categories: orEmpty(p.Expand(pu.Categories)), Processors: []string{}}
		for _, pr := range p.Processors {
			for _, k := range pr.Purposes {
				if k == pu.Key {
					ps.Processors = append(ps.Processors, pr.Key)
				}
			}
		}
		out.Purposes = append(out.Purposes, ps)
	}
	for _, pr := range p.Processors {
		out.Processors = append(out.Processors, ProcessorSummary{Key: pr.Key, Name: pr.Name, Kind: string(pr.Kind),
			Purposes: orEmpty(pr.Purposes), Categories: orEmpty(p.Expand(pr.Categories)), Locations: orEmpty(pr.Locations),
			Retention: pr.Retention.String(), Train: pr.Train})
	}
	for _, c := range p.Categories {
		out.Categories = append(out.Categories, CategorySummary{Key: c.Key, Retention: c.Retention.String()})
	}
	for _, t := range p.Regions.Transfers {
		out.Regions.Transfers = append(out.Regions.Transfers, TransferSummary{From: orEmpty(t.From), To: orEmpty(t.To), Safeguard: string(t.Safeguard)})
	}
	return out
}

// orEmpty returns s, or an empty list for nil, so JSON says [] not null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeHTMLError renders err as a small HTML page, for routes people open in
// a browser; the status, the message and the request id are those of the
// problem+json the API would give.
func writeHTMLError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := problemOf(w, r, log, err)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(p.Status)
	_ = errorPage.Execute(w, p)
}

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Detail}}</p>
{{- if .RequestID}}
<p><small>Request id: <code>{{.RequestID}}</code></small></p>
{{- end}}
</main>
</body>
</html>
`))

// routeNotices serves staging the next policy and the progress of its
// notices.
func (s *Server) routeNotices(n *notices.Service) {
	s.route(Route{Method: "POST", Path: "/v1/policy/upcoming", Summary: "Stage the next policy: checked, compared, refused sooner than changes.days_before; its material changes are mailed to every person with an email on file",
		Tag: "policy", Scope: steward.ScopeTenantsWrite, In: notices.StageRequest{}, Out: notices.Upcoming{}, Status: http.StatusCreated,
		Errors: []string{steward.ECONFLICT, steward.EUNAVAILABLE}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[notices.StageRequest](w, r)
			if err != nil {
				return err
			}
			out, err := n.Stage(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/policy/upcoming", Summary: "The staged policy that comes into force next, its material changes and the progress of their notices",
		Tag: "policy", Scope: steward.ScopePolicyRead, Out: notices.Upcoming{}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := n.Upcoming(r.Context())
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
}
