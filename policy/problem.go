package policy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a policy file: 1-based line and column.
type Pos struct {
	Line int
	Col  int
}

// Problem is one thing wrong with a policy file, at a position. Message says
// what is wrong; Hint, when set, says how to fix it. Path names the element in
// the policy's structure (for example "purposes[train_ai_system].basis").
// Problems never contain personal data: a policy file holds none.
type Problem struct {
	File    string
	Line    int
	Col     int
	Path    string
	Message string
	Hint    string
}

// String formats the problem as "FILE:LINE:COL: message".
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

// Problems is a list of problems. It implements error so that Parse, Check
// and Compile can return it; use AsProblems to get it back from an error.
type Problems []Problem

// Error returns the problems one per line, each as "FILE:LINE:COL: message".
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders the problems by file position, then message, so output is
// stable whatever order the checks ran in.
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Message < b.Message
	})
}

// AsProblems returns the problems carried by err (directly or wrapped, for
// example inside the *steward.Error that Parse returns).
func AsProblems(err error) (Problems, bool) {
	var ps Problems
	if errors.As(err, &ps) {
		return ps, true
	}
	return nil, false
}

// hinted is an error with a hint, returned by scalar parsers so the decoder
// can fill both parts of a Problem.
type hinted struct {
	msg  string
	hint string
}

func (h *hinted) Error() string { return h.msg }

// errHint returns an error with a message and a hint.
func errHint(hint, format string, args ...any) error {
	return &hinted{msg: fmt.Sprintf(format, args...), hint: hint}
}

// splitHint returns the message and hint of err.
func splitHint(err error) (msg, hint string) {
	var h *hinted
	if errors.As(err, &h) {
		return h.msg, h.hint
	}
	return err.Error(), ""
}
