package disclose

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// TestResultJSONAsEncodingJSON: Result.AppendJSON writes what encoding/json
// writes, for results with every field set (the test fails when a field is
// added to Result, Disclosure, vault.Value or Link without AppendJSON
// following) and with none.
func TestResultJSONAsEncodingJSON(t *testing.T) {
	text := "a <b> & \"c\"\n"
	at := time.Date(2026, 12, 5, 23, 37, 14, 461112127, time.UTC)
	full := &Result{
		Disclosure: steward.Disclosure{ID: "dsc_1", TenantID: "ten_1", SubjectID: "sub_1", Processor: "quill-text", Purpose: "essential.service",
			Categories: []string{"user.content.prompt", "user.contact.email"}, Files: []string{"fil_1"}, Text: true, PolicyVersion: "3",
			Retention: "not-retained", Obligations: []string{"no_training", "user_visible_only"}, At: at},
		Values: []vault.Value{{Category: "user.content.prompt", Value: json.RawMessage(` {"a": [1, "x"]} `), Masked: true, Redacted: true,
			Obligations: []string{"no_training"}}, {Value: json.RawMessage(`"seed"`)}},
		Downloads:      []Link{{FileID: "fil_1", Category: "user.content.image", Size: 1234, URL: "https://x/v1/downloads/t?a=1&b=2", ExpiresAt: at}},
		Text:           &text,
		ConversationID: "conv-1",
	}
	for _, v := range []any{full, full.Disclosure, full.Values[0], full.Downloads[0]} {
		assertAllSet(t, reflect.ValueOf(v))
	}
	for name, r := range map[string]*Result{"full": full, "empty": {}, "empty lists": {Disclosure: steward.Disclosure{Categories: []string{},
		Files: []string{}, Obligations: []string{}}, Values: []vault.Value{}, Downloads: []Link{}}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s:\nAppendJSON    %s\nencoding/json %s", name, got, want.Bytes())
		}
	}
	if _, err := (&Result{Values: []vault.Value{{Value: json.RawMessage(`{`)}}}).AppendJSON(nil); err == nil {
		t.Error("an invalid raw value must fail, as encoding/json fails")
	}
}

// assertAllSet fails when a field of the struct v (or *v) holds its zero
// value.
func assertAllSet(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("%s.%s is not set: set it, and write it in AppendJSON", v.Type(), v.Type().Field(i).Name)
		}
	}
}
