package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/steward-privacy/steward"
)

// MaxFileSize is the largest policy file Parse accepts: 1 MiB, a hundred
// times the largest realistic policy.
const MaxFileSize = 1 << 20

// maxDepth bounds the nesting of brackets and braces in a policy file, so the
// YAML parser's recursion stays small whatever the input. Policy files nest
// four or five levels.
const maxDepth = 64

// Parse reads a policy file. name is used in problem positions (usually the
// file path). Structural problems (YAML syntax, unknown or misspelled fields,
// wrong types, duplicate keys, a missing or unsupported version line) are
// returned together as an EINVALID *steward.Error wrapping Problems; use
// AsProblems to list them. Parse does not check meaning: call Check.
func Parse(name string, src []byte) (*Policy, error) {
	d := &decoder{file: name, positions: map[string]Pos{}}
	p := d.parse(src)
	if len(d.problems) > 0 {
		return nil, invalid(name, d.problems)
	}
	return p, nil
}

// Load reads and parses the policy file at path. A missing file is
// ENOTFOUND; other read errors are EINVALID.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, steward.Errorf(steward.ENOTFOUND, "policy file %s does not exist", path)
	}
	if err != nil {
		return nil, &steward.Error{Code: steward.EINVALID, Message: "cannot open policy file " + path, Cause: err}
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &steward.Error{Code: steward.EINVALID, Message: "cannot read policy file " + path, Cause: err}
	}
	return Parse(path, src)
}

// invalid wraps problems in an EINVALID error.
func invalid(name string, ps Problems) error {
	ps.sort()
	msg := fmt.Sprintf("policy %s has %d problems; first: %s", name, len(ps), ps[0].Message)
	if len(ps) == 1 {
		msg = fmt.Sprintf("policy %s: %s", name, ps[0].Message)
	}
	return &steward.Error{Code: steward.EINVALID, Message: msg, Cause: ps}
}

func (d *decoder) parse(src []byte) *Policy {
	top := Pos{1, 1}
	if len(src) > MaxFileSize {
		d.problem(top, "", "", "the file is larger than %d bytes", MaxFileSize)
		return nil
	}
	if i := invalidUTF8(src); i >= 0 {
		d.problem(offsetPos(src, i), "", "save the file as UTF-8", "the file is not valid UTF-8")
		return nil
	}
	if pos, ok := tooDeep(src); ok {
		d.problem(pos, "", "", "the file nests more than %d levels deep", maxDepth)
		return nil
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	file, err := parseYAML(src)
	if err != nil {
		d.syntax(err)
		return nil
	}
	var docs []*ast.DocumentNode
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	const versionHint = "start the file with the line: steward: " + Version
	if len(docs) == 0 {
		d.problem(top, "", versionHint, "the policy file is empty")
		return nil
	}
	if len(docs) > 1 {
		d.problem(nodePos(docs[1].Body), "", "split it into separate files", "a policy file holds one YAML document, this one has %d", len(docs))
		return nil
	}
	m, ok := asMapping(docs[0].Body)
	if !ok {
		d.problem(nodePos(docs[0].Body), "", versionHint, "a policy file is a mapping of sections, not a %s", nodeKind(docs[0].Body))
		return nil
	}
	if first, _ := scalarText(m.Values[0].Key); first != "steward" {
		d.problem(nodePos(m.Values[0].Key), "", versionHint, "a policy file starts with its version line")
	}
	p := &Policy{file: d.file, positions: d.positions}
	d.structFields(m, reflect.ValueOf(p).Elem(), "")
	if p.Steward != "" && p.Steward != Version {
		d.problem(p.Pos("steward"), "steward", "this steward reads steward: "+Version, "unsupported policy version %q", p.Steward)
	}
	return p
}

// parseYAML parses src into a syntax tree. A panic inside the YAML library
// on hostile input is turned into an error: a policy file never crashes the
// program that reads it.
func parseYAML(src []byte) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, errors.New("the YAML parser could not read this file")
		}
	}()
	return parser.ParseBytes(src, 0)
}

// syntax records a YAML syntax error as a problem.
func (d *decoder) syntax(err error) {
	pos, msg := Pos{1, 1}, err.Error()
	var ye yaml.Error
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos = Pos{Line: max(tk.Position.Line, 1), Col: max(tk.Position.Column, 1)}
		}
	}
	hint := ""
	if strings.Contains(msg, "already defined") {
		hint = "each key may appear once; merge the two entries"
		msg = "duplicate key: " + msg
	}
	d.problem(pos, "", hint, "invalid YAML: %s", msg)
}

// invalidUTF8 returns the offset of the first invalid UTF-8 sequence, or -1.
func invalidUTF8(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// offsetPos converts a byte offset to a line and column.
func offsetPos(src []byte, off int) Pos {
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(src[:off], '\n')
	return Pos{Line: line, Col: col}
}

// tooDeep reports where the input nests deeper than maxDepth: brackets and
// braces across the file, or more than maxDepth "- " or ": " indicators on
// one line (compact nested collections). The YAML parser's time grows with
// the square of such nesting (100,000 levels take most of a minute), so
// hostile input is refused before parsing. The scan ignores quoting, which
// only matters for strings no policy file contains.
func tooDeep(src []byte) (Pos, bool) {
	depth, onLine := 0, 0
	for i, c := range src {
		switch {
		case c == '\n':
			onLine = 0
			continue
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		case (c == '-' || c == ':' || c == '?') && i+1 < len(src) && src[i+1] == ' ':
			onLine++
		}
		if depth > maxDepth || onLine > maxDepth {
			return offsetPos(src, i), true
		}
	}
	return Pos{}, false
}
