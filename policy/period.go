package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is an ISO 8601 duration such as "PT24H", "P30D" or "P1Y6M", as
// written in a policy file. Years count as 365 days and months as 30 days
// when a Period is converted to a time.Duration; weeks are 7 days. Fractions
// and negative periods are not accepted.
type Period struct {
	parts [7]int // years, months, weeks, days, hours, minutes, seconds
}

// Units of a Period, in the order ISO 8601 writes them.
var periodUnits = [7]struct {
	letter byte
	time   bool // after the T separator
	one    string
	many   string
	dur    time.Duration
}{
	{'Y', false, "year", "years", 365 * 24 * time.Hour},
	{'M', false, "month", "months", 30 * 24 * time.Hour},
	{'W', false, "week", "weeks", 7 * 24 * time.Hour},
	{'D', false, "day", "days", 24 * time.Hour},
	{'H', true, "hour", "hours", time.Hour},
	{'M', true, "minute", "minutes", time.Minute},
	{'S', true, "second", "seconds", time.Second},
}

// maxPeriod bounds periods to 100 years, far beyond any retention rule and
// well inside time.Duration.
const maxPeriod = 100 * 365 * 24 * time.Hour

const periodHint = `write an ISO 8601 duration such as PT24H (24 hours), P30D (30 days) or P1Y (1 year)`

// ParsePeriod parses an ISO 8601 duration. The period must be positive and at
// most 100 years.
func ParsePeriod(s string) (Period, error) {
	var p Period
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" || rest == "T" {
		return p, errHint(periodHint, "%q is not an ISO 8601 duration", s)
	}
	inTime, next := false, 0
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return p, errHint(periodHint, "%q has two T separators", s)
			}
			inTime, rest = true, rest[1:]
			if rest == "" {
				return p, errHint(periodHint, "%q has nothing after T", s)
			}
			continue
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return p, errHint(periodHint, "%q is not an ISO 8601 duration", s)
		}
		if i > 6 {
			return p, errHint(periodHint, "%q has a number too large", s)
		}
		n, _ := strconv.Atoi(rest[:i]) // at most 6 digits: cannot fail
		unit := -1
		for u := next; u < len(periodUnits); u++ {
			if periodUnits[u].letter == rest[i] && periodUnits[u].time == inTime {
				unit = u
				break
			}
		}
		if unit < 0 {
			if rest[i] == '.' || rest[i] == ',' {
				return p, errHint("use a whole number of a smaller unit, e.g. PT90M for one and a half hours", "%q has a fraction", s)
			}
			return p, errHint(periodHint, "%q has a unit out of place or unknown (%q)", s, rest[i])
		}
		p.parts[unit] = n
		next = unit + 1
		rest = rest[i+1:]
	}
	if p.Duration() <= 0 {
		return p, errHint("for data deleted right after use write ephemeral", "%q is a zero duration", s)
	}
	if p.Duration() > maxPeriod {
		return p, errHint("", "%q is longer than 100 years", s)
	}
	return p, nil
}

// MustPeriod is ParsePeriod for constants in code and tests; it panics on a
// malformed period.
func MustPeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// IsZero reports whether the period is unset.
func (p Period) IsZero() bool { return p == Period{} }

// Duration converts the period to a time.Duration (years as 365 days, months
// as 30 days).
func (p Period) Duration() time.Duration {
	var d time.Duration
	for i, n := range p.parts {
		d += time.Duration(n) * periodUnits[i].dur
	}
	return d
}

// String returns the period in canonical ISO 8601 form, or "" when unset.
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	var b strings.Builder
	b.WriteByte('P')
	wroteT := false
	for i, n := range p.parts {
		if n == 0 {
			continue
		}
		if periodUnits[i].time && !wroteT {
			b.WriteByte('T')
			wroteT = true
		}
		b.WriteString(strconv.Itoa(n))
		b.WriteByte(periodUnits[i].letter)
	}
	return b.String()
}

// Human returns the period in words, such as "24 hours" or "1 year and 6
// months".
func (p Period) Human() string {
	var words []string
	for i, n := range p.parts {
		if n == 0 {
			continue
		}
		unit := periodUnits[i].many
		if n == 1 {
			unit = periodUnits[i].one
		}
		words = append(words, fmt.Sprintf("%d %s", n, unit))
	}
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func (p *Period) setScalar(s string) error {
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}
