package privacycenter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/requests"
)

// meView is a person's page.
type meView struct {
	Data       []held
	DataError  string
	Files      []*steward.FileMeta
	Recipients []recipient
	Choices    []choice
	GPC        bool
	GPCHonored bool
	Requests   []request
	Kinds      []kind
	Categories []string // those held, for a correction
}

// held is one category held, in words.
type held struct {
	Category    string
	Description string
	Value       string
}

// recipient is one disclosure in words.
type recipient struct {
	Name       string
	Locations  string
	Categories string
	At         time.Time
	Retention  string
	Training   string
}

// choice is one consent-based purpose as a switch.
type choice struct {
	Purpose     string
	Description string
	Withdraw    string
	Granted     bool
	Effective   bool
	Reason      string
}

// request is one of the person's requests.
type request struct {
	*requests.RequestView
	Download string
}

// kind is a request a person can make here.
type kind struct {
	Type, Label string
}

var kinds = []kind{{"access", "A copy of my data"}, {"portability", "My data in a machine-readable file"},
	{"rectification", "Correct my data"}, {"erasure", "Erase my data"}, {"restriction", "Restrict the use of my data"},
	{"objection", "Object to uses of my data that are not needed for the service"}}

// me shows a person their data, who received it, their choices and their
// requests. Every read is the services', audited as the person's.
func (h *Handler) me(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	cur := h.c.Policies.Current()
	pol := cur.Policy
	d := &meView{Kinds: kinds}
	if r.Header.Get("Sec-GPC") == "1" && h.c.Consent != nil {
		_ = h.c.Consent.HeaderGPC(ctx, s.Subject) // the browser's signal, recorded and honoured
	}
	values, err := h.c.Vault.AllValues(ctx, s.Tenant.ID, s.Subject, "privacy-center", "session")
	if err != nil {
		d.DataError = problem(err)
	}
	for _, v := range values {
		d.Data = append(d.Data, held{Category: v.Category, Description: describeCategory(pol, v.Category), Value: shown(v.Value)})
		d.Categories = append(d.Categories, v.Category)
	}
	d.Files, _ = h.c.Store.SubjectFiles(ctx, s.Tenant.ID, s.Subject)
	if h.c.Disclose != nil {
		list, _ := h.c.Disclose.List(ctx, s.Subject, 100)
		for _, x := range list {
			d.Recipients = append(d.Recipients, describeDisclosure(pol, x))
		}
	}
	if h.c.Consent != nil {
		st, _ := h.c.Consent.State(ctx, s.Subject, false)
		d.Choices = choices(pol, st)
		if st != nil {
			d.GPC, d.GPCHonored = st.GPC, st.GPCHonored
		}
	}
	if h.c.Requests != nil {
		list, _ := h.c.Requests.List(ctx, requests.Filter{SubjectID: s.Subject, Limit: 50})
		for _, x := range list {
			d.Requests = append(d.Requests, request{RequestView: x, Download: downloadOf(x)})
		}
	}
	notice := map[string]string{"consent": "Your choice is recorded.", "request": "Your request is filed; its deadline is below."}[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, "me", &view{Title: "Your data", Signed: true, Data: d, Notice: notice})
}

// shown is a stored JSON value as text for people.
func shown(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// describeCategory is the policy's description of the declared category
// covering key.
func describeCategory(p *policy.Policy, key string) string {
	best, desc := "", ""
	for _, c := range p.Categories {
		if (key == c.Key || strings.HasPrefix(key, c.Key+".")) && len(c.Key) > len(best) {
			best, desc = c.Key, c.Description
		}
	}
	return desc
}

// describeDisclosure says a disclosure in words: who, where, what, when,
// how long they keep it, whether they may train on it.
func describeDisclosure(p *policy.Policy, x *steward.Disclosure) recipient {
	out := recipient{Name: x.Processor, Categories: strings.Join(x.Categories, ", "), At: x.At, Retention: x.Retention,
		Training: "may not train on it"}
	for _, pr := range p.Processors {
		if pr.Key == x.Processor {
			out.Name, out.Locations = pr.Name, strings.Join(pr.Locations, ", ")
			if pr.Train {
				out.Training = "may train on it"
			}
		}
	}
	if out.Retention == "not-retained" {
		out.Retention = "not kept"
	}
	return out
}

// choices lists every consent-based purpose of the policy with the
// person's current decision.
func choices(p *policy.Policy, st *consent.State) []choice {
	var out []choice
	for _, pu := range p.Purposes {
		if pu.Basis != policy.BasisConsent {
			continue
		}
		c := choice{Purpose: pu.Key, Description: pu.Description, Withdraw: pu.Withdraw}
		if st != nil {
			for _, cur := range st.Consents {
				if cur.Purpose == pu.Key && cur.Processor == "" {
					c.Granted, c.Effective, c.Reason = cur.Granted, cur.Effective, cur.Reason
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// downloadOf is the export link of a completed access or portability
// request.
func downloadOf(x *requests.RequestView) string {
	var res struct {
		DownloadURL string `json:"download_url"`
	}
	if len(x.Result) == 0 || json.Unmarshal(x.Result, &res) != nil || !strings.HasPrefix(res.DownloadURL, "/v1/exports/") {
		return ""
	}
	return res.DownloadURL
}

// choose records a consent decision the person made with a switch: a
// grant carries the proof (the policy version shown, this form, the
// SHA-256 of the description the person read).
func (h *Handler) choose(w http.ResponseWriter, r *http.Request, s *session) {
	purpose := r.PostFormValue("purpose")
	granted := r.PostFormValue("granted") == "true"
	pol := h.c.Policies.Current()
	var text string
	for _, pu := range pol.Policy.Purposes {
		if pu.Key == purpose {
			text = pu.Description
		}
	}
	sum := sha256.Sum256([]byte(text))
	n := &consent.NewConsent{Purpose: purpose, Granted: &granted, Channel: steward.ChannelWeb}
	if granted {
		n.Proof = &steward.ConsentProof{NoticeVersion: pol.Version.Version, Form: "privacy-center", TextSHA256: hex.EncodeToString(sum[:])}
	}
	if _, err := h.c.Consent.Record(r.Context(), s.Subject, n); err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Your choices", Signed: true, Error: problem(err)})
		return
	}
	http.Redirect(w, r, Prefix+r.PathValue("slug")+"/me?done=consent", http.StatusSeeOther)
}

// ask files a rights request for the person, verified by their signed-in
// session.
func (h *Handler) ask(w http.ResponseWriter, r *http.Request, s *session) {
	typ := r.PostFormValue("type")
	if !slices.ContainsFunc(kinds, func(k kind) bool { return k.Type == typ }) {
		h.render(w, r, http.StatusBadRequest, "error", &view{Title: "Your requests", Signed: true, Error: "Choose what you ask for. (invalid)"})
		return
	}
	n := &requests.NewRequest{Type: typ, Subject: requests.RequestSubject{ID: s.Subject}, VerifiedBy: "application"}
	if typ == "rectification" {
		details, _ := json.Marshal(map[string]any{"values": map[string]string{r.PostFormValue("category"): r.PostFormValue("value")}})
		n.Details = details
	}
	if _, err := h.c.Requests.Create(r.Context(), n); err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Your requests", Signed: true, Error: problem(err)})
		return
	}
	http.Redirect(w, r, Prefix+r.PathValue("slug")+"/me?done=request", http.StatusSeeOther)
}

// download streams one of the person's files, audited as their read.
func (h *Handler) download(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	files, err := h.c.Store.SubjectFiles(ctx, s.Tenant.ID, s.Subject)
	if err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Your files", Signed: true, Error: problem(err)})
		return
	}
	i := slices.IndexFunc(files, func(f *steward.FileMeta) bool { return f.ID == r.PathValue("id") })
	if i < 0 {
		h.render(w, r, http.StatusNotFound, "error", &view{Title: "Your files", Signed: true, Error: "There is no such file of yours. (not_found)"})
		return
	}
	f := files[i]
	body, err := h.c.Vault.FileContent(ctx, f)
	if err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Your files", Signed: true, Error: problem(err)})
		return
	}
	defer body.Close()
	if err := h.c.Vault.Audit(ctx, steward.AuditEvent{Action: steward.ActionFileRead, SubjectID: s.Subject, Target: f.ID,
		Categories: []string{f.Category}, Decision: steward.DecisionAllow, Reasons: []string{"privacy_center"}}); err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Your files", Signed: true, Error: problem(err)})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.ID+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	_, _ = io.Copy(w, body)
}
