package incidents

// markdownTemplates are the notices as Markdown (and, unescaped, the
// email's plain text). "regulator" carries the content of Art. 33(3),
// "subjects" that of Art. 34(2), in plain language.
const markdownTemplates = `{{define "contact"}}{{md .Contact}}{{end}}
{{- define "regulator"}}# {{md .Title}}

- **Controller:** {{md .Org.Name}}{{if .Org.Address}}, {{md .Org.Address}}{{end}}
- **Contact point for more information:** {{template "contact" .}}
- **Reference:** {{.Inc.ID}}
- **Became aware:** {{time .Inc.AwareAt}}{{if .Inc.DetectedAt}}
- **Detected:** {{time .Inc.DetectedAt}}{{end}}{{if .Inc.WindowFrom}}
- **Period of the breach:** {{time .Inc.WindowFrom}} to {{time .Inc.WindowTo}}{{end}}
- **Notification due by:** {{time .Inc.Deadline}} (72 hours after becoming aware)
- **Risk to the people concerned:** {{.Inc.Risk}}
{{if .Late}}
## Reasons for the delay

{{if .Inc.DelayReasons}}{{md .Inc.DelayReasons}}{{else}}(to be given with the notification){{end}}
{{end}}
## Nature of the breach

{{md .Inc.Summary}}

## Categories and approximate number of people and records concerned

Approximately {{.Inc.Subjects}} people and {{.Inc.Records}} personal data records are concerned.
{{if .Categories}}
| Category of personal data | People | Records |
|---|---|---|
{{range .Categories}}| {{md .Description}} ({{md .Key}}) | {{.Subjects}} | {{.Records}} |
{{end}}{{end}}
## Likely consequences

{{md .Inc.Consequences}}

## Measures taken or proposed

{{md .Inc.Measures}}
{{end}}
{{- define "subjects"}}# {{md .Title}}

We are writing to tell you about a personal data breach at {{md .Org.Name}} that concerns your personal data.

## What happened

{{md .Inc.Summary}}

## The data concerned
{{range .Categories}}
- {{md .Description}}{{end}}

## What this may mean for you

{{md .Inc.Consequences}}

## What we have done and what we recommend

{{md .Inc.Measures}}

## Contact

For questions, contact {{template "contact" .}}. Reference: {{.Inc.ID}}.
{{end}}`

// htmlSource is the same notices as HTML; html/template escapes every
// value, so text staff wrote cannot inject markup or script.
const htmlSource = `{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1>
{{end}}
{{- define "text"}}{{range paras .}}<p>{{.}}</p>
{{end}}{{end}}
{{- define "regulator"}}{{template "head" .}}<ul>
<li><strong>Controller:</strong> {{.Org.Name}}{{if .Org.Address}}, {{.Org.Address}}{{end}}</li>
<li><strong>Contact point for more information:</strong> {{.Contact}}</li>
<li><strong>Reference:</strong> {{.Inc.ID}}</li>
<li><strong>Became aware:</strong> {{time .Inc.AwareAt}}</li>{{if .Inc.DetectedAt}}
<li><strong>Detected:</strong> {{time .Inc.DetectedAt}}</li>{{end}}{{if .Inc.WindowFrom}}
<li><strong>Period of the breach:</strong> {{time .Inc.WindowFrom}} to {{time .Inc.WindowTo}}</li>{{end}}
<li><strong>Notification due by:</strong> {{time .Inc.Deadline}} (72 hours after becoming aware)</li>
<li><strong>Risk to the people concerned:</strong> {{.Inc.Risk}}</li>
</ul>
{{if .Late}}<h2>Reasons for the delay</h2>
{{if .Inc.DelayReasons}}{{template "text" .Inc.DelayReasons}}{{else}}<p>(to be given with the notification)</p>{{end}}{{end}}
<h2>Nature of the breach</h2>
{{template "text" .Inc.Summary}}
<h2>Categories and approximate number of people and records concerned</h2>
<p>Approximately {{.Inc.Subjects}} people and {{.Inc.Records}} personal data records are concerned.</p>
{{if .Categories}}<table>
<tr><th>Category of personal data</th><th>People</th><th>Records</th></tr>
{{range .Categories}}<tr><td>{{.Description}} ({{.Key}})</td><td>{{.Subjects}}</td><td>{{.Records}}</td></tr>
{{end}}</table>
{{end}}<h2>Likely consequences</h2>
{{template "text" .Inc.Consequences}}
<h2>Measures taken or proposed</h2>
{{template "text" .Inc.Measures}}
</body></html>
{{end}}
{{- define "subjects"}}{{template "head" .}}<p>We are writing to tell you about a personal data breach at {{.Org.Name}} that concerns your personal data.</p>
<h2>What happened</h2>
{{template "text" .Inc.Summary}}
<h2>The data concerned</h2>
<ul>
{{range .Categories}}<li>{{.Description}}</li>
{{end}}</ul>
<h2>What this may mean for you</h2>
{{template "text" .Inc.Consequences}}
<h2>What we have done and what we recommend</h2>
{{template "text" .Inc.Measures}}
<h2>Contact</h2>
<p>For questions, contact {{.Contact}}. Reference: {{.Inc.ID}}.</p>
</body></html>
{{end}}`
