package incidents

import (
	"bytes"
	"context"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// Notice audiences and formats.
const (
	AudienceRegulator = "regulator"
	AudienceSubjects  = "subjects"
	FormatMarkdown    = "markdown"
	FormatHTML        = "html"
	formatText        = "text" // the email: Markdown without escaping
)

// Notice is a rendered breach notice.
type Notice struct {
	IncidentID string `json:"incident_id"`
	Audience   string `json:"audience" doc:"regulator (Art. 33(3)) or subjects (Art. 34(2))"`
	Format     string `json:"format" doc:"markdown or html"`
	Title      string `json:"title" doc:"the notice's title, also the email subject"`
	Body       string `json:"body"`
}

// category is one row of a notice's table of categories.
type category struct {
	Key, Description string
	Subjects         int
	Records          int
}

// noticeData is what the templates render.
type noticeData struct {
	Org        policy.Organisation
	Inc        *steward.Incident
	Title      string
	Late       bool
	Categories []category
}

// contact returns who answers questions: the DPO when there is one, else
// the organisation's privacy contact.
func (d noticeData) Contact() string {
	if d.Org.DPO != nil && d.Org.DPO.Contact != "" {
		if d.Org.DPO.Name != "" {
			return d.Org.DPO.Name + " (data protection officer), " + d.Org.DPO.Contact
		}
		return "the data protection officer, " + d.Org.DPO.Contact
	}
	return d.Org.Contact
}

// describe finds the description of the declared category covering key.
func describe(cats []policy.Category, key string) string {
	best, desc := -1, ""
	for _, c := range cats {
		if covers(c.Key, key) && len(c.Key) > best {
			best, desc = len(c.Key), c.Description
		}
	}
	if desc == "" {
		return key
	}
	return desc
}

var funcs = map[string]any{
	"time": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if t != nil {
				return t.UTC().Format("2006-01-02 15:04 UTC")
			}
		}
		return ""
	},
	"paras": func(s string) []string {
		var out []string
		for p := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	},
}

// mdEscape keeps text written by staff from becoming markup when the
// Markdown is rendered: HTML's special characters become entities and
// Markdown's are backslash-escaped.
var mdEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`,
	"[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`)

func textTemplates(escape func(string) string) *texttemplate.Template {
	f := texttemplate.FuncMap{"md": escape}
	for k, v := range funcs {
		f[k] = v
	}
	return texttemplate.Must(texttemplate.New("").Funcs(f).Parse(markdownTemplates))
}

var (
	mdTemplates   = textTemplates(mdEscape.Replace)
	mailTemplates = textTemplates(func(s string) string { return s })
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs)).Parse(htmlSource))
)

// render renders the incident's notice for an audience in a format.
func render(pol *policy.Decider, inc *steward.Incident, audience, format string, now time.Time) (*Notice, error) {
	d := noticeData{Org: pol.Controller(), Inc: inc, Late: inc.RegulatorNotifiedAt != nil && Late(inc, *inc.RegulatorNotifiedAt)}
	if inc.Status == steward.IncidentOpen && Late(inc, now) {
		d.Late = true
	}
	cats := pol.Categories()
	for _, c := range inc.Counts {
		d.Categories = append(d.Categories, category{Key: c.Category, Description: describe(cats, c.Category),
			Subjects: c.Subjects, Records: c.Records})
	}
	d.Title = "Personal data breach notification: " + d.Org.Name
	if audience == AudienceSubjects {
		d.Title = "Important: a personal data breach concerning your data at " + d.Org.Name
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case FormatHTML:
		err = htmlTemplates.ExecuteTemplate(&buf, audience, d)
	case FormatMarkdown:
		err = mdTemplates.ExecuteTemplate(&buf, audience, d)
	default:
		err = mailTemplates.ExecuteTemplate(&buf, audience, d)
	}
	if err != nil {
		return nil, err
	}
	return &Notice{IncidentID: inc.ID, Audience: audience, Format: format, Title: d.Title, Body: buf.String()}, nil
}

// Notice renders an incident's notice for the regulator or, for a
// high-risk incident, the people affected, as Markdown or HTML.
func (s *Service) Notice(ctx context.Context, id, audience, format string) (*Notice, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	if audience != AudienceRegulator && audience != AudienceSubjects {
		return nil, steward.Invalid("audience", "must be regulator or subjects")
	}
	if format == "" {
		format = FormatMarkdown
	}
	if format != FormatMarkdown && format != FormatHTML {
		return nil, steward.Invalid("format", "must be markdown or html")
	}
	inc, err := s.store.Incident(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	if audience == AudienceSubjects && inc.Risk != steward.RiskHigh {
		return nil, &steward.Error{Code: steward.ECONFLICT, Message: "the people affected are told only of a high-risk breach (Art. 34(1))",
			Reasons: []string{"risk:low"}}
	}
	n, err := render(s.pols.Policy(), inc, audience, format, s.now())
	if err != nil {
		return nil, err
	}
	return n, s.record(ctx, c, steward.AuditEvent{Action: steward.ActionIncidentNotice, Target: inc.ID,
		Reasons: []string{"audience:" + audience}})
}
