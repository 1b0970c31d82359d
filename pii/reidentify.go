package pii

import (
	"context"
	"strings"
)

// Reidentified is the result of Reidentify.
type Reidentified struct {
	// Text is the answer with every recognized placeholder restored.
	Text string `json:"text"`
	// Restored counts the placeholders that were restored.
	Restored int `json:"restored"`
	// Unresolved lists placeholder-like text that matches no mapping entry
	// (byte offsets into the input text).
	Unresolved []Unresolved `json:"unresolved"`
}

// Unresolved is a placeholder that could not be restored. Placeholder is the
// text as found (never personal data: it is the model's own output).
type Unresolved struct {
	Placeholder string `json:"placeholder"`
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Reason      string `json:"reason"`
}

// Reidentify restores the conversation's placeholders in text (typically a
// model's answer), including slightly mangled ones: other brackets or none
// ("[PERSON_1]", "PERSON_1"), changed case ("<person_1>"), another separator
// ("<PERSON 1>", "<PERSON-1>"), a lost bracket ("<PERSON_1"), a shortened or
// misspelt type ("<EMAIL_1>", "<PERSN_1>"). It returns ENOTFOUND when the
// conversation has no mapping (never created, expired or forgotten).
func (p *Pseudonymizer) Reidentify(ctx context.Context, conversation, text string) (Reidentified, error) {
	if err := checkConversation(conversation); err != nil {
		return Reidentified{}, err
	}
	m, _, err := p.load(ctx, p.storeKey(conversation), conversation, 0)
	if err != nil {
		return Reidentified{}, err
	}
	return restore(text, m), nil
}

// restore replaces placeholders found in text using m.
func restore(text string, m *mapping) Reidentified {
	var b strings.Builder
	res := Reidentified{Unresolved: []Unresolved{}}
	pos := 0
	for i := 0; i < len(text); i++ {
		if !isAlpha(text[i]) || (i > 0 && (isAlnum(text[i-1]) || text[i-1] == '_')) {
			continue
		}
		ph, ok := parsePlaceholder(text, i)
		if !ok {
			continue
		}
		if ph.start < pos {
			continue
		}
		if v, found := m.lookup(ph.entity, ph.n); found {
			b.WriteString(text[pos:ph.start])
			b.WriteString(v)
			res.Restored++
		} else {
			b.WriteString(text[pos:ph.end])
			res.Unresolved = append(res.Unresolved, Unresolved{
				Placeholder: text[ph.start:ph.end], Start: ph.start, End: ph.end,
				Reason: "no such placeholder in this conversation"})
		}
		pos = ph.end
		i = ph.end - 1
	}
	b.WriteString(text[pos:])
	res.Text = b.String()
	return res
}

// parsedPlaceholder is a placeholder found in text.
type parsedPlaceholder struct {
	start, end int
	entity     Entity
	n          int
}

// typeAliases are the shortened type names models produce.
var typeAliases = map[string]Entity{
	"EMAIL": Email, "E_MAIL": Email, "MAIL": Email, "PHONE": Phone, "TEL": Phone, "TELEPHONE": Phone,
	"PHONENUMBER": Phone, "CARD": CreditCard, "CREDITCARD": CreditCard, "CREDIT_CARD_NUMBER": CreditCard,
	"IBAN": IBAN, "IP": IPAddress, "IPADDRESS": IPAddress, "SSN": USSSN, "NAME": Person, "PER": Person,
	"MAC": MACAddress, "DATE": DateTime, "DOB": DateTime, "BTC": Crypto, "WALLET": Crypto,
	"API_KEY": Secret, "KEY": Secret, "TOKEN": Secret, "PASSWORD": Secret, "LINK": URL,
}

// parsePlaceholder reads a placeholder whose type name starts at i: a type
// name (or alias, or a name one edit away), a separator ('_', '-', ' ' or
// none), a number, and optional surrounding brackets. Without brackets it
// accepts only the upper-case form with '_' ("PERSON_1").
func parsePlaceholder(text string, i int) (parsedPlaceholder, bool) {
	j := i
	for j < len(text) && (isAlpha(text[j]) || text[j] == '_') && j-i < 32 {
		j++
	}
	nameEnd := j
	for nameEnd > i && text[nameEnd-1] == '_' {
		nameEnd--
	}
	sep := byte(0)
	if j > nameEnd {
		sep = '_'
	} else if j < len(text) && (text[j] == ' ' || text[j] == '-') {
		sep = text[j]
		j++
	}
	d := j
	for j < len(text) && isDigit(text[j]) {
		j++
	}
	// The separator is at most two bytes ("PERSON__1"); the number may have
	// any length: one too long to be assigned is reported as unresolved.
	if j == d || (j < len(text) && isAlnum(text[j])) || d-nameEnd > 2 {
		return parsedPlaceholder{}, false
	}
	e, ok := entityName(strings.ToUpper(text[i:nameEnd]))
	if !ok {
		return parsedPlaceholder{}, false
	}
	ph := parsedPlaceholder{start: i, end: j, entity: e, n: placeholderNumber(text[d:j])}
	// Brackets, possibly doubled, with optional spaces inside.
	l := i
	for l > 0 && text[l-1] == ' ' && i-l < 1 {
		l--
	}
	lb := 0
	for l > 0 && strings.IndexByte("<[{(", text[l-1]) >= 0 && lb < 2 {
		l--
		lb++
	}
	r := j
	for r < len(text) && text[r] == ' ' && r-j < 1 {
		r++
	}
	rb := 0
	for r < len(text) && strings.IndexByte(">]})", text[r]) >= 0 && rb < 2 {
		r++
		rb++
	}
	if lb > 0 {
		ph.start = l
	}
	if rb > 0 {
		ph.end = r
	}
	if lb == 0 && rb == 0 {
		upper := strings.ToUpper(text[i:nameEnd]) == text[i:nameEnd]
		if !upper || sep != '_' {
			return parsedPlaceholder{}, false
		}
	}
	return ph, true
}

// placeholderNumber converts the digits of a placeholder number; a number
// no mapping can hold (more than nine digits) is -1.
func placeholderNumber(digits string) int {
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) > 9 {
		return -1
	}
	return atoi(digits)
}

// entityName resolves a placeholder type name: exact, alias, without
// underscores, or (for names of five letters or more) one edit away.
func entityName(name string) (Entity, bool) {
	if e := Entity(name); e.Valid() {
		return e, true
	}
	if e, ok := typeAliases[name]; ok {
		return e, true
	}
	flat := strings.ReplaceAll(name, "_", "")
	for _, e := range allEntities {
		if flat == strings.ReplaceAll(string(e), "_", "") {
			return e, true
		}
	}
	if len(name) >= 5 {
		for _, e := range allEntities {
			if oneEdit(name, string(e)) {
				return e, true
			}
		}
	}
	return "", false
}

// oneEdit reports whether a and b differ by at most one insertion, deletion,
// substitution or transposition of adjacent bytes.
func oneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:]
}
