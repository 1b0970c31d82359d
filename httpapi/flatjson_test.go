package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/disclose"
)

// flatSample is a flat struct with every kind of field and tag the fast
// path knows.
type flatSample struct {
	Name    string   `json:"name"`
	Note    *string  `json:"note,omitempty"`
	Tags    []string `json:"tags"`
	More    []string `json:"more,omitzero"`
	Plain   string   // the key is "Plain"
	Dash    string   `json:"-,"` // the key is "-"
	Skipped string   `json:"-"`
	hidden  string   // encoding/json ignores it; so must the fast path
}

type (
	selfDecoding struct{ Name string }
	textDecoding struct{ Name string }
	code         string
	embeddedName struct{ Name string }
)

func (*selfDecoding) UnmarshalJSON([]byte) error { return nil }
func (*textDecoding) UnmarshalText([]byte) error { return nil }

func TestFlatStructOf(t *testing.T) {
	cases := []struct {
		v    any
		want []string // the keys, nil for a type that is not flat
	}{
		{disclose.Request{}, []string{"processor", "purpose", "categories", "files", "text", "text_category", "conversation_id"}},
		{flatSample{}, []string{"name", "note", "tags", "more", "Plain", "-"}},
		{struct{}{}, []string{}},
		{sample{}, nil}, // int and *time.Time fields
		{"", nil},
		{selfDecoding{}, nil},
		{textDecoding{}, nil},
		{struct{ C code }{}, nil},
		{struct{ embeddedName }{}, nil},
		{struct{ *embeddedName }{}, nil},
		{struct {
			N string `json:"n,string"`
		}{}, nil},
		{struct {
			N string `json:"n,omitempty,inline"`
		}{}, nil},
		{struct {
			N string `json:"n ame"`
		}{}, nil},
		{struct {
			A string `json:"name"`
			B string `json:"NAME"`
		}{}, nil},
		{struct {
			A string `json:"b"`
			B string
		}{}, nil},
		{struct{ P *[]string }{}, nil},
		{struct{ S []*string }{}, nil},
		{struct{ A [2]string }{}, nil},
		{struct{ M map[string]string }{}, nil},
	}
	for _, c := range cases {
		typ := reflect.TypeOf(c.v)
		fs := flatStructOf(typ)
		var got []string
		if fs != nil {
			got = []string{}
			for _, f := range fs.fields {
				got = append(got, f.name)
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("flatStructOf(%v) keys = %q; want %q", typ, got, c.want)
		}
	}
}

func TestParseFlat(t *testing.T) {
	note := func(s string) *string { return &s }
	cases := []struct {
		body string
		want *flatSample // nil: not handled
	}{
		{`{}`, &flatSample{}},
		{" \t\r\n{ \t\r\n} \t\r\n", &flatSample{}},
		{`{"name": "x", "tags": []}`, &flatSample{Name: "x", Tags: []string{}}},
		{`{"name":"x","note":"","tags":["a","b"],"more":[ "c" ],"Plain":"p","-":"d"}`,
			&flatSample{Name: "x", Note: note(""), Tags: []string{"a", "b"}, More: []string{"c"}, Plain: "p", Dash: "d"}},
		{`{"name": "ü€😀", "tags": ["\u007f"]}`, nil},                                // an escape
		{"{\"name\": \"ü€😀\x7f<>&\u2028\"}", &flatSample{Name: "ü€😀\x7f<>&\u2028"}}, // no escape
		{`{"name": "a", "name": "b"}`, &flatSample{Name: "b"}},
		{`{"tags": ["a", "b"], "tags": []}`, &flatSample{Tags: []string{}}},
		{`{"note": "a", "note": "b"}`, &flatSample{Note: note("b")}},
		{``, nil},
		{`   `, nil},
		{`[]`, nil},
		{`"x"`, nil},
		{`null`, nil},
		{`{`, nil},
		{`{"name": "x"`, nil},
		{`{"name": "x",}`, nil},
		{`{,}`, nil},
		{`{"name" "x"}`, nil},
		{`{"name": "x" "tags": []}`, nil},
		{`{"name": null}`, nil},
		{`{"note": null}`, nil},
		{`{"tags": null}`, nil},
		{`{"tags": [null]}`, nil},
		{`{"tags": ["a",]}`, nil},
		{`{"tags": ["a" "b"]}`, nil},
		{`{"tags": [1]}`, nil},
		{`{"tags": "a"}`, nil},
		{`{"name": ["a"]}`, nil},
		{`{"name": 1}`, nil},
		{`{"name": true}`, nil},
		{`{"name": {}}`, nil},
		{`{"Name": "x"}`, nil},   // encoding/json matches any case
		{`{"plain": "x"}`, nil},  // ditto
		{`{"extra": "x"}`, nil},  // unknown
		{`{"hidden": "x"}`, nil}, // unexported
		{`{"Skipped": "x"}`, nil},
		{`{"name": "a\\b"}`, nil},
		{`{"na\u006de": "x"}`, nil},
		{"{\"name\": \"a\tb\"}", nil},
		{"{\"name\": \"\xff\"}", nil},
		{"{\"name\": \"\xed\xa0\x80\"}", nil}, // a surrogate half
		{"\xef\xbb\xbf{}", nil},               // a byte order mark
		{"{}\x00", nil},
		{"{}\v", nil},
		{`{} {}`, nil},
		{`{}x`, nil},
		{`{"name": "x"}}`, nil},
	}
	fs := flatStructFor(reflect.TypeFor[flatSample]())
	for _, c := range cases {
		var got flatSample
		ok := parseFlat([]byte(c.body), reflect.ValueOf(&got).Elem(), fs)
		switch {
		case ok != (c.want != nil):
			t.Errorf("parseFlat(%q) handled = %v; want %v", c.body, ok, c.want != nil)
		case ok && !reflect.DeepEqual(got, *c.want):
			t.Errorf("parseFlat(%q) = %+v; want %+v", c.body, got, *c.want)
		}
	}
}

// decodeStream is decode as it was before the fast path: encoding/json
// reading the request body as a stream. Tests hold decode to its results
// and errors; the benchmark measures against it.
func decodeStream[T any](w http.ResponseWriter, r *http.Request) (*T, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, steward.Errorf(steward.EINVALID, "Content-Type must be application/json")
	}
	body := http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	v := new(T)
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, jsonError(err)
		}
		return nil, steward.Errorf(steward.EINVALID, "request body must hold a single JSON value")
	}
	return v, nil
}

// flatSeeds are request bodies for the tests and the fuzzer: realistic
// ones, and ones the fast path must decline.
var flatSeeds = []string{
	`{"processor": "quill-text", "purpose": "essential.service.generation", "categories": ["user.content.prompt"]}`,
	`{"processor":"kestrel-video","purpose":"essential.service.generation","files":["f_1","f_2"],"text":"Bonjour Zoë, ça va ? 😀","text_category":"user.content.prompt","conversation_id":"c_42"}`,
	"{\n  \"processor\": \"quill-text\",\r\n\t\"purpose\": \"x\",\n  \"categories\": []\n}\n",
	`{"processor": "quill-text", "text": "line\nbreak \"quoted\" \u00e9"}`,
	`{"processor": null, "text": null, "categories": null}`,
	`{"processor": "a", "unknown": "b"}`,
	`{"Processor": "a", "PURPOSE": "b"}`,
	`{"processor": "a", "processor": "b", "categories": ["x"], "categories": []}`,
	`{"processor": "a"} trailing`,
	`{"processor": "a"} {"processor": "b"}`,
	`{"processor": "a",}`,
	`{"categories": ["a", 1, true, {}]}`,
	`{"name": "x", "note": "n", "tags": ["a"], "more": [], "Plain": "p", "-": "d"}`,
	`{"name": "x", "Skipped": "s"}`,
	"{\"name\": \"caf\xc3\xa9 \xe2\x82\xac \xff\"}",
	"{\"text\": \"\xed\xa0\x80\"}",
	"{\"text\": \"tab\there\"}",
	`   `,
	``,
	`{`,
	`[]`,
	`"processor"`,
	`{"text": "a\/b"}`,
	`{"categories": ["a"   ,   "b"  ]  }  `,
}

// jsonStrict decodes data as decode's fallback does.
func jsonStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one value")
	}
	return nil
}

// checkFlat checks that whenever parseFlat decodes data into a T,
// encoding/json does too, to the same value, and that the value shares no
// memory with data.
func checkFlat[T any](t *testing.T, data []byte) {
	t.Helper()
	fs := flatStructFor(reflect.TypeFor[T]())
	if fs == nil {
		t.Fatalf("%v is not flat", reflect.TypeFor[T]())
	}
	data = bytes.Clone(data)
	var got T
	if !parseFlat(data, reflect.ValueOf(&got).Elem(), fs) {
		return
	}
	var want T
	if err := jsonStrict(data, &want); err != nil {
		t.Fatalf("parseFlat(%q) accepted what encoding/json rejects: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseFlat(%q) = %+v; encoding/json says %+v", data, got, want)
	}
	for i := range data {
		data[i] = 'X'
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseFlat(%q) returned strings that alias the input", data)
	}
}

// checkDecode checks that decode and decodeStream agree on body.
func checkDecode[T any](t *testing.T, body []byte) {
	t.Helper()
	call := func(f func(http.ResponseWriter, *http.Request) (*T, error)) (*T, error) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return f(httptest.NewRecorder(), r)
	}
	got, gotErr := call(decode[T])
	want, wantErr := call(decodeStream[T])
	if !reflect.DeepEqual(gotErr, wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("decode[%v](%q) = %+v, %v; before the fast path: %+v, %v",
			reflect.TypeFor[T](), body, got, gotErr, want, wantErr)
	}
}

func TestDecodeAsBefore(t *testing.T) {
	bodies := slices.Concat(flatSeeds, []string{
		`{"name": "x", "tags": []}`,
		`{"name": 1}`,
		`{"count": "1"}`,
		`{"name": "x", "tags": [], "extra": 1}`,
		`{"name": "x"`,
		`{"name": "` + strings.Repeat("a", maxJSONBody) + `"}`,
		`{}` + strings.Repeat(" ", maxJSONBody),
	})
	for _, b := range bodies {
		checkDecode[disclose.Request](t, []byte(b))
		checkDecode[flatSample](t, []byte(b))
		checkDecode[sample](t, []byte(b))
	}
}

// Reading the whole body first, decode finds a body too large before
// encoding/json would have found it malformed.
func TestDecodeTooLargeFirst(t *testing.T) {
	pad := strings.Repeat(" ", maxJSONBody)
	for _, body := range []string{`{x` + pad, `{"name": 1}` + pad, `{} {}` + pad} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if _, err := decode[sample](httptest.NewRecorder(), r); steward.ErrorCode(err) != steward.ETOOLARGE {
			t.Errorf("decode(%.12q...) = %v; want %s", body, err, steward.ETOOLARGE)
		}
	}
}

// FuzzFlatJSON holds the fast path to encoding/json: whatever parseFlat
// accepts, encoding/json accepts with the same result; and decode, fast
// path or not, answers as it did before.
func FuzzFlatJSON(f *testing.F) {
	for _, s := range flatSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFlat[disclose.Request](t, data)
		checkFlat[flatSample](t, data)
		checkDecode[disclose.Request](t, data)
		checkDecode[flatSample](t, data)
	})
}

// BenchmarkDecodeDisclosureBody decodes a typical disclosure request,
// before the fast path (stream) and now (flat).
func BenchmarkDecodeDisclosureBody(b *testing.B) {
	body := []byte(flatSeeds[0])
	for _, bc := range []struct {
		name string
		f    func(http.ResponseWriter, *http.Request) (*disclose.Request, error)
	}{
		{"stream", decodeStream[disclose.Request]},
		{"flat", decode[disclose.Request]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rd := bytes.NewReader(body)
			r := httptest.NewRequest("POST", "/v1/subjects/s_1/disclosures", nil)
			r.Header.Set("Content-Type", "application/json")
			r.Body = io.NopCloser(rd)
			r.ContentLength = int64(len(body))
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				rd.Reset(body)
				v, err := bc.f(w, r)
				if err != nil || v.Processor != "quill-text" {
					b.Fatal(v, err)
				}
			}
		})
	}
}
