package notice

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/steward-privacy/steward/policy"
)

// Markdown renders the notice of a checked policy as CommonMark with
// pipe tables.
func Markdown(p *policy.Policy) []byte { return RenderMarkdown(Build(p)) }

// RenderMarkdown renders a document as CommonMark with pipe tables. Text
// from the policy is escaped so it cannot add links, HTML or formatting.
func RenderMarkdown(doc Document) []byte {
	var b bytes.Buffer
	b.WriteString("# " + escapeMD(doc.Title) + "\n")
	for _, s := range doc.Sections {
		b.WriteString("\n## " + escapeMD(s.Heading) + "\n")
		for _, blk := range s.Blocks {
			b.WriteByte('\n')
			switch {
			case blk.Heading != "":
				b.WriteString("### " + escapeMD(blk.Heading) + "\n")
			case blk.Table != nil:
				writeTableMD(&b, blk.Table)
			case blk.List != nil:
				for _, item := range blk.List {
					b.WriteString("- " + inlineMD(item) + "\n")
				}
			default:
				b.WriteString(escapeLineStart(inlineMD(blk.Paragraph)) + "\n")
			}
		}
	}
	return b.Bytes()
}

func writeTableMD(b *bytes.Buffer, t *Table) {
	b.WriteString("| " + strings.Join(mapStrings(t.Header, escapeMD), " | ") + " |\n")
	b.WriteString(strings.Repeat("| --- ", len(t.Header)) + "|\n")
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = inlineMD(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
}

// inlineMD renders spans on one line.
func inlineMD(t Text) string {
	var b strings.Builder
	for _, sp := range t {
		switch {
		case sp.Code:
			b.WriteString("`" + strings.ReplaceAll(sp.Text, "`", "'") + "`")
		case sp.Strong:
			b.WriteString("**" + escapeMD(sp.Text) + "**")
		default:
			b.WriteString(escapeMD(sp.Text))
		}
	}
	return b.String()
}

// escapeMD escapes the characters that would make text into Markdown
// syntax, and folds runs of white space (line breaks included) into one
// space. An underscore inside a word cannot start emphasis in CommonMark and
// is left alone.
func escapeMD(s string) string {
	s = collapseSpace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '[', ']', '<', '>', '|':
			b.WriteByte('\\')
		case '&':
			if isEntity(s[i+1:]) {
				b.WriteByte('\\')
			}
		case '_':
			if !(i > 0 && isWordByte(s[i-1]) && i+1 < len(s) && isWordByte(s[i+1])) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// collapseSpace replaces every run of white space by one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// escapeLineStart escapes what would turn a paragraph into a heading, a
// list item or a thematic break.
func escapeLineStart(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '-', '+', '=':
		return "\\" + s
	}
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
		return s[:i] + "\\" + s[i:]
	}
	return s
}

// isEntity reports whether s (the text after an ampersand) starts like an
// HTML entity reference: letters, digits or # and then a semicolon.
func isEntity(s string) bool {
	for i := 0; i < len(s) && i < 32; i++ {
		c := s[i]
		switch {
		case c == ';':
			return i > 0
		case c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func mapStrings(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}
