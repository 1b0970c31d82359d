// Package pii finds personal data in free text (AI prompts, search queries,
// metadata) and transforms it: replace, redact, mask, hash, encrypt, or
// pseudonymize with placeholders that can be restored in a model's answer.
//
// Detection is pattern plus validation, written as hand-made scanners over
// bytes: each recognizer is triggered by a cheap byte test (a digit, an '@',
// a capital letter, a long token) and validates its candidate (Luhn, mod-97,
// public suffix, libphonenumber metadata, Base58Check, bech32, ...). Context
// words before a candidate raise its score; a threshold filters. No model and
// no network are involved.
package pii

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/steward-privacy/steward"
)

// DefaultThreshold is the minimum score of a reported finding unless
// WithThreshold says otherwise.
const DefaultThreshold = 0.5

// contextBoost is added to the score of a candidate preceded by one of its
// entity's context words (as in Presidio's context enhancer).
const contextBoost = 0.35

// DefaultPhoneRegions are the regions whose national number formats are
// recognized unless WithPhoneRegions says otherwise. Numbers written in
// international form (+CC ...) are recognized for every region.
var DefaultPhoneRegions = []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "BR", "AU"}

// Scanner finds personal data in text. It is immutable after New and safe for
// concurrent use.
type Scanner struct {
	enabled   uint32 // bit i set: allEntities[i] is reported
	threshold float64
	regions   []string
}

// Option configures a Scanner.
type Option func(*Scanner) error

// WithEntities restricts the scanner to the given entity types (all when the
// list is empty).
func WithEntities(es ...Entity) Option {
	return func(s *Scanner) error {
		if len(es) == 0 {
			return nil
		}
		s.enabled = 0
		for _, e := range es {
			i := e.index()
			if i < 0 {
				return steward.Invalid("entities", fmt.Sprintf("unknown entity type %q", truncate(string(e), 40)))
			}
			s.enabled |= 1 << i
		}
		return nil
	}
}

// WithThreshold sets the minimum score of a reported finding, in [0, 1].
func WithThreshold(t float64) Option {
	return func(s *Scanner) error {
		if !(t >= 0 && t <= 1) {
			return steward.Invalid("threshold", "threshold must be between 0 and 1")
		}
		s.threshold = t
		return nil
	}
}

// WithPhoneRegions sets the regions (ISO 3166-1 alpha-2, e.g. "US", "DE")
// whose national phone number formats are recognized.
func WithPhoneRegions(regions ...string) Option {
	return func(s *Scanner) error {
		supported := phonenumbers.GetSupportedRegions()
		s.regions = s.regions[:0:0]
		for _, r := range regions {
			r = strings.ToUpper(strings.TrimSpace(r))
			if !supported[r] {
				return steward.Invalid("phone_regions", fmt.Sprintf("unknown phone region %q", truncate(r, 8)))
			}
			s.regions = append(s.regions, r)
		}
		return nil
	}
}

// New returns a Scanner for all entities, DefaultThreshold and
// DefaultPhoneRegions, changed by opts. It returns an EINVALID error for a bad
// option.
func New(opts ...Option) (*Scanner, error) {
	s := &Scanner{enabled: 1<<len(allEntities) - 1, threshold: DefaultThreshold, regions: DefaultPhoneRegions}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Threshold returns the scanner's minimum score.
func (s *Scanner) Threshold() float64 { return s.threshold }

// Entities returns the entity types the scanner reports.
func (s *Scanner) Entities() []Entity {
	var out []Entity
	for i, e := range allEntities {
		if s.enabled&(1<<i) != 0 {
			out = append(out, e)
		}
	}
	return out
}

// on reports whether the entity of bit (bitEmail, bitPhone, ...) is enabled.
func (s *Scanner) on(bit uint32) bool { return s.enabled&bit != 0 }

// Scan returns the personal data found in text, sorted by Start and free of
// overlaps, each with a score of at least the threshold. Text that is not
// valid UTF-8 is scanned as bytes; spans always fall on UTF-8 boundaries of
// the valid parts.
func (s *Scanner) Scan(text string) []Finding {
	fs := s.scan(text)
	setRuneOffsets(text, fs, 0)
	return fs
}

// scan runs every enabled recognizer over text and resolves the candidates;
// rune offsets are left to the caller.
func (s *Scanner) scan(text string) []Finding {
	buf := candPool.Get().(*[]Finding)
	st := &state{s: s, text: text, cands: (*buf)[:0]}
	defer func() {
		if cap(st.cands) <= maxPooledCands {
			*buf = st.cands[:0]
			candPool.Put(buf)
		}
	}()
	if s.on(bitEmail) {
		st.scanEmails()
	}
	if s.on(bitURL) {
		st.scanURLs()
	}
	if s.enabled&numericMask != 0 {
		st.scanNumbers()
	}
	if s.enabled&tokenMask != 0 {
		st.scanTokens()
	}
	if s.on(bitSecret) {
		st.scanPEM()
	}
	if s.on(bitPerson) || s.on(bitDateTime) {
		st.scanWords()
	}
	return resolve(st.cands, s.threshold)
}

// candPool recycles the candidate buffers of scans (resolve copies what it
// keeps), so that text dense in personal data does not reallocate them on
// every call; buffers over maxPooledCands candidates are left to the GC.
var candPool = sync.Pool{New: func() any { return new([]Finding) }}

const maxPooledCands = 1 << 16

var (
	numericMask = bits(CreditCard, USSSN, Phone, IPAddress)
	tokenMask   = bits(Secret, Crypto, IBAN, MACAddress, IPAddress)
)

func bits(es ...Entity) uint32 {
	var m uint32
	for _, e := range es {
		m |= 1 << e.index()
	}
	return m
}

// state is the work of one Scan call.
type state struct {
	s            *Scanner
	text         string
	cands        []Finding
	phoneRegions []*phoneRegion // compiled metadata of s.regions, on first use
}

// add records a candidate if its entity is enabled. Scores below 1 are raised
// by context words before start.
func (st *state) add(e Entity, start, end int, score float64, rec string) {
	if st.s.enabled&(1<<e.index()) == 0 || !runeBoundary(st.text, start) || !runeBoundary(st.text, end) {
		return // a stray continuation byte of invalid UTF-8 next to the span
	}
	if score < 1 && st.hasContext(e, start) {
		score = min(1, score+contextBoost)
	}
	st.cands = append(st.cands, Finding{Entity: e, Start: start, End: end, Score: score, Recognizer: rec})
}

// runeBoundary reports whether i is the end of text or starts a UTF-8
// sequence.
func runeBoundary(text string, i int) bool {
	return i >= len(text) || utf8.RuneStart(text[i])
}

// reachable reports whether a candidate of entity e with base score at start
// could pass the threshold; it lets expensive validation be skipped.
func (st *state) reachable(e Entity, start int, score float64) bool {
	if score >= st.s.threshold {
		return true
	}
	return score+contextBoost >= st.s.threshold && st.hasContext(e, start)
}
