package policy

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The decoder turns the YAML syntax tree into the Policy structs. It is
// strict: unknown fields, wrong types, empty values, anchors, aliases and
// tags are problems, each at its position, and decoding goes on after a
// problem so that one run reports them all.
//
// Struct fields are named by their yaml tag. Tag options:
//
//	keyed   a slice of structs written as a YAML mapping, in order
//	key     the field of such a struct that receives the mapping key
//	scalar  the field set when the struct is written as a single value
//
// A type with a setScalar method parses its own single-value form; a type
// with a mappingForm method decodes its mapping form through a shadow struct.
type decoder struct {
	file      string
	problems  Problems
	positions map[string]Pos
}

type scalarSetter interface{ setScalar(string) error }

type mappingFormer interface{ mappingForm() (any, func() error) }

func (d *decoder) problem(pos Pos, path, hint, format string, args ...any) {
	d.problems = append(d.problems, Problem{
		File: d.file, Line: pos.Line, Col: pos.Col, Path: path,
		Message: fmt.Sprintf(format, args...), Hint: hint,
	})
}

// decode decodes node n into v. The caller records the position of path.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	pos := nodePos(n)
	switch n := n.(type) {
	case nil, *ast.NullNode:
		d.problem(d.keyPos(path, pos), path, "write a value or remove the line", "%s has no value", describe(path))
		return
	case *ast.AnchorNode, *ast.AliasNode:
		d.problem(pos, path, "write the value out in full", "anchors and aliases are not supported in policy files")
		return
	case *ast.TagNode:
		if n.Start == nil || n.Start.Value != "!!str" {
			d.problem(pos, path, "remove the tag", "YAML tags are not supported in policy files")
			return
		}
	}
	if v.Kind() == reflect.Pointer {
		elem := reflect.New(v.Type().Elem())
		d.decode(n, elem.Elem(), path)
		v.Set(elem)
		return
	}
	text, isScalar := scalarText(n)
	mapping, isMapping := asMapping(n)
	addr := v.Addr().Interface()
	if f, ok := addr.(mappingFormer); ok && isMapping {
		shadow, finish := f.mappingForm()
		before := len(d.problems)
		d.structFields(mapping, reflect.ValueOf(shadow).Elem(), path)
		if len(d.problems) == before {
			d.check(pos, path, finish())
		}
		return
	}
	if s, ok := addr.(scalarSetter); ok && isScalar {
		d.check(pos, path, s.setScalar(text))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if !isScalar {
			d.problem(pos, path, "", "%s must be a single value, not a %s", describe(path), nodeKind(n))
			return
		}
		v.SetString(text)
	case reflect.Int:
		i, err := strconv.Atoi(text)
		if _, isInt := n.(*ast.IntegerNode); !isInt || err != nil || i < 0 || i > 1e6 {
			d.problem(pos, path, "", "%s must be a whole number between 0 and 1000000", describe(path))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		b, isBool := n.(*ast.BoolNode)
		if !isBool {
			d.problem(pos, path, "", "%s must be true or false", describe(path))
			return
		}
		v.SetBool(b.Value)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.problem(pos, path, "write a list, e.g. [a, b]", "%s must be a list, not a %s", describe(path), nodeKind(n))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			ipath := fmt.Sprintf("%s[%d]", path, i)
			d.positions[ipath] = nodePos(item)
			d.decode(item, out.Index(i), ipath)
		}
		v.Set(out)
	case reflect.Struct:
		if isMapping {
			d.structFields(mapping, v, path)
			return
		}
		if f, ok := fieldsOf(v.Type()).scalar(); ok && isScalar {
			d.decode(n, v.Field(f.index), path)
			return
		}
		d.problem(pos, path, "", "%s must be a mapping of fields, not a %s", describe(path), nodeKind(n))
	default:
		panic("policy: decoder cannot fill " + v.Type().String()) // a programming error in policy.go
	}
}

// keyPos returns the recorded position of path (its key), or def.
func (d *decoder) keyPos(path string, def Pos) Pos {
	if pos, ok := d.positions[path]; ok {
		return pos
	}
	return def
}

// check records err, if any, as a problem at pos.
func (d *decoder) check(pos Pos, path string, err error) {
	if err != nil {
		msg, hint := splitHint(err)
		d.problem(pos, path, hint, "%s", msg)
	}
}

// structFields decodes the entries of m into the fields of struct v.
func (d *decoder) structFields(m *ast.MappingNode, v reflect.Value, path string) {
	fields := fieldsOf(v.Type())
	for _, mv := range m.Values {
		key, ok := d.mapKey(mv, path)
		if !ok {
			continue
		}
		fpath := joinPath(path, key)
		f, known := fields.byName(key)
		if !known {
			d.problem(nodePos(mv.Key), fpath, didYouMean(key, fields.names()), "unknown field %q in %s", key, describeParent(path))
			continue
		}
		d.positions[fpath] = nodePos(mv.Key)
		if f.keyed {
			d.keyed(mv.Value, v.Field(f.index), fpath)
			continue
		}
		d.decode(mv.Value, v.Field(f.index), fpath)
	}
}

// keyed decodes a mapping of key → entry into a slice of structs, setting
// each struct's key field.
func (d *decoder) keyed(n ast.Node, v reflect.Value, path string) {
	m, ok := asMapping(n)
	if !ok {
		if _, null := n.(*ast.NullNode); null || n == nil {
			d.problem(d.keyPos(path, nodePos(n)), path, "write entries or remove the line", "%s has no entries", describe(path))
			return
		}
		d.problem(nodePos(n), path, "write one entry per line, as key: value", "%s must be a mapping keyed by name, not a %s", describe(path), nodeKind(n))
		return
	}
	elemType := v.Type().Elem()
	keyField, _ := fieldsOf(elemType).key()
	out := reflect.MakeSlice(v.Type(), 0, len(m.Values))
	for _, mv := range m.Values {
		key, ok := d.mapKey(mv, path)
		if !ok {
			continue
		}
		epath := path + "[" + key + "]"
		d.positions[epath] = nodePos(mv.Key)
		elem := reflect.New(elemType).Elem()
		elem.Field(keyField.index).SetString(key)
		d.decode(mv.Value, elem, epath)
		out = reflect.Append(out, elem)
	}
	v.Set(out)
}

// mapKey returns the text of a plain mapping key; merge keys and complex
// keys are problems.
func (d *decoder) mapKey(mv *ast.MappingValueNode, path string) (string, bool) {
	if mv.Key == nil {
		d.problem(nodePos(mv), path, "", "mapping entry without a key")
		return "", false
	}
	if mv.Key.IsMergeKey() {
		d.problem(nodePos(mv.Key), path, "write the fields out in full", "merge keys (<<) are not supported in policy files")
		return "", false
	}
	key, ok := scalarText(mv.Key)
	if !ok || key == "" {
		d.problem(nodePos(mv.Key), path, "", "a key must be a plain word")
		return "", false
	}
	return key, true
}

// asMapping returns n as a mapping node; a lone key: value pair (which the
// parser may produce inside flow sequences) counts as a mapping of one entry.
func asMapping(n ast.Node) (*ast.MappingNode, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n, true
	case *ast.MappingValueNode:
		return &ast.MappingNode{BaseNode: &ast.BaseNode{}, Values: []*ast.MappingValueNode{n}}, true
	}
	return nil, false
}

// scalarText returns the text of a scalar node as written (numbers and
// booleans keep their spelling, so "1.2" stays "1.2").
func scalarText(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", true
		}
		return strings.TrimRight(n.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	case *ast.TagNode:
		if n.Start != nil && n.Start.Value == "!!str" {
			return scalarText(n.Value)
		}
	}
	return "", false
}

// nodePos returns the position of a node: for a mapping, the position of its
// first key.
func nodePos(n ast.Node) Pos {
	switch v := n.(type) {
	case nil:
		return Pos{1, 1}
	case *ast.MappingNode:
		if len(v.Values) > 0 {
			return nodePos(v.Values[0])
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			return nodePos(v.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{Line: max(tk.Position.Line, 1), Col: max(tk.Position.Column, 1)}
}

// nodeKind names the kind of a node for messages.
func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode:
		return "mapping"
	case *ast.SequenceNode:
		return "list"
	}
	if _, ok := scalarText(n); ok {
		return "single value"
	}
	return "YAML " + strings.ToLower(n.Type().String())
}

// describe names the element at path for messages, such as
// "purposes[marketing].basis".
func describe(path string) string {
	if path == "" {
		return "the policy"
	}
	return path
}

func describeParent(path string) string {
	if path == "" {
		return "the policy (top level)"
	}
	return path
}

// joinPath appends a field name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// parentPath removes the last field name or [key] from a path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
		return ""
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// fieldInfo describes one tagged struct field.
type fieldInfo struct {
	name                   string
	index                  int
	keyed, isKey, isScalar bool
}

type fieldList []fieldInfo

// fieldsOf lists the tagged fields of struct type t.
func fieldsOf(t reflect.Type) fieldList {
	var out fieldList
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("yaml")
		if !ok || tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		out = append(out, fieldInfo{
			name: name, index: i,
			keyed: opts == "keyed", isKey: opts == "key", isScalar: opts == "scalar",
		})
	}
	return out
}

func (fs fieldList) byName(name string) (fieldInfo, bool) {
	for _, f := range fs {
		if f.name == name && f.name != "" {
			return f, true
		}
	}
	return fieldInfo{}, false
}

func (fs fieldList) names() []string {
	var out []string
	for _, f := range fs {
		if f.name != "" {
			out = append(out, f.name)
		}
	}
	return out
}

func (fs fieldList) key() (fieldInfo, bool) {
	for _, f := range fs {
		if f.isKey {
			return f, true
		}
	}
	return fieldInfo{}, false
}

func (fs fieldList) scalar() (fieldInfo, bool) {
	for _, f := range fs {
		if f.isScalar {
			return f, true
		}
	}
	return fieldInfo{}, false
}
