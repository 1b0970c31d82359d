package steward

import (
	"fmt"
	"testing"
)

// TestLedgerReasonsBound: a disclosure whose row would break the audit
// event's bounds (at most 64 reasons and categories, codes only) does not
// travel in it; the caller stores the row on its own.
func TestLedgerReasonsBound(t *testing.T) {
	d := &Disclosure{ID: "dsc_x", Processor: "p", PolicyVersion: "1", Retention: "P30D"}
	if _, fits := d.LedgerReasons(nil); !fits {
		t.Fatal("a small disclosure does not fit")
	}
	for i := range 70 {
		d.Files = append(d.Files, fmt.Sprintf("fil_%d", i))
	}
	if _, fits := d.LedgerReasons(nil); fits {
		t.Fatal("70 files fit an audit event of at most 64 reasons")
	}
	d.Files, d.Retention = nil, "not a code"
	if _, fits := d.LedgerReasons(nil); fits {
		t.Fatal("a retention that is not a code fits")
	}
}
