package corpus

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/steward-privacy/steward/pii"
)

// Targets for the pattern entities (all but PERSON and DATE_TIME).
const (
	TargetPrecision = 0.98
	TargetRecall    = 0.95
)

// Counts are the outcome for one entity type: a finding is a true positive
// only when its type and both offsets equal a label's.
type Counts struct {
	Entity pii.Entity `json:"type"`
	Tag    string     `json:"tag,omitempty"`
	TP     int        `json:"tp"`
	FP     int        `json:"fp"`
	FN     int        `json:"fn"`
}

// Precision is TP/(TP+FP), 1 when nothing was found.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 1 when nothing was labeled.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Report is the evaluation of a scanner on a corpus.
type Report struct {
	Samples   int      `json:"samples"`
	Negatives int      `json:"negatives"`
	Entities  []Counts `json:"entities"`
	// PersonByTag splits PERSON recall by listed and unlisted names (FP
	// cannot be attributed to a tag and stays in Entities).
	PersonByTag []Counts `json:"person_by_tag"`
	// NegativeFindings counts findings on the hard negatives, per entity.
	NegativeFindings map[pii.Entity]int `json:"negative_findings"`
}

// Evaluate runs scan over the samples and the hard negatives and counts
// exact-span matches per entity type. A finding on a hard negative is a
// false positive of its type (and is also counted in NegativeFindings).
func Evaluate(scan func(string) []pii.Finding, samples, negatives []Sample) Report {
	rep := Report{Samples: len(samples), Negatives: len(negatives), NegativeFindings: map[pii.Entity]int{}}
	counts := map[pii.Entity]*Counts{}
	for _, e := range pii.AllEntities() {
		counts[e] = &Counts{Entity: e}
	}
	tags := map[string]*Counts{TagListed: {Entity: pii.Person, Tag: TagListed}, TagUnlisted: {Entity: pii.Person, Tag: TagUnlisted}}
	for _, s := range samples {
		found := scan(s.Text)
		matched := make([]bool, len(found))
		for _, l := range s.Labels {
			hit := false
			for k, f := range found {
				if !matched[k] && f.Entity == l.Entity && f.Start == l.Start && f.End == l.End {
					matched[k], hit = true, true
					break
				}
			}
			c := counts[l.Entity]
			if hit {
				c.TP++
			} else {
				c.FN++
			}
			if t := tags[l.Tag]; t != nil && l.Entity == pii.Person {
				if hit {
					t.TP++
				} else {
					t.FN++
				}
			}
		}
		for k, f := range found {
			if !matched[k] {
				counts[f.Entity].FP++
			}
		}
	}
	for _, s := range negatives {
		for _, f := range scan(s.Text) {
			rep.NegativeFindings[f.Entity]++
			counts[f.Entity].FP++
		}
	}
	for _, e := range pii.AllEntities() {
		rep.Entities = append(rep.Entities, *counts[e])
	}
	rep.PersonByTag = []Counts{*tags[TagListed], *tags[TagUnlisted]}
	return rep
}

// Failures lists the targets the report misses: precision and recall of the
// pattern entities, and any finding on the hard negatives.
func (r Report) Failures() []string {
	var out []string
	pattern := map[pii.Entity]bool{}
	for _, e := range pii.PatternEntities() {
		pattern[e] = true
	}
	for _, c := range r.Entities {
		if !pattern[c.Entity] {
			continue
		}
		if c.Precision() < TargetPrecision {
			out = append(out, fmt.Sprintf("%s precision %.3f < %.2f", c.Entity, c.Precision(), TargetPrecision))
		}
		if c.Recall() < TargetRecall {
			out = append(out, fmt.Sprintf("%s recall %.3f < %.2f", c.Entity, c.Recall(), TargetRecall))
		}
	}
	for _, e := range pii.AllEntities() {
		if n := r.NegativeFindings[e]; n > 0 {
			out = append(out, fmt.Sprintf("%d %s findings on hard negatives", n, e))
		}
	}
	return out
}

// Write prints the report as a table.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "entity\tlabels\tTP\tFP\tFN\tprecision\trecall\tF1\t\n")
	row := func(name string, c Counts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t\n", name, c.TP+c.FN, c.TP, c.FP, c.FN, c.Precision(), c.Recall(), c.F1())
	}
	for _, c := range r.Entities {
		row(string(c.Entity), c)
	}
	for _, c := range r.PersonByTag {
		c.FP = 0
		fmt.Fprintf(tw, "%s (%s names)\t%d\t%d\t-\t%d\t-\t%.3f\t-\t\n", c.Entity, c.Tag, c.TP+c.FN, c.TP, c.FN, c.Recall())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	total := 0
	for _, n := range r.NegativeFindings {
		total += n
	}
	_, err := fmt.Fprintf(w, "samples: %d with personal data, %d hard negatives; findings on hard negatives: %d %v\n",
		r.Samples, r.Negatives, total, r.NegativeFindings)
	return err
}
