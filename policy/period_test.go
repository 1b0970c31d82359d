package policy

import (
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in    string
		dur   time.Duration
		canon string
		human string
	}{
		{"PT24H", 24 * time.Hour, "PT24H", "24 hours"},
		{"P30D", 30 * 24 * time.Hour, "P30D", "30 days"},
		{"P1D", 24 * time.Hour, "P1D", "1 day"},
		{"P2W", 14 * 24 * time.Hour, "P2W", "2 weeks"},
		{"P1Y6M", (365 + 180) * 24 * time.Hour, "P1Y6M", "1 year and 6 months"},
		{"P1DT12H30M", 36*time.Hour + 30*time.Minute, "P1DT12H30M", "1 day, 12 hours and 30 minutes"},
		{"PT90S", 90 * time.Second, "PT90S", "90 seconds"},
		{"P0DT1H", time.Hour, "PT1H", "1 hour"},
		{"P100Y", 100 * 365 * 24 * time.Hour, "P100Y", "100 years"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q) = %v", tt.in, err)
			continue
		}
		if p.Duration() != tt.dur || p.String() != tt.canon || p.Human() != tt.human {
			t.Errorf("ParsePeriod(%q) = %v, %q, %q; want %v, %q, %q", tt.in, p.Duration(), p, p.Human(), tt.dur, tt.canon, tt.human)
		}
	}
}

func TestParsePeriodErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "not an ISO 8601 duration"},
		{"P", "not an ISO 8601 duration"},
		{"PT", "not an ISO 8601 duration"},
		{"30D", "not an ISO 8601 duration"},
		{"p30d", "not an ISO 8601 duration"},
		{"P30", "not an ISO 8601 duration"},
		{"PD", "not an ISO 8601 duration"},
		{"P1H", "unit out of place or unknown"},
		{"PT1D", "unit out of place or unknown"},
		{"P1D1Y", "unit out of place or unknown"},
		{"P1D1D", "unit out of place or unknown"},
		{"P1X", "unit out of place or unknown"},
		{"P1DT", "nothing after T"},
		{"P1DTT1H", "two T separators"},
		{"P1.5D", "has a fraction"},
		{"P0D", "zero duration"},
		{"P1234567D", "number too large"},
		{"P101Y", "longer than 100 years"},
		{"P-1D", "not an ISO 8601 duration"},
	}
	for _, tt := range tests {
		if _, err := ParsePeriod(tt.in); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParsePeriod(%q) = %v; want error containing %q", tt.in, err, tt.msg)
		}
	}
}

func TestMustPeriodPanicsOnBadInput(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustPeriod(bad) did not panic")
		}
	}()
	MustPeriod("soon")
}
