package policy

import (
	"testing"
	"time"
)

func TestRetention(t *testing.T) {
	tests := []struct {
		in      string
		kind    RetentionKind
		str     string
		human   string
		limit   time.Duration
		bounded bool
	}{
		{"PT24H", RetainFor, "PT24H", "24 hours", 24 * time.Hour, true},
		{"ephemeral", RetainEphemeral, "ephemeral", "deleted right after use", 0, true},
		{"not-retained", RetainEphemeral, "ephemeral", "deleted right after use", 0, true},
		{"until-account-deletion", RetainUntilAccountDeletion, "until-account-deletion", "until you delete your account", 0, false},
		{"until-consent-withdrawn", RetainUntilConsentWithdrawn, "until-consent-withdrawn", "until you withdraw your consent", 0, false},
		{"same-as-category", RetainAsCategory, "same-as-category", "as long as the data itself is kept", 0, false},
	}
	for _, tt := range tests {
		var r Retention
		if err := r.setScalar(tt.in); err != nil {
			t.Errorf("retention %q: %v", tt.in, err)
			continue
		}
		limit, bounded := r.Limit()
		if r.Kind != tt.kind || r.String() != tt.str || r.Human() != tt.human || limit != tt.limit || bounded != tt.bounded {
			t.Errorf("retention %q = %v %q %q %v %v; want %v %q %q %v %v", tt.in, r.Kind, r, r.Human(), limit, bounded, tt.kind, tt.str, tt.human, tt.limit, tt.bounded)
		}
	}
	var r Retention
	if err := r.setScalar("forevr"); err == nil {
		t.Error("retention forevr accepted")
	}
}

func TestRetentionWithMax(t *testing.T) {
	r := Retention{Kind: RetainUntilPurposeFulfilled, Max: MustPeriod("P90D")}
	if got := r.String(); got != "until-purpose-fulfilled (max P90D)" {
		t.Errorf("String = %q", got)
	}
	if got := r.Human(); got != "until the purpose is fulfilled, at most 90 days" {
		t.Errorf("Human = %q", got)
	}
	if limit, ok := r.Limit(); !ok || limit != 90*24*time.Hour {
		t.Errorf("Limit = %v, %v; want 90 days", limit, ok)
	}
}

func TestRetentionOutlives(t *testing.T) {
	day := Retention{Kind: RetainFor, Period: MustPeriod("P1D")}
	month := Retention{Kind: RetainFor, Period: MustPeriod("P30D")}
	eph := Retention{Kind: RetainEphemeral}
	account := Retention{Kind: RetainUntilAccountDeletion}
	same := Retention{Kind: RetainAsCategory}
	tests := []struct {
		a, b Retention
		want bool
	}{
		{month, day, true},
		{day, month, false},
		{day, day, false},
		{day, eph, true},
		{eph, day, false},
		{account, month, true},
		{month, account, false},
		{account, account, false},
		{same, eph, false},
		{eph, same, false},
	}
	for _, tt := range tests {
		if got := tt.a.Outlives(tt.b); got != tt.want {
			t.Errorf("%v.Outlives(%v) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
