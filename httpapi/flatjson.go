package httpapi

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/steward-privacy/steward/internal/jsonfast"
)

// This file is decode's fast path for "flat" request bodies: one JSON
// object whose values are plain strings or arrays of plain strings, as most
// POST bodies are. On a typical disclosure request, decode with
// encoding/json's Decoder took ~2.4 µs and 15 allocations, with parseFlat
// ~0.6 µs and 7 (BenchmarkDecodeDisclosureBody).
//
// The fast path only ever accepts input that encoding/json (with
// DisallowUnknownFields and the single-value check) accepts too, with the
// same result (FuzzFlatJSON checks this). Anything it is not sure of it
// declines: unknown or differently-cased keys, null, numbers, booleans,
// nested objects, any backslash (there is no escape handling at all),
// control characters or invalid UTF-8 inside a string, anything but
// whitespace after the object, an empty body. decode then hands the body
// to encoding/json, which gives the values and errors decode always gave.
//
// Fields are set through reflect: profiled, that is a few percent of the
// fast path (allocating the strings is most of it), too little to justify
// unsafe field offsets.

// flatKind is the Go type of a flat struct's field.
type flatKind uint8

const (
	flatString    flatKind = iota // string
	flatStringPtr                 // *string
	flatStrings                   // []string
)

// flatField is one JSON-visible field of a flat struct.
type flatField struct {
	name  string   // the JSON key, matched exactly (case-sensitively)
	index int      // the field's index in the struct, for reflect.Value.Field
	kind  flatKind // the field's type
}

// flatStruct is the field table of a struct type the fast path can decode.
type flatStruct struct {
	fields []flatField
}

// flatStructs caches flatStructOf by reflect.Type: a *flatStruct, nil for
// a type the fast path must leave to encoding/json.
var flatStructs sync.Map

// flatStructFor returns t's field table, nil when t is not flat, building
// and caching it at first use.
func flatStructFor(t reflect.Type) *flatStruct {
	if v, ok := flatStructs.Load(t); ok {
		return v.(*flatStruct)
	}
	v, _ := flatStructs.LoadOrStore(t, flatStructOf(t))
	return v.(*flatStruct)
}

var (
	typeString      = reflect.TypeFor[string]()
	typeStringPtr   = reflect.TypeFor[*string]()
	typeStrings     = reflect.TypeFor[[]string]()
	typeUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	typeTextUnm     = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// flatStructOf builds t's field table, or returns nil when t is not flat.
// A flat type is a struct that neither itself nor through its pointer
// implements json.Unmarshaler or encoding.TextUnmarshaler, that has no
// embedded fields, and whose every field encoding/json sees (exported and
// not tagged "-") is exactly string, *string or []string (named types
// such as `type Code string` are not flat: they may unmarshal themselves).
// The rules are deliberately narrower than encoding/json's so the table
// needs no cleverness:
//   - a tag's name may only hold ASCII letters, digits, '_', '-' and '.'
//     (an empty name means the field's Go name, as in encoding/json);
//   - a tag's only options may be omitempty and omitzero (",string"
//     changes how a value is decoded);
//   - no two names may be equal ignoring case (encoding/json would drop or
//     prefer one of them).
//
// Unexported fields that are not embedded are ignored, as encoding/json
// ignores them.
func flatStructOf(t reflect.Type) *flatStruct {
	if t.Kind() != reflect.Struct {
		return nil
	}
	for _, it := range []reflect.Type{typeUnmarshaler, typeTextUnm} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return nil
		}
	}
	fs := &flatStruct{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		for opt := range strings.SplitSeq(opts, ",") {
			if opt != "" && opt != "omitempty" && opt != "omitzero" {
				return nil
			}
		}
		if name == "" {
			name = sf.Name
		} else if !plainTagName(name) {
			return nil
		}
		var kind flatKind
		switch sf.Type {
		case typeString:
			kind = flatString
		case typeStringPtr:
			kind = flatStringPtr
		case typeStrings:
			kind = flatStrings
		default:
			return nil
		}
		for _, f := range fs.fields {
			if strings.EqualFold(f.name, name) {
				return nil
			}
		}
		fs.fields = append(fs.fields, flatField{name: name, index: i, kind: kind})
	}
	return fs
}

// plainTagName reports whether a json tag's name holds only ASCII letters,
// digits, '_', '-' and '.': names encoding/json takes as they are.
func plainTagName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// field returns the field whose JSON name is exactly key, or nil.
func (fs *flatStruct) field(key []byte) *flatField {
	for i := range fs.fields {
		if fs.fields[i].name == string(key) {
			return &fs.fields[i]
		}
	}
	return nil
}

// parseFlat decodes data, one flat JSON object, into v, an addressable
// value of the struct fs describes (initially zero). It reports false when
// it does not handle data; v may then be partly written, and the caller
// must decode data into a fresh value another way. Every string set is a
// copy: nothing aliases data. As in encoding/json, a repeated key's last
// value wins and [] sets an empty, non-nil slice.
func parseFlat(data []byte, v reflect.Value, fs *flatStruct) bool {
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		key, next, ok := jsonfast.ScanPlainString(data, i)
		if !ok {
			return false
		}
		f := fs.field(key)
		if f == nil {
			return false
		}
		i = skipSpace(data, next)
		if i == len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		fv := v.Field(f.index)
		switch f.kind {
		case flatStrings:
			list, next, ok := scanStrings(data, i)
			if !ok {
				return false
			}
			*fv.Addr().Interface().(*[]string) = list
			i = next
		default:
			s, next, ok := jsonfast.ScanPlainString(data, i)
			if !ok {
				return false
			}
			if f.kind == flatString {
				fv.SetString(string(s))
			} else {
				p := new(string)
				*p = string(s)
				*fv.Addr().Interface().(**string) = p
			}
			i = next
		}
		i = skipSpace(data, i)
		if i == len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

// scanStrings reads a JSON array of plain strings (see jsonfast.ScanPlainString) at
// data[i:], returning a copy of its elements (an empty, non-nil slice for
// []) and the index just past the closing bracket.
func scanStrings(data []byte, i int) (list []string, next int, ok bool) {
	if i == len(data) || data[i] != '[' {
		return nil, 0, false
	}
	list = []string{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return list, i + 1, true
	}
	for {
		s, next, ok := jsonfast.ScanPlainString(data, i)
		if !ok {
			return nil, 0, false
		}
		list = append(list, string(s))
		i = skipSpace(data, next)
		if i == len(data) {
			return nil, 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return list, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace (space, tab, newline, carriage return), or len(data).
func skipSpace(data []byte, i int) int {
	for ; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return i
}
