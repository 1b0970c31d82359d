package attest

import (
	"html/template"
	"io"
)

var page = template.Must(template.New("attestation").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Attestation {{.TenantID}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.5rem;text-align:left;vertical-align:top}
.kept{color:#05612b}.broken{color:#a40000;font-weight:bold}.not_applicable{color:#555}</style></head>
<body><h1>The policy, proven</h1>
<p>Tenant {{.TenantID}}, policy version {{.PolicyVersion}}, from {{.Since.Format "2006-01-02 15:04 MST"}} to {{.Until.Format "2006-01-02 15:04 MST"}}:
{{.Kept}} kept, {{.BrokenCount}} broken, {{.NotApplicable}} not applicable.
The JSON form of this report is signed (Ed25519); verify it with <code>steward attest verify</code>.</p>
<table><thead><tr><th scope="col">Promise</th><th scope="col">Status</th><th scope="col">Evidence</th></tr></thead><tbody>
{{range .Lines}}<tr><td><strong>{{.Promise}}</strong><br>{{.Says}}</td><td class="{{.Status}}">{{.Status}}</td>
<td>{{.Evidence}}{{if .Breaking}}<br>Broken by {{.Broken}}: {{range $i, $b := .Breaking}}{{if $i}}, {{end}}<code>{{$b}}</code>{{end}}{{end}}</td></tr>
{{end}}</tbody></table></body></html>
`))

// HTML renders a report as a page for people (escaped; no script).
func HTML(w io.Writer, r *Report) error { return page.Execute(w, r) }
