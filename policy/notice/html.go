package notice

import (
	"bytes"
	"html/template"

	"github.com/steward-privacy/steward/policy"
)

// HTML renders the notice of a checked policy as one self-contained,
// accessible HTML page: a language attribute, a heading hierarchy, a table
// of contents, tables with captions and header scopes, inline CSS only, and
// no script, image, font or link to anything outside the page. All text is
// escaped by html/template.
func HTML(p *policy.Policy) ([]byte, error) { return RenderHTML(Build(p)) }

// RenderHTML renders a document as a self-contained HTML page.
func RenderHTML(doc Document) ([]byte, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.55;color:#1b1b1b;background:#fff}
main{max-width:50rem;margin:0 auto;padding:1.5rem 1rem 4rem}
h1{font-size:1.9rem;line-height:1.2}
h2{font-size:1.4rem;margin-top:2.2rem;border-bottom:1px solid #c8c8c8;padding-bottom:.2rem}
h3{font-size:1.1rem;margin-bottom:.3rem}
a{color:#0b4fa8}
a:focus,.table:focus{outline:3px solid #b35c00;outline-offset:2px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f1f1f1;padding:0 .2em;border-radius:3px}
nav ol{columns:2 14rem;padding-left:1.4rem}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #bdbdbd;padding:.4rem .5rem;text-align:left;vertical-align:top}
thead th{background:#ececec}
tbody th{font-weight:600}
@media (prefers-color-scheme:dark){body{color:#ececec;background:#161616}a{color:#8cb8ff}code{background:#2a2a2a}thead th{background:#2a2a2a}th,td{border-color:#555}h2{border-color:#555}}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<nav aria-label="Contents">
<ol>
{{- range .Sections}}
<li><a href="#{{.ID}}">{{.Heading}}</a></li>
{{- end}}
</ol>
</nav>
{{- range .Sections}}
<section aria-labelledby="{{.ID}}">
<h2 id="{{.ID}}">{{.Heading}}</h2>
{{- range .Blocks}}
{{- if .Heading}}
<h3>{{.Heading}}</h3>
{{- else if .Table}}
<div class="table" role="region" aria-label="{{.Table.Caption}}" tabindex="0">
<table>
<caption>{{.Table.Caption}}</caption>
<thead><tr>{{range .Table.Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Table.Rows}}
<tr>{{range $i, $c := .}}{{if eq $i 0}}<th scope="row">{{template "text" $c}}</th>{{else}}<td>{{template "text" $c}}</td>{{end}}{{end}}</tr>
{{- end}}
</tbody>
</table>
</div>
{{- else if .List}}
<ul>
{{- range .List}}
<li>{{template "text" .}}</li>
{{- end}}
</ul>
{{- else}}
<p>{{template "text" .Paragraph}}</p>
{{- end}}
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
{{define "text"}}{{range .}}{{if .Code}}<code>{{.Text}}</code>{{else if .Strong}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}{{end}}{{end}}`))
