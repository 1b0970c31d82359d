package pii

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
)

// digitDFA is a regular expression over the ASCII digits compiled to a
// deterministic automaton: matching costs one table lookup per digit, where
// Go's regexp package (used by libphonenumber) costs some hundred nanoseconds
// per pattern and number. State 0 is the start; -1 is the dead state.
type digitDFA struct {
	next   [][10]int32
	accept []bool // a match ends here
}

// maxDFAStates bounds the automaton of one pattern; a pattern that needs more
// is matched with package regexp instead.
const maxDFAStates = 1 << 14

// compileDigitDFA builds the automaton of pattern (Go regexp syntax, as in
// libphonenumber's metadata). It returns nil when the pattern uses something
// other than digits, classes, groups, alternation and repetition (anchors,
// word boundaries) or needs too many states.
func compileDigitDFA(pattern string) *digitDFA {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil
	}
	d := &digitDFA{}
	ids := map[string]int32{}
	var queue [][]uint32
	// add returns the state of the set reached by following the empty
	// transitions from pcs, creating it when new.
	ok := true
	add := func(pcs []uint32) int32 {
		seen := map[uint32]bool{}
		var cons []uint32
		match := false
		stack := append([]uint32(nil), pcs...)
		for len(stack) > 0 {
			pc := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[pc] {
				continue
			}
			seen[pc] = true
			in := &prog.Inst[pc]
			switch in.Op {
			case syntax.InstAlt, syntax.InstAltMatch:
				stack = append(stack, in.Out, in.Arg)
			case syntax.InstCapture, syntax.InstNop:
				stack = append(stack, in.Out)
			case syntax.InstMatch:
				match = true
			case syntax.InstFail:
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				cons = append(cons, pc)
			default: // empty-width assertions
				ok = false
			}
		}
		if len(cons) == 0 && !match {
			return -1
		}
		sort.Slice(cons, func(a, b int) bool { return cons[a] < cons[b] })
		var key strings.Builder
		if match {
			key.WriteByte('m')
		}
		for _, pc := range cons {
			key.WriteString(strconv.FormatUint(uint64(pc), 36))
			key.WriteByte(',')
		}
		if id, found := ids[key.String()]; found {
			return id
		}
		id := int32(len(d.accept))
		ids[key.String()] = id
		d.accept = append(d.accept, match)
		d.next = append(d.next, [10]int32{})
		queue = append(queue, cons)
		return id
	}
	if add([]uint32{uint32(prog.Start)}) < 0 {
		if !ok {
			return nil
		}
		// The pattern matches nothing; keep a dead start state.
		return &digitDFA{next: [][10]int32{{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}}, accept: []bool{false}}
	}
	for s := 0; s < len(queue); s++ {
		for c := 0; c < 10; c++ {
			var to []uint32
			for _, pc := range queue[s] {
				if in := &prog.Inst[pc]; in.MatchRune(rune('0' + c)) {
					to = append(to, in.Out)
				}
			}
			t := int32(-1)
			if len(to) > 0 {
				t = add(to)
			}
			d.next[s][c] = t
		}
		if !ok || len(d.accept) > maxDFAStates {
			return nil
		}
	}
	if !ok {
		return nil
	}
	return d
}

// full reports whether the whole of s (ASCII digits) matches.
func (d *digitDFA) full(s string) bool {
	st := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false
		}
		if st = d.next[st][c]; st < 0 {
			return false
		}
	}
	return d.accept[st]
}

// prefix reports whether some prefix of s (the empty one included) matches.
func (d *digitDFA) prefix(s string) bool {
	st := int32(0)
	for i := 0; ; i++ {
		if d.accept[st] {
			return true
		}
		if i == len(s) {
			return false
		}
		c := s[i] - '0'
		if c > 9 {
			return false
		}
		if st = d.next[st][c]; st < 0 {
			return false
		}
	}
}

// digitMatcher matches a metadata pattern against digit strings, with a DFA
// when the pattern allows one and with package regexp otherwise.
type digitMatcher struct {
	dfa      *digitDFA
	fullRE   *regexp.Regexp // ^(?:p)$
	prefixRE *regexp.Regexp // ^(?:p)
}

func newDigitMatcher(pattern string) *digitMatcher {
	m := &digitMatcher{dfa: compileDigitDFA(pattern)}
	if m.dfa == nil {
		m.fullRE = regexp.MustCompile("^(?:" + pattern + ")$")
		m.prefixRE = regexp.MustCompile("^(?:" + pattern + ")")
	}
	return m
}

// full reports whether s matches the whole pattern.
func (m *digitMatcher) full(s string) bool {
	if m.dfa != nil {
		return m.dfa.full(s)
	}
	return m.fullRE.MatchString(s)
}

// prefix reports whether the pattern matches at the start of s.
func (m *digitMatcher) prefix(s string) bool {
	if m.dfa != nil {
		return m.dfa.prefix(s)
	}
	return m.prefixRE.MatchString(s)
}
