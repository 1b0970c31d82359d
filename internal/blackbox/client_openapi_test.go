package blackbox

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// openAPIDoc is the part of /openapi.json the client is checked against.
type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

type schema = map[string]any

type mediaTypes map[string]struct {
	Schema schema `json:"schema"`
}

type operation struct {
	RequestBody *struct {
		Content mediaTypes `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content mediaTypes `json:"content"`
	} `json:"responses"`
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// TestClientCoversOpenAPI holds the Go client to the server's own
// description of the API: every (method, path) of /openapi.json has a
// client method and every client method has its operation; every JSON
// request and response body, and the problem body, has exactly the
// properties of the client's Go type, recursively.
func TestClientCoversOpenAPI(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := got(client.New(s.URL)).must(t)
	var doc openAPIDoc
	if err := json.Unmarshal(got(c.OpenAPI(ctx)).must(t), &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]operation{}
	for path, item := range doc.Paths {
		for m, raw := range item {
			if !slices.Contains(httpMethods, m) {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			ops[strings.ToUpper(m)+" "+path] = op
		}
	}
	sc := &schemaCheck{t: t, defs: doc.Components.Schemas}
	routes := map[string]client.Route{}
	for _, r := range client.Routes() {
		routes[r.Method+" "+r.Path] = r
	}
	for key := range ops {
		if _, ok := routes[key]; !ok {
			t.Errorf("%s is in /openapi.json but no client method calls it", key)
		}
	}
	for key, r := range routes {
		op, ok := ops[key]
		if !ok {
			t.Errorf("client.%s calls %s, which /openapi.json does not describe", r.Name, key)
			continue
		}
		var req mediaTypes
		if op.RequestBody != nil {
			req = op.RequestBody.Content
		}
		sc.body(r.Name+" request", req, r.Request)
		for status, resp := range op.Responses {
			switch {
			case strings.HasPrefix(status, "2"):
				sc.body(r.Name+" response", resp.Content, r.Response)
			case status == "default" || status >= "400":
				if p, ok := resp.Content["application/problem+json"]; ok {
					sc.check(r.Name+" problem", p.Schema, reflect.TypeFor[client.Error]())
				}
			}
		}
	}
}

// schemaCheck compares JSON Schemas of the document with Go types.
type schemaCheck struct {
	t    *testing.T
	defs map[string]schema
}

// body checks one request or response body: a JSON one against the
// client's type, and that the client sends or reads JSON where the document
// has a JSON object and nothing where it has none.
func (c *schemaCheck) body(where string, content mediaTypes, typ reflect.Type) {
	c.t.Helper()
	js, isJSON := content["application/json"]
	switch {
	case typ != nil && !isJSON:
		c.t.Errorf("%s: the client has %v; the document has no JSON body", where, typ)
	case typ != nil:
		c.check(where, js.Schema, typ)
	case isJSON && (js.Schema["$ref"] != nil || js.Schema["properties"] != nil):
		c.t.Errorf("%s: the document has a JSON object the client does not decode", where)
	}
}

// check compares a schema with a Go type, recursively.
func (c *schemaCheck) check(where string, s schema, typ reflect.Type) {
	c.t.Helper()
	s, ok := c.resolve(where, s)
	if !ok {
		return
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == reflect.TypeFor[json.RawMessage]() || typ.Kind() == reflect.Interface {
		return // any JSON value
	}
	kind := schemaType(s)
	var fits bool
	switch kind {
	case "object":
		if props, ok := s["properties"].(map[string]any); ok {
			if fits = typ.Kind() == reflect.Struct; fits {
				c.object(where, props, typ)
			}
		} else if elem, ok := s["additionalProperties"].(map[string]any); ok {
			if fits = typ.Kind() == reflect.Map; fits {
				c.check(where+"[*]", elem, typ.Elem())
			}
		}
	case "array":
		if fits = typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Uint8; fits {
			c.check(where+"[]", s["items"].(map[string]any), typ.Elem())
		}
	case "string":
		fits = typ.Kind() == reflect.String || typ == reflect.TypeFor[time.Time]() ||
			(typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Uint8)
	case "integer":
		fits = typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64
	case "number":
		fits = typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64
	case "boolean":
		fits = typ.Kind() == reflect.Bool
	default:
		fits = true // no type: any JSON value
	}
	if !fits {
		c.t.Errorf("%s: the document has %s %v; the client has %v", where, kind, s, typ)
	}
}

// object compares an object's properties with a struct's JSON fields.
func (c *schemaCheck) object(where string, props map[string]any, typ reflect.Type) {
	c.t.Helper()
	fields := jsonFields(typ)
	for name, p := range props {
		f, ok := fields[name]
		if !ok {
			c.t.Errorf("%s: property %q is in the document but not in client.%s", where, name, typ.Name())
			continue
		}
		c.check(where+"."+name, p.(map[string]any), f)
	}
	for name := range fields {
		if _, ok := props[name]; !ok {
			c.t.Errorf("%s: client.%s has %q, which the document does not give", where, typ.Name(), name)
		}
	}
}

// resolve follows $ref and single-element allOf (how a described $ref is
// written); it reports false for a schema to skip.
func (c *schemaCheck) resolve(where string, s schema) (schema, bool) {
	for range 10 {
		if ref, ok := s["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			def, ok := c.defs[name]
			if !ok {
				c.t.Errorf("%s: $ref %s names no schema", where, ref)
				return nil, false
			}
			s = def
			continue
		}
		if all, ok := s["allOf"].([]any); ok && len(all) == 1 {
			s = all[0].(map[string]any)
			continue
		}
		return s, true
	}
	c.t.Errorf("%s: $ref chain too deep", where)
	return nil, false
}

// schemaType is a schema's type, leaving out "null" (OpenAPI 3.1 writes a
// nullable type as [T, "null"]).
func schemaType(s schema) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if x != "null" {
				return x.(string)
			}
		}
	}
	return ""
}

// jsonFields maps the JSON names of a struct's fields to their types as
// encoding/json sees them: embedded structs flattened, "-" left out.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for n, t := range jsonFields(ft) {
					if _, shadowed := out[n]; !shadowed {
						out[n] = t
					}
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
