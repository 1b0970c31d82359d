// Package ropa renders a policy as the record of processing activities of
// GDPR Article 30(1), in JSON or CSV: one activity per purpose, with the
// controller, the purpose, the categories of data subjects and personal data,
// the recipients, transfers outside the storage regions with their
// safeguards, the time limits for erasure, and the security measures.
package ropa

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-privacy/steward/policy"
)

// Record is the record of processing activities of one policy.
type Record struct {
	Controller    Controller `json:"controller"`
	PolicyVersion string     `json:"policy_version"`
	Effective     string     `json:"effective"`
	Activities    []Activity `json:"activities"`
}

// Controller names who is responsible (Art. 30(1)(a)).
type Controller struct {
	Name       string `json:"name"`
	Contact    string `json:"contact"`
	Address    string `json:"address,omitempty"`
	DPO        string `json:"dpo,omitempty"`
	DPOContact string `json:"dpo_contact,omitempty"`
}

// Activity is one processing activity: a purpose of the policy.
type Activity struct {
	Purpose          string      `json:"purpose"`     // (b) the data-use key
	Description      string      `json:"description"` // (b) in words
	LegalBasis       string      `json:"legal_basis"`
	DataSubjects     []string    `json:"data_subjects"`   // (c)
	DataCategories   []string    `json:"data_categories"` // (c)
	Recipients       []Recipient `json:"recipients"`      // (d)
	Transfers        []Transfer  `json:"transfers"`       // (e)
	Retention        []Retention `json:"retention"`       // (f)
	SecurityMeasures []string    `json:"security_measures"`
}

// Recipient is a processor receiving data for the activity.
type Recipient struct {
	Processor  string   `json:"processor"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Categories []string `json:"categories"`
	Locations  []string `json:"locations"`
	Retention  string   `json:"retention"`
	MayTrain   bool     `json:"may_train"`
}

// Transfer is data leaving the storage regions to a recipient (Art.
// 30(1)(e)), with the safeguards relied on.
type Transfer struct {
	Processor   string   `json:"processor"`
	Destination string   `json:"destination"`
	Safeguards  []string `json:"safeguards"`
}

// Retention is the time limit for erasure of one category (Art. 30(1)(f)).
type Retention struct {
	Category string `json:"category"`
	Rule     string `json:"rule"`
}

// Build turns a checked policy into its record of processing activities.
func Build(p *policy.Policy) Record {
	o := p.Organisation
	r := Record{
		Controller:    Controller{Name: o.Name, Contact: o.Contact, Address: o.Address},
		PolicyVersion: o.Version,
		Effective:     string(o.Effective),
	}
	if o.DPO != nil {
		r.Controller.DPO, r.Controller.DPOContact = o.DPO.Name, o.DPO.Contact
	}
	var subjects []string
	for _, s := range p.Subjects {
		subjects = append(subjects, s.Key)
	}
	security := securityMeasures(p)
	for _, pu := range p.Purposes {
		a := Activity{
			Purpose: pu.Key, Description: pu.Description, LegalBasis: string(pu.Basis),
			DataSubjects: subjects, DataCategories: p.Expand(pu.Categories), SecurityMeasures: security,
			Recipients: []Recipient{}, Transfers: []Transfer{}, Retention: []Retention{},
		}
		for _, pr := range p.Processors {
			// A processor belongs to the most specific purpose covering what it serves.
			if !slices.ContainsFunc(pr.Purposes, func(k string) bool {
				owner, ok := p.PurposeFor(k)
				return ok && owner.Key == pu.Key
			}) {
				continue
			}
			a.Recipients = append(a.Recipients, Recipient{
				Processor: pr.Key, Name: pr.Name, Kind: string(pr.Kind), Categories: pr.Categories,
				Locations: pr.Locations, Retention: pr.Retention.String(), MayTrain: pr.Train,
			})
			a.Transfers = append(a.Transfers, transfers(p, pr)...)
		}
		for _, key := range a.DataCategories {
			if c, ok := p.CategoryFor(key); ok {
				a.Retention = append(a.Retention, Retention{Category: key, Rule: c.Retention.String()})
			}
		}
		r.Activities = append(r.Activities, a)
	}
	return r
}

// JSON renders the record as indented JSON.
func JSON(p *policy.Policy) ([]byte, error) {
	b, err := json.MarshalIndent(Build(p), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Columns are the CSV columns, in order.
var Columns = []string{
	"controller", "controller_contact", "dpo", "purpose", "description", "legal_basis",
	"data_subjects", "data_categories", "recipients", "third_country_transfers", "retention", "security_measures",
}

// CSV renders the record as CSV with a header row and one row per activity;
// lists within a cell are separated by "; ".
func CSV(p *policy.Policy) ([]byte, error) {
	r := Build(p)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	rows := [][]string{Columns}
	dpo := strings.TrimSpace(r.Controller.DPO + " " + r.Controller.DPOContact)
	for _, a := range r.Activities {
		var recipients, transfers, retention []string
		for _, rc := range a.Recipients {
			recipients = append(recipients, fmt.Sprintf("%s (%s; %s)", rc.Name, rc.Kind, strings.Join(rc.Locations, ", ")))
		}
		for _, t := range a.Transfers {
			transfers = append(transfers, fmt.Sprintf("%s to %s under %s", t.Processor, t.Destination, strings.Join(t.Safeguards, ", ")))
		}
		for _, rt := range a.Retention {
			retention = append(retention, rt.Category+": "+rt.Rule)
		}
		rows = append(rows, []string{
			r.Controller.Name, r.Controller.Contact, dpo, a.Purpose, a.Description, a.LegalBasis,
			join(a.DataSubjects), join(a.DataCategories), join(recipients), join(transfers), join(retention), join(a.SecurityMeasures),
		})
	}
	for _, row := range rows {
		for i, cell := range row {
			row[i] = defuse(cell)
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func join(items []string) string { return strings.Join(items, "; ") }

// defuse keeps a spreadsheet from reading a cell as a formula (CSV
// injection): a cell starting with = + - @ gets a leading apostrophe.
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// transfers lists the processor's locations outside the storage regions,
// with the safeguards that allow them: its own transfer mechanisms and the
// declared transfers to that location.
func transfers(p *policy.Policy, pr policy.Processor) []Transfer {
	var out []Transfer
	for _, loc := range pr.Locations {
		if slices.Contains(p.Regions.Storage, loc) {
			continue
		}
		t := Transfer{Processor: pr.Key, Destination: loc, Safeguards: []string{}}
		for _, s := range pr.Safeguards {
			if s.IsTransferMechanism() {
				t.Safeguards = append(t.Safeguards, string(s))
			}
		}
		for _, decl := range p.Regions.Transfers {
			if slices.Contains(decl.To, loc) && !slices.Contains(t.Safeguards, string(decl.Safeguard)) {
				t.Safeguards = append(t.Safeguards, string(decl.Safeguard))
			}
		}
		out = append(out, t)
	}
	return out
}

// securityMeasures describes the security commitments (Art. 30(1)(g)).
func securityMeasures(p *policy.Policy) []string {
	s := p.Security
	out := []string{"encryption at rest: " + string(s.EncryptionAtRest), "TLS minimum: " + string(s.TLSMinimum)}
	if s.PasswordHashing != "" {
		out = append(out, "password hashing: "+string(s.PasswordHashing))
	}
	if s.APIKeyHashing != "" {
		out = append(out, "API key hashing: "+string(s.APIKeyHashing))
	}
	if s.StaffMFA {
		out = append(out, "staff multi-factor authentication")
	}
	var why []string
	for _, j := range p.Staff.Justifications {
		why = append(why, j.Key)
	}
	out = append(out, "staff see masked values unless justified by: "+orNone(strings.Join(why, ", ")))
	return append(out, s.Measures...)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
