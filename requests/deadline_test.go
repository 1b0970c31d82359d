package requests

import (
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

func TestLegalDeadline(t *testing.T) {
	for _, c := range []struct {
		jur, typ, received, want string
	}{
		{"gdpr", "access", "2027-01-31", "2027-02-28"},
		{"gdpr", "access", "2028-01-31", "2028-02-29"}, // leap year
		{"gdpr", "erasure", "2027-01-15", "2027-02-15"},
		{"gdpr", "erasure", "2027-03-31", "2027-04-30"},
		{"gdpr", "erasure", "2027-12-31", "2028-01-31"},
		{"other", "access", "2027-05-31", "2027-06-30"},
		{"ccpa", "access", "2027-01-01", "2027-02-15"},
		{"ccpa", "erasure", "2027-12-20", "2028-02-03"},
		{"ccpa", "opt_out_of_sale_or_sharing", "2027-01-01", "2027-01-22"}, // a Friday: 15 business days
		{"ccpa", "opt_out_of_sale_or_sharing", "2027-01-02", "2027-01-22"}, // a Saturday
		{"ccpa", "limit_sensitive", "2027-01-04", "2027-01-25"},
	} {
		got := LegalDeadline(c.jur, c.typ, day(c.received))
		if want := day(c.want); !got.Equal(want) {
			t.Errorf("%s %s received %s: due %s, want %s", c.jur, c.typ, c.received, got.Format(time.DateOnly), c.want)
		}
	}
}

func TestDeadlinePolicyStricter(t *testing.T) {
	rec := day("2027-01-31")
	if got := Deadline("gdpr", "access", rec, 14*24*time.Hour); !got.Equal(day("2027-02-14")) {
		t.Errorf("a 14-day policy: %s", got)
	}
	// A policy of 30 days is looser than one calendar month from 31 January.
	if got := Deadline("gdpr", "access", rec, 30*24*time.Hour); !got.Equal(day("2027-02-28")) {
		t.Errorf("a 30-day policy: %s", got)
	}
	if got := Deadline("ccpa", "access", rec, 0); !got.Equal(day("2027-03-17")) {
		t.Errorf("no policy deadline: %s", got)
	}
}

func TestCheckExtension(t *testing.T) {
	req := func(jur, typ, received string) *steward.RightsRequest {
		r := &steward.RightsRequest{Jurisdiction: jur, Type: typ, ReceivedAt: day(received)}
		r.Deadline = LegalDeadline(jur, typ, r.ReceivedAt)
		return r
	}
	extended := req("gdpr", "access", "2027-01-31")
	ext := day("2027-03-01")
	extended.ExtendedDeadline = &ext
	for _, c := range []struct {
		name       string
		r          *steward.RightsRequest
		until, now string
		reason     string
		want, code string
	}{
		{"gdpr to the bound", req("gdpr", "access", "2027-01-31"), "", "2027-02-10", "volume", "2027-04-30", ""},
		{"gdpr within the bound", req("gdpr", "access", "2027-01-15"), "2027-03-15", "2027-02-01", "volume", "2027-03-15", ""},
		{"gdpr beyond the bound", req("gdpr", "access", "2027-01-15"), "2027-04-16", "2027-02-01", "volume", "", steward.EINVALID},
		{"gdpr told too late", req("gdpr", "access", "2027-01-15"), "", "2027-02-15", "volume", "", steward.EINVALID},
		{"gdpr no reason", req("gdpr", "access", "2027-01-15"), "", "2027-01-20", "", "", steward.EINVALID},
		{"gdpr not after the deadline", req("gdpr", "access", "2027-01-15"), "2027-02-01", "2027-01-20", "x", "", steward.EINVALID},
		{"ccpa to the bound", req("ccpa", "access", "2027-01-01"), "", "2027-02-01", "volume", "2027-04-01", ""},
		{"ccpa beyond", req("ccpa", "access", "2027-01-01"), "2027-04-02", "2027-02-01", "volume", "", steward.EINVALID},
		{"ccpa told too late", req("ccpa", "access", "2027-01-01"), "", "2027-02-15", "volume", "", steward.EINVALID},
		{"opt-out cannot be extended", req("ccpa", "opt_out_of_sale_or_sharing", "2027-01-01"), "", "2027-01-02", "x", "", steward.EINVALID},
		{"only once", extended, "", "2027-02-10", "again", "", steward.ECONFLICT},
	} {
		var until time.Time
		if c.until != "" {
			until = day(c.until)
		}
		got, err := CheckExtension(c.r, until, day(c.now), c.reason)
		if code := steward.ErrorCode(err); code != c.code {
			t.Errorf("%s: error %v, want code %q", c.name, err, c.code)
			continue
		}
		if c.want != "" && !got.Equal(day(c.want)) {
			t.Errorf("%s: extended to %s, want %s", c.name, got.Format(time.DateOnly), c.want)
		}
	}
}
