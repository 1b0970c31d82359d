// Package notice renders a policy as the privacy notice people read, in
// Markdown or as one self-contained, accessible HTML page. Both formats come
// from the same Document, built from the same policy the engine enforces, so
// the published notice cannot say something the engine does not do.
package notice

// Document is a notice independent of its output format: a title and
// sections of paragraphs, lists and tables.
type Document struct {
	Title    string
	Lang     string // BCP 47 language tag of the text
	Sections []Section
}

// Section is one part of the notice, with an ID usable as a link anchor.
type Section struct {
	ID      string
	Heading string
	Blocks  []Block
}

// Block is one element of a section: exactly one of Heading (a
// sub-heading), Paragraph, List or Table is set.
type Block struct {
	Heading   string
	Paragraph Text
	List      []Text
	Table     *Table
}

// Table is a table with a caption and column headers; the first cell of
// each row heads the row.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]Text
}

// Text is a run of inline spans.
type Text []Span

// Span is inline text, possibly code (a policy key) or strong.
type Span struct {
	Text   string
	Code   bool
	Strong bool
}

// String returns the text without formatting.
func (t Text) String() string {
	var s string
	for _, sp := range t {
		s += sp.Text
	}
	return s
}

// plain returns unformatted text.
func plain(s string) Text { return Text{{Text: s}} }

// para returns a paragraph block of plain text.
func para(s string) Block { return Block{Paragraph: plain(s)} }

// list returns a list block of plain items.
func list(items ...string) Block {
	b := Block{}
	for _, it := range items {
		b.List = append(b.List, plain(it))
	}
	return b
}
