package disclose

import (
	"strconv"

	"github.com/steward-privacy/steward/internal/jsonfast"
)

// AppendJSON appends r as JSON followed by a newline, the bytes an
// encoding/json Encoder with SetEscapeHTML(false) writes, without
// reflection: every allowed disclosure answers with one
// (TestResultJSONAsEncodingJSON holds the two together, field by field).
// Note that Result.Text hides Disclosure.Text in the JSON, as encoding/json
// lets the shallower field win.
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	d := &r.Disclosure
	var err error
	b = append(b, `{"id":`...)
	b = jsonfast.AppendString(b, d.ID, false)
	b = append(b, `,"subject_id":`...)
	b = jsonfast.AppendString(b, d.SubjectID, false)
	b = append(b, `,"processor":`...)
	b = jsonfast.AppendString(b, d.Processor, false)
	b = append(b, `,"purpose":`...)
	b = jsonfast.AppendString(b, d.Purpose, false)
	b = append(b, `,"categories":`...)
	b = jsonfast.AppendStrings(b, d.Categories, false)
	b = append(b, `,"files":`...)
	b = jsonfast.AppendStrings(b, d.Files, false)
	b = append(b, `,"policy_version":`...)
	b = jsonfast.AppendString(b, d.PolicyVersion, false)
	b = append(b, `,"processor_retention":`...)
	b = jsonfast.AppendString(b, d.Retention, false)
	b = append(b, `,"obligations":`...)
	b = jsonfast.AppendStrings(b, d.Obligations, false)
	b = append(b, `,"at":`...)
	if b, err = jsonfast.AppendTime(b, d.At); err != nil {
		return b, err
	}
	b = append(b, `,"values":`...)
	if r.Values == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Values {
			v := &r.Values[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if v.Category != "" {
				b = append(b, `"category":`...)
				b = jsonfast.AppendString(b, v.Category, false)
				b = append(b, ',')
			}
			b = append(b, `"value":`...)
			if b, err = jsonfast.AppendRaw(b, v.Value); err != nil {
				return b, err
			}
			if v.Masked {
				b = append(b, `,"masked":true`...)
			}
			if v.Redacted {
				b = append(b, `,"redacted":true`...)
			}
			if len(v.Obligations) > 0 {
				b = append(b, `,"obligations":`...)
				b = jsonfast.AppendStrings(b, v.Obligations, false)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"downloads":`...)
	if r.Downloads == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Downloads {
			l := &r.Downloads[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"file_id":`...)
			b = jsonfast.AppendString(b, l.FileID, false)
			b = append(b, `,"category":`...)
			b = jsonfast.AppendString(b, l.Category, false)
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, l.Size, 10)
			b = append(b, `,"url":`...)
			b = jsonfast.AppendString(b, l.URL, false)
			b = append(b, `,"expires_at":`...)
			if b, err = jsonfast.AppendTime(b, l.ExpiresAt); err != nil {
				return b, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Text != nil {
		b = append(b, `,"text":`...)
		b = jsonfast.AppendString(b, *r.Text, false)
	}
	if r.ConversationID != "" {
		b = append(b, `,"conversation_id":`...)
		b = jsonfast.AppendString(b, r.ConversationID, false)
	}
	return append(b, "}\n"...), nil
}
