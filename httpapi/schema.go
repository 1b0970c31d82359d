package httpapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// schemaGen turns Go types into JSON Schema (2020-12, as OpenAPI 3.1 uses),
// collecting named struct types under components/schemas. It follows
// encoding/json's rules, so a schema describes the bytes the server sends:
// embedded structs are flattened into their parent, a field without
// omitempty is required, and a value Go may encode as null (a pointer, a
// slice or a map without omitempty) admits null.
type schemaGen struct {
	defs map[string]any
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// schema returns the schema of t, by reference for named structs.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "any JSON value"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{"description": "any JSON value"}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return g.object(t)
		}
		if _, done := g.defs[name]; !done {
			g.defs[name] = map[string]any{} // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// jsonField is one property of a struct as encoding/json writes it.
type jsonField struct {
	name     string
	field    reflect.StructField
	optional bool // omitempty or omitzero: may be absent
}

// jsonFields lists the properties encoding/json writes for struct type t,
// with embedded structs (without a json name) flattened in place. A name
// given twice keeps the shallower field, as encoding/json does.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	seen := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		var embedded []reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				et := f.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					embedded = append(embedded, et)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, jsonField{name: name, field: f,
				optional: strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")})
		}
		for _, et := range embedded {
			walk(et)
		}
	}
	walk(t)
	return out
}

// object is the schema of a struct's properties.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, jf := range jsonFields(t) {
		sch := g.schema(jf.field.Type)
		if !jf.optional && mayBeNull(jf.field.Type) {
			sch = nullable(sch)
		}
		if d := jf.field.Tag.Get("doc"); d != "" {
			sch = withDescription(sch, d)
		}
		props[jf.name] = sch
		if !jf.optional {
			required = append(required, jf.name)
		}
	}
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		obj["required"] = required
	}
	return obj
}

// mayBeNull reports whether encoding/json may write null for a value of t.
func mayBeNull(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Interface:
		return true
	case reflect.Slice:
		return t != rawType
	}
	return false
}

// nullable widens a schema to admit null.
func nullable(sch map[string]any) map[string]any {
	if typ, ok := sch["type"].(string); ok {
		sch["type"] = []string{typ, "null"}
		return sch
	}
	if _, isRef := sch["$ref"]; isRef {
		return map[string]any{"anyOf": []any{sch, map[string]any{"type": "null"}}}
	}
	return sch // already admits any value
}

func withDescription(sch map[string]any, d string) map[string]any {
	if _, isRef := sch["$ref"]; isRef {
		return map[string]any{"allOf": []any{sch}, "description": d}
	}
	sch["description"] = d
	return sch
}
