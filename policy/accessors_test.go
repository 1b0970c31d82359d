package policy

import (
	"slices"
	"testing"
	"time"
)

func TestAccessors(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	if got := d.Version(); got != "7" {
		t.Errorf("Version = %q; want 7", got)
	}
	for key, want := range map[string]bool{
		"user.contact": true, "user.contact.email": true, "user.content.prompt.draft": true,
		"user.content": false, "user": false, "user.biometric": false, "nonsense": false,
	} {
		if got := d.CategoryDeclared(key); got != want {
			t.Errorf("CategoryDeclared(%q) = %v; want %v", key, got, want)
		}
	}
	tests := []struct {
		key   string
		kind  RetentionKind
		limit time.Duration
		ok    bool
	}{
		{"system.operations.request_log", RetainFor, 24 * time.Hour, true},
		{"user.content.upload", RetainEphemeral, 0, true},
		{"user.contact.email", RetainUntilAccountDeletion, 0, true},
		{"user.behavior.search_history", RetainUntilPurposeFulfilled, 90 * 24 * time.Hour, true},
		{"user.biometric", RetentionUnset, 0, false},
	}
	for _, tt := range tests {
		r, ok := d.Retention(tt.key)
		limit, _ := r.Limit()
		if r.Kind != tt.kind || limit != tt.limit || ok != tt.ok {
			t.Errorf("Retention(%q) = %v %v %v; want %v %v %v", tt.key, r.Kind, limit, ok, tt.kind, tt.limit, tt.ok)
		}
	}
	if !d.Essential("essential.service.security") || !d.Essential("essential.service.x") || d.Essential("marketing") || d.Essential("finance") {
		t.Error("Essential gives wrong answers")
	}
	if got, want := d.EssentialPurposes(), []string{"essential.service", "essential.service.security"}; !slices.Equal(got, want) {
		t.Errorf("EssentialPurposes = %v; want %v", got, want)
	}
	if got := d.Purposes(); len(got) != 6 || got[0] != "essential.service" {
		t.Errorf("Purposes = %v", got)
	}
	if age, action := d.MinimumAge(); age != 16 || action != AgeFlag {
		t.Errorf("MinimumAge = %d %v", age, action)
	}
	if r, ok := d.Right(RightAccess); !ok || r.Deadline.String() != "P30D" {
		t.Errorf("Right(access) = %+v, %v", r, ok)
	}
	if _, ok := d.Right(RightPortability); ok {
		t.Error("Right(portability) found in a policy without it")
	}
	if got := d.Rights(); len(got) != 2 || got[1].Kind != RightErasure {
		t.Errorf("Rights = %+v", got)
	}
	if got := d.Justifications(); len(got) != 3 || got[0].Key != JustificationSubjectAgreement || got[2].Approval != ApprovalRequired {
		t.Errorf("Justifications = %+v", got)
	}
	procs := d.Processors()
	procs[0].Categories[0] = "changed"
	if d.Processors()[0].Categories[0] == "changed" {
		t.Error("Processors returns shared slices")
	}
	cats := d.Categories()
	cats[0].Key = "changed"
	cats[0].Collection[0].From = "changed"
	if c := d.Categories()[0]; c.Key == "changed" || c.Collection[0].From == "changed" || len(cats) != 7 {
		t.Error("Categories returns the decider's own memory")
	}
}

func TestDeciderIsImmutable(t *testing.T) {
	p, err := Load("testdata/decide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	r := svc("essential.service", "user.contact.email")
	before := d.Decide(&r)
	p.Categories[0].Retention = Retention{Kind: RetainEphemeral}
	p.Processors[0].Categories[0] = "changed"
	p.Purposes[0].Categories[0] = "user.biometric"
	p.Staff.Justifications[0].Key = "changed"
	if got, _ := d.Retention("user.contact"); got.Kind != RetainUntilAccountDeletion {
		t.Errorf("changing the policy after Compile changed the decider's retention to %v", got)
	}
	if got := d.Decide(&r); got != before {
		t.Errorf("changing the policy after Compile changed a decision: %s", got.Sentence())
	}
	if d.Processors()[0].Categories[0] == "changed" || d.Justifications()[0].Key == "changed" {
		t.Error("the decider shares memory with the policy")
	}
}

func TestCategoriesFor(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	tests := []struct {
		purpose string
		want    []string
	}{
		{"essential.service", []string{"user.contact", "user.content.prompt", "user.content.upload", "user.content.self_image"}},
		{"essential.service.notifications", []string{"user.contact", "user.content.prompt", "user.content.upload", "user.content.self_image"}},
		{"marketing", []string{"user.contact.email"}},
		{"marketing.advertising", nil},
		{"train_ai_system", []string{"user.content.prompt", "user.content.upload", "user.behavior"}},
		{"finance", nil},
	}
	for _, tt := range tests {
		if got := d.CategoriesFor(tt.purpose); !slices.Equal(got, tt.want) {
			t.Errorf("CategoriesFor(%q) = %v; want %v", tt.purpose, got, tt.want)
		}
	}
}

func TestStorageRegionsAndProcessor(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	regions := d.StorageRegions()
	if len(regions) == 0 || !d.IsStorageRegion(regions[0]) || d.IsStorageRegion("mars") || d.IsStorageRegion("") {
		t.Fatalf("storage regions %v: IsStorageRegion disagrees", regions)
	}
	regions[0] = "changed"
	if d.IsStorageRegion("changed") {
		t.Fatal("StorageRegions shares memory with the Decider")
	}
	p, ok := d.Processor("mailer")
	if !ok || p.Key != "mailer" || len(p.Categories) == 0 {
		t.Fatalf("Processor(mailer) = %+v, %v", p, ok)
	}
	p.Categories[0] = "changed"
	if q, _ := d.Processor("mailer"); q.Categories[0] == "changed" {
		t.Fatal("Processor shares memory with the Decider")
	}
	if _, ok := d.Processor("stranger"); ok {
		t.Fatal("Processor(stranger) found an undeclared processor")
	}
	if r, ok := d.ProcessorRetention("mailer"); !ok || r != p.Retention {
		t.Fatalf("ProcessorRetention(mailer) = %v, %v; want %v", r, ok, p.Retention)
	}
	if _, ok := d.ProcessorRetention("stranger"); ok {
		t.Fatal("ProcessorRetention(stranger) found an undeclared processor")
	}
}
