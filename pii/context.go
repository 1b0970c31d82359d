package pii

// contextWords maps a lower-case word to the entities it supports when it
// appears shortly before a candidate.
var contextWords = map[string]uint32{}

// contextFilter holds the keys of contextWords.
var contextFilter wordFilter

func init() {
	add := func(e Entity, words ...string) {
		for _, w := range words {
			contextWords[w] |= 1 << e.index()
			contextFilter.add(w)
		}
	}
	add(Phone, "phone", "tel", "telephone", "mobile", "cell", "cellphone", "call", "text",
		"whatsapp", "sms", "fax", "number", "contact", "reach", "ring", "dial", "landline",
		"telefon", "telefono", "teléfono", "téléphone", "portable", "handy", "móvil", "cellulare", "ph")
	add(USSSN, "ssn", "social", "security", "ss", "taxpayer", "tin", "itin")
	add(CreditCard, "card", "credit", "debit", "visa", "mastercard", "amex", "cc", "payment", "pay", "charge")
	add(Secret, "key", "token", "secret", "password", "passwd", "pwd", "apikey", "api_key", "bearer",
		"authorization", "auth", "credential", "credentials", "access_key", "secret_key", "private",
		"accountkey", "client_secret", "aws_secret_access_key", "access", "pat", "webhook")
	add(IPAddress, "ip", "ipv4", "ipv6", "server", "host", "client", "address", "addr", "from")
	add(MACAddress, "mac", "device", "hardware", "address", "bssid", "wifi", "ethernet")
	add(IBAN, "iban", "account", "bank", "transfer", "wire", "sepa")
	add(Crypto, "bitcoin", "btc", "wallet", "address", "crypto", "send")
	add(Person, "name", "named", "called", "dear", "hi", "hello", "hey", "mr", "mrs", "ms", "miss",
		"dr", "prof", "signed", "regards", "thanks", "attn", "customer", "client", "user",
		"patient", "employee", "colleague", "friend", "wife", "husband", "son", "daughter",
		"mother", "father", "mom", "mum", "dad", "brother", "sister", "boss", "manager", "am",
		"i'm", "meet", "ask", "tell", "cc", "from", "to", "contact")
}

// contextWindow bounds how far back (in bytes and in words) context is sought.
const (
	contextBytes = 64
	contextWordN = 5
)

// hasContext reports whether one of e's context words appears among the few
// words before start.
func (st *state) hasContext(e Entity, start int) bool {
	bit := uint32(1) << e.index()
	text := st.text
	lo := max(0, start-contextBytes)
	var buf [24]byte
	i, words := start, 0
	for i > lo && words < contextWordN {
		// Skip separators.
		for i > lo && !isContextByte(text[i-1]) {
			if text[i-1] == '\n' && words > 0 {
				return false // context does not cross a line after the first word
			}
			i--
		}
		end := i
		for i > lo && isContextByte(text[i-1]) {
			i--
		}
		if end == i {
			break
		}
		words++
		w := lowerASCII(buf[:], text[i:end])
		if w == nil || !contextFilter.mayHave(w) {
			continue
		}
		if contextWords[string(w)]&bit != 0 {
			return true
		}
	}
	return false
}

// isContextByte reports whether b belongs to a context word.
func isContextByte(b byte) bool { return isAlpha(b) || b == '_' || b == '\'' || b >= 0x80 }
