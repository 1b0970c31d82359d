package ropa

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func load(t *testing.T, path string) *policy.Policy {
	t.Helper()
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if ps := p.Check(); len(ps) > 0 {
		t.Fatalf("%s has problems:\n%v", path, ps)
	}
	return p
}

func TestBuild(t *testing.T) {
	r := Build(load(t, "../../examples/ad-asset-studio.yaml"))
	if r.Controller.Name != "Pictora Labs" || r.PolicyVersion != "2026-05-21" || len(r.Activities) != 3 {
		t.Fatalf("record = %+v", r)
	}
	gen := r.Activities[1]
	if gen.Purpose != "essential.service.generation" || gen.LegalBasis != "consent" || !slices.Equal(gen.DataSubjects, []string{"customer"}) {
		t.Errorf("activity = %+v", gen)
	}
	if len(gen.Recipients) != 4 || gen.Recipients[0].Processor != "lumen-prompt" || gen.Recipients[0].MayTrain {
		t.Errorf("recipients = %+v", gen.Recipients)
	}
	wantTransfers := []Transfer{
		{Processor: "fathom-motion", Destination: "asia", Safeguards: []string{"sccs"}},
		{Processor: "orbit-frames", Destination: "asia", Safeguards: []string{"sccs"}},
	}
	if !slices.EqualFunc(gen.Transfers, wantTransfers, func(a, b Transfer) bool {
		return a.Processor == b.Processor && a.Destination == b.Destination && slices.Equal(a.Safeguards, b.Safeguards)
	}) {
		t.Errorf("transfers = %+v; want %+v", gen.Transfers, wantTransfers)
	}
	sec := r.Activities[2]
	if len(sec.Recipients) != 0 || !slices.Equal(sec.DataCategories, []string{"user.device.ip_address", "system.operations.request_log"}) {
		t.Errorf("security activity = %+v", sec)
	}
	if !slices.Contains(sec.Retention, Retention{Category: "system.operations.request_log", Rule: "PT24H"}) {
		t.Errorf("retention = %+v", sec.Retention)
	}
	if svc := r.Activities[0]; len(svc.DataCategories) != 7 || len(svc.Recipients) != 0 || !slices.Contains(svc.SecurityMeasures, "encryption at rest: aes-256-gcm") {
		t.Errorf("service activity = %+v", svc)
	}
}

func TestJSON(t *testing.T) {
	b, err := JSON(load(t, "../../examples/ad-asset-studio.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Activities) != 3 || back.Activities[2].Recipients == nil {
		t.Errorf("round trip = %+v; empty lists must be [] not null", back)
	}
	if !bytes.Contains(b, []byte(`"recipients": []`)) {
		t.Error("an activity without recipients is not written as []")
	}
}

func TestCSV(t *testing.T) {
	p := load(t, "../../examples/ad-asset-studio.yaml")
	p.Purposes[0].Description = "=HYPERLINK(\"http://evil\")"
	b, err := CSV(p)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !slices.Equal(rows[0], Columns) {
		t.Fatalf("rows = %d, header %v", len(rows), rows[0])
	}
	if got := rows[1][4]; got != `'=HYPERLINK("http://evil")` {
		t.Errorf("formula cell = %q; want it defused", got)
	}
	if got := rows[2][9]; got != "fathom-motion to asia under sccs; orbit-frames to asia under sccs" {
		t.Errorf("transfers cell = %q", got)
	}
	if got := rows[3][10]; got != "user.device.ip_address: PT24H; system.operations.request_log: PT24H" {
		t.Errorf("retention cell = %q", got)
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+x": "'+x", "-x": "'-x", "@x": "'@x", "plain": "plain", "": ""} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q; want %q", in, got, want)
		}
	}
}
