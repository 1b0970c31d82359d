package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

type sample struct {
	Name  string     `json:"name"`
	Count int        `json:"count,omitempty"`
	At    *time.Time `json:"at,omitempty"`
	Tags  []string   `json:"tags"`
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		body, ct string
		code     string
		field    string
	}{
		{`{"name": "x", "tags": []}`, "application/json", "", ""},
		{`{"name": "x", "tags": []}`, "text/plain", steward.EINVALID, ""},
		{`{"name": "x", "tags": [], "extra": 1}`, "application/json", steward.EINVALID, "extra"},
		{`{"name": 1}`, "application/json", steward.EINVALID, "name"},
		{`{"name": "x"`, "application/json", steward.EINVALID, ""},
		{``, "application/json", steward.EINVALID, ""},
		{`{} {}`, "application/json", steward.EINVALID, ""},
		{`{"name": "` + strings.Repeat("a", maxJSONBody) + `"}`, "application/json", steward.ETOOLARGE, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.ct)
		_, err := decode[sample](httptest.NewRecorder(), r)
		if got := steward.ErrorCode(err); got != c.code {
			t.Errorf("decode(%.40q, %s) code = %q (%v); want %q", c.body, c.ct, got, err, c.code)
			continue
		}
		if c.field != "" {
			se := err.(*steward.Error)
			if len(se.Fields) != 1 || se.Fields[0].Path != c.field {
				t.Errorf("decode(%.40q) fields = %+v; want %q", c.body, se.Fields, c.field)
			}
		}
		// The message never repeats the submitted value.
		if err != nil && strings.Contains(err.Error(), "aaaa") {
			t.Errorf("error echoes the body: %v", err)
		}
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, code := range []string{steward.EINVALID, steward.ENOTFOUND, steward.ECONFLICT, steward.EUNAUTHORIZED,
		steward.EFORBIDDEN, steward.ETOOLARGE, steward.ERATELIMIT, steward.EUNAVAILABLE, steward.EINTERNAL} {
		if statusOf[code] == 0 {
			t.Errorf("code %q has no HTTP status", code)
		}
	}
}

func TestInternalErrorsAreNotShown(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	writeError(w, r, New(Options{}).log, &steward.Error{Code: steward.EINTERNAL, Message: "secret detail", Cause: http.ErrBodyNotAllowed})
	var p Problem
	json.Unmarshal(w.Body.Bytes(), &p)
	if w.Code != 500 || p.Detail != "internal error" || strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("internal error shown: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	writeError(w, r, New(Options{}).log, &steward.Error{Code: steward.ERATELIMIT, Message: "slow down", Reasons: []string{"retry_after:7"}})
	if w.Code != 429 || w.Header().Get("Retry-After") != "7" || strings.Contains(w.Body.String(), "retry_after") {
		t.Fatalf("rate limit problem: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

// embedded is flattened into its parent, as encoding/json writes it.
type embedded struct {
	ID string `json:"id"`
}

func TestSchemaGeneration(t *testing.T) {
	type withEmbedded struct {
		embedded
		sample
		Ptr *string `json:"ptr"`
	}
	g := &schemaGen{defs: map[string]any{}}
	ref := g.schema(typeOf(sample{}))
	if ref["$ref"] != "#/components/schemas/sample" {
		t.Fatalf("ref = %v", ref)
	}
	obj := g.defs["sample"].(map[string]any)
	req := obj["required"].([]string)
	if strings.Join(req, ",") != "name,tags" {
		t.Fatalf("required = %v; want name,tags (omitempty optional)", req)
	}
	props := obj["properties"].(map[string]any)
	if props["at"].(map[string]any)["format"] != "date-time" {
		t.Fatalf("properties = %v", props)
	}
	if typ := fmt.Sprint(props["tags"].(map[string]any)["type"]); typ != "[array null]" {
		t.Fatalf("tags type = %s; want [array null] (a nil slice is written as null)", typ)
	}
	flat := g.object(typeOf(withEmbedded{}))
	names := slices.Sorted(maps.Keys(flat["properties"].(map[string]any)))
	if strings.Join(names, ",") != "at,count,id,name,ptr,tags" {
		t.Fatalf("properties of a struct with embedded structs = %v; want them flattened", names)
	}
	if typ := fmt.Sprint(flat["properties"].(map[string]any)["ptr"].(map[string]any)["type"]); typ != "[string null]" {
		t.Fatalf("pointer without omitempty: type %s; want [string null]", typ)
	}
}

func TestOperationIDsAreUnique(t *testing.T) {
	s := New(Options{})
	seen := map[string]bool{}
	for _, rt := range s.routes {
		id := operationID(rt)
		if seen[id] {
			t.Errorf("duplicate operationId %q", id)
		}
		seen[id] = true
	}
}

// TestEveryTagDescribed: the document's linter refuses a tag without a
// description, so every route's tag has one.
func TestEveryTagDescribed(t *testing.T) {
	s := New(Options{})
	for _, rt := range s.routes {
		if tagDescription[rt.Tag] == "" {
			t.Errorf("route %s %s: tag %q has no description in tagDescription", rt.Method, rt.Path, rt.Tag)
		}
	}
	// Routes New registers only with their options set are found in the
	// source.
	files, _ := filepath.Glob("*.go")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`Tag: *"([a-z]+)"`).FindAllStringSubmatch(string(src), -1) {
			if tagDescription[m[1]] == "" {
				t.Errorf("%s: tag %q has no description in tagDescription", file, m[1])
			}
		}
	}
}
