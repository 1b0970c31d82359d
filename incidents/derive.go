package incidents

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// ExposingActions are the audit actions whose allowed events put a
// subject's data in the actor's hands: reads of records and files,
// disclosures to processors and their downloads, and exports.
var ExposingActions = []string{steward.ActionRecordRead, steward.ActionFileRead, steward.ActionDisclose,
	steward.ActionDisclosedDownload, "export.create", "export.download"}

// unspecified counts exposures whose event names no category.
const unspecified = "unspecified"

var actorRe = regexp.MustCompile(`^(key|stf)_[a-z2-7]{26}$`)

// maxText bounds each free-text field.
const maxText = 8000

// clockSkew is how far in the future a time may lie (clocks differ).
const clockSkew = 5 * time.Minute

// text checks a free-text field; errors name the field only.
func text(path, v string, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return steward.Invalid(path, "is required")
	case len(v) > maxText:
		return steward.Invalid(path, "is longer than "+strconv.Itoa(maxText)+" bytes")
	case !utf8.ValidString(v):
		return steward.Invalid(path, "is not valid UTF-8")
	}
	return nil
}

// check validates a declaration against the policy in force.
func (n *NewIncident) check(pol *policy.Decider, now time.Time) error {
	if n.AwareAt == nil || n.AwareAt.IsZero() {
		return steward.Invalid("aware_at", "is required: when the controller became aware of the breach")
	}
	if n.AwareAt.After(now.Add(clockSkew)) {
		return steward.Invalid("aware_at", "lies in the future")
	}
	if n.DetectedAt != nil && n.DetectedAt.After(now.Add(clockSkew)) {
		return steward.Invalid("detected_at", "lies in the future")
	}
	for _, f := range []struct{ path, v string }{{"summary", n.Summary}, {"consequences", n.Consequences}, {"measures", n.Measures}} {
		if err := text(f.path, f.v, true); err != nil {
			return err
		}
	}
	if n.Risk != steward.RiskLow && n.Risk != steward.RiskHigh {
		return steward.Invalid("risk", "must be low or high")
	}
	if len(n.Actors) == 0 && len(n.Categories) == 0 {
		return steward.Invalid("actors", "name the actors whose accesses are the breach, or the categories exposed")
	}
	if len(n.Actors) > 100 {
		return steward.Invalid("actors", "at most 100 actors")
	}
	for i, a := range n.Actors {
		if !actorRe.MatchString(a) {
			return steward.Invalid("actors["+strconv.Itoa(i)+"]", "must be an API key id (key_...) or a staff id (stf_...)")
		}
	}
	if len(n.Categories) > 64 {
		return steward.Invalid("categories", "at most 64 categories")
	}
	declared := pol.Categories()
	for i, c := range n.Categories {
		// A declared category, one below it, or one above declared ones
		// (user.content covers user.content.prompt).
		if !pol.CategoryDeclared(c) && !slices.ContainsFunc(declared, func(d policy.Category) bool { return covers(c, d.Key) }) {
			return steward.Invalid("categories["+strconv.Itoa(i)+"]", "is not a category the policy declares")
		}
	}
	if n.Window != nil {
		if n.Window.From.IsZero() || n.Window.To.IsZero() {
			return steward.Invalid("window", "needs both from and to")
		}
		if !n.Window.To.After(n.Window.From) {
			return steward.Invalid("window.to", "must be after window.from")
		}
		if n.Window.From.After(now.Add(clockSkew)) {
			return steward.Invalid("window.from", "lies in the future")
		}
	} else if len(n.Actors) > 0 {
		return steward.Invalid("window", "is required with actors: the period of their accesses")
	}
	n.Actors, n.Categories = dedupe(n.Actors), dedupe(n.Categories)
	return nil
}

func dedupe(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// auditActor turns a key_ or stf_ id into the actor audit events record.
func auditActor(id string) string {
	if strings.HasPrefix(id, "stf_") {
		return string(steward.ActorStaff) + ":" + id
	}
	return string(steward.ActorAPIKey) + ":" + id
}

// covers reports whether the declared category req covers key.
func covers(req, key string) bool { return key == req || strings.HasPrefix(key, req+".") }

// tally counts people and records per category.
type tally struct {
	subjects map[string]bool
	per      map[string]map[string]bool // category → subject → seen
	items    map[string]map[string]bool // category → subject|item → seen
}

func newTally() *tally {
	return &tally{subjects: map[string]bool{}, per: map[string]map[string]bool{}, items: map[string]map[string]bool{}}
}

// add counts one exposed item of subject under category (the requested
// category covering it, or its own).
func (t *tally) add(subject, category, item string) {
	t.subjects[subject] = true
	if t.per[category] == nil {
		t.per[category], t.items[category] = map[string]bool{}, map[string]bool{}
	}
	t.per[category][subject] = true
	t.items[category][subject+"|"+item] = true
}

// into fills in the incident's counts and returns the subject ids, sorted.
func (t *tally) into(inc *steward.Incident) []string {
	subjects := make([]string, 0, len(t.subjects))
	for s := range t.subjects {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects)
	inc.Subjects, inc.Records, inc.Counts = len(subjects), 0, []steward.IncidentCount{}
	for cat, people := range t.per {
		inc.Counts = append(inc.Counts, steward.IncidentCount{Category: cat, Subjects: len(people), Records: len(t.items[cat])})
		inc.Records += len(t.items[cat])
	}
	slices.SortFunc(inc.Counts, func(a, b steward.IncidentCount) int { return strings.Compare(a.Category, b.Category) })
	return subjects
}

// derive finds the subjects and records the incident affects: from the
// audit log when it names actors, else from the holders of its categories.
func (s *Service) derive(ctx context.Context, inc *steward.Incident) ([]string, error) {
	t := newTally()
	if len(inc.Actors) == 0 {
		err := s.store.Holdings(ctx, inc.TenantID, inc.Categories, func(h steward.CategoryHolding) error {
			for _, req := range inc.Categories {
				if covers(req, h.Category) {
					t.add(h.SubjectID, req, h.Category)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return t.into(inc), nil
	}
	if sy, ok := s.audit.(interface{ Sync(context.Context) error }); ok {
		// Events still in the audit journal are stored first.
		if err := sy.Sync(ctx); err != nil {
			return nil, err
		}
	}
	for _, a := range inc.Actors {
		if err := s.scanActor(ctx, inc, auditActor(a), t); err != nil {
			return nil, err
		}
	}
	return t.into(inc), nil
}

// scanActor counts the exposures of one actor's events in the window.
func (s *Service) scanActor(ctx context.Context, inc *steward.Incident, actor string, t *tally) error {
	f := steward.AuditFilter{TenantID: inc.TenantID, Actor: actor, Since: *inc.WindowFrom, Until: *inc.WindowTo, Limit: 1000}
	for {
		page, err := s.events.AuditEvents(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range page {
			if e.Decision != steward.DecisionAllow || e.SubjectID == "" || !slices.Contains(ExposingActions, e.Action) {
				continue
			}
			cats := e.Categories
			if len(cats) == 0 {
				cats = []string{unspecified}
			}
			for _, c := range cats {
				if len(inc.Categories) == 0 {
					t.add(e.SubjectID, c, c)
					continue
				}
				for _, req := range inc.Categories {
					if covers(req, c) {
						t.add(e.SubjectID, req, c)
					}
				}
			}
		}
		if len(page) < f.Limit {
			return nil
		}
		f.Before = page[len(page)-1].Seq
	}
}
