package notice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/steward-privacy/steward/policy"
)

// Build turns a checked policy into the notice's content.
func Build(p *policy.Policy) Document {
	b := &builder{p: p, org: p.Organisation.Name}
	doc := Document{Title: "Privacy notice: " + b.org, Lang: "en"}
	for _, s := range []Section{
		b.about(), b.collected(), b.uses(), b.never(), b.sharing(), b.storage(),
		b.retention(), b.rights(), b.security(), b.children(), b.signals(), b.changes(), b.contact(),
	} {
		if len(s.Blocks) > 0 {
			doc.Sections = append(doc.Sections, s)
		}
	}
	return doc
}

type builder struct {
	p   *policy.Policy
	org string
}

func (b *builder) about() Section {
	o := b.p.Organisation
	s := Section{ID: "about", Heading: "About this notice"}
	s.Blocks = append(s.Blocks, para(fmt.Sprintf(
		"This notice explains what personal data %s collects, why, who receives it, how long it is kept, and your rights. "+
			"It takes effect on %s (version %s).", b.org, o.Effective, o.Version)))
	var whose []string
	for _, sub := range b.p.Subjects {
		whose = append(whose, sub.Description)
	}
	if len(whose) > 0 {
		s.Blocks = append(s.Blocks, para("It concerns:"), list(whose...))
	}
	return s
}

func (b *builder) collected() Section {
	s := Section{ID: "collected", Heading: "What we collect"}
	for _, h := range sourceHeadings {
		var items []Text
		for _, c := range b.p.Categories {
			if len(c.Collection) == 0 || c.Collection[0].From != h.kind {
				continue
			}
			item := Text{{Text: categoryName(c.Key), Strong: true}, {Text: ": " + sentence(c.Description)}}
			if src := b.sources(c); src != "" {
				item = append(item, Span{Text: " " + src})
			}
			items = append(items, item)
		}
		if len(items) > 0 {
			s.Blocks = append(s.Blocks, Block{Heading: h.heading}, Block{List: items})
		}
	}
	return s
}

// sources describes how a category is collected beyond its first source,
// and the connected systems with their scopes.
func (b *builder) sources(c policy.Category) string {
	var parts []string
	for i, src := range c.Collection {
		switch {
		case src.From == policy.FromConnected:
			what := src.Name
			if what == "" {
				what = "your " + systemNames[src.System]
			}
			part := "Read from " + what
			if len(src.Scopes) > 0 {
				part += " (only the permissions you grant: " + strings.Join(src.Scopes, ", ") + ")"
			}
			parts = append(parts, part+".")
		case i > 0:
			for _, h := range sourceHeadings {
				if h.kind == src.From {
					parts = append(parts, "Also: "+strings.ToLower(h.heading[:1])+h.heading[1:]+".")
				}
			}
		}
	}
	return strings.Join(parts, " ")
}

func (b *builder) uses() Section {
	s := Section{ID: "uses", Heading: "Why we use it"}
	for _, pu := range b.p.Purposes {
		s.Blocks = append(s.Blocks, Block{Heading: useName(pu.Key)}, para(sentence(pu.Description)))
		basis := "Legal basis: " + basisNames[pu.Basis] + "."
		if pu.Basis == policy.BasisConsent {
			basis += " You can withdraw it at any time"
			if pu.Withdraw != "" {
				basis += ": " + sentence(pu.Withdraw)
			} else {
				basis += "."
			}
		}
		items := []string{basis, "Data used: " + b.names(b.p.Expand(pu.Categories)) + "."}
		if pu.Aggregate {
			items = append(items, "Only aggregated or de-identified data is used, not linked to your account.")
		}
		if pu.RedactPII {
			items = append(items, "Personal details are removed before the data is used.")
		}
		if pu.UserVisible {
			items = append(items, "Only for features you can see and use.")
		}
		if pu.HumanAccess == policy.HumanNever {
			items = append(items, "No one at "+b.org+" looks at this data.")
		}
		if pu.Essential {
			items = append(items, "This is essential: it continues if you restrict or object to other processing.")
		}
		s.Blocks = append(s.Blocks, list(items...))
	}
	return s
}

func (b *builder) never() Section {
	s := Section{ID: "never", Heading: "What we never do"}
	var items []string
	for _, x := range b.p.Prohibited {
		items = append(items, sentence(x.Description))
	}
	if len(items) > 0 {
		s.Blocks = append(s.Blocks, list(items...))
	}
	return s
}

func (b *builder) sharing() Section {
	s := Section{ID: "sharing", Heading: "Who we share it with"}
	if len(b.p.Processors) == 0 {
		s.Blocks = append(s.Blocks, para("We do not share your personal data with other companies."))
		return s
	}
	s.Blocks = append(s.Blocks, para("These service providers process personal data for us, only for the purposes listed, under a contract with us."))
	t := &Table{Caption: "Service providers", Header: []string{"Provider", "Data", "Purpose", "Location", "Kept by them", "May train on it", "Safeguards"}}
	for _, pr := range b.p.Processors {
		var purposes, places, guards []string
		for _, k := range pr.Purposes {
			purposes = append(purposes, useName(k))
		}
		for _, l := range pr.Locations {
			places = append(places, regionShort(l))
		}
		for _, g := range pr.Safeguards {
			guards = append(guards, safeguardNames[g])
		}
		kept := "Not retained"
		if pr.Retention.Kind != policy.RetainEphemeral {
			kept = capitalize(pr.Retention.Human())
		}
		train := "No"
		if pr.Train {
			train = "Yes"
		}
		t.Rows = append(t.Rows, []Text{
			plain(pr.Name), plain(b.names(b.p.Expand(pr.Categories))), plain(strings.Join(purposes, ", ")),
			plain(strings.Join(places, ", ")), plain(kept), plain(train), plain(capitalize(orNone(strings.Join(guards, ", ")))),
		})
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	return s
}

func (b *builder) storage() Section {
	r := b.p.Regions
	s := Section{ID: "storage", Heading: "Where your data is stored"}
	var places []string
	for _, l := range r.Storage {
		places = append(places, regionName(l))
	}
	s.Blocks = append(s.Blocks, para("Your data is stored in "+joinWords(places, "or")+"."))
	var moves []string
	for _, t := range r.Transfers {
		var from, to []string
		for _, f := range t.From {
			from = append(from, regionName(f))
		}
		for _, x := range t.To {
			to = append(to, regionName(x))
		}
		origin := "any of these regions"
		if len(from) > 0 {
			origin = joinWords(from, "or")
		}
		moves = append(moves, fmt.Sprintf("From %s to %s, under %s.", origin, joinWords(to, "and"), safeguardNames[t.Safeguard]))
	}
	if len(moves) > 0 {
		s.Blocks = append(s.Blocks, para("Data may be transferred:"), list(moves...))
	}
	return s
}

func (b *builder) retention() Section {
	s := Section{ID: "retention", Heading: "How long we keep it"}
	t := &Table{Caption: "Retention", Header: []string{"Data", "Kept for"}}
	for _, c := range b.p.Categories {
		t.Rows = append(t.Rows, []Text{
			{{Text: categoryName(c.Key) + " "}, {Text: c.Key, Code: true}},
			plain(capitalize(c.Retention.Human())),
		})
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	return s
}

func (b *builder) rights() Section {
	r := b.p.Rights
	s := Section{ID: "rights", Heading: "Your rights"}
	contact := r.Contact
	if contact == "" {
		contact = b.p.Organisation.Contact
	}
	s.Blocks = append(s.Blocks, para("You can use these rights at any time by contacting "+contact+". "+sentence(r.Verification)))
	t := &Table{Caption: "Your rights", Header: []string{"Right", "How", "We answer within"}}
	for _, right := range r.List() {
		how := right.How
		if how == "" {
			how = "Write to " + contact + "."
		}
		t.Rows = append(t.Rows, []Text{plain(rightNames[right.Kind]), plain(sentence(how)), plain(right.Deadline.Human())})
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	s.Blocks = append(s.Blocks, para("You can also complain to your data protection authority."))
	return s
}

func (b *builder) security() Section {
	sec := b.p.Security
	s := Section{ID: "security", Heading: "How we protect it"}
	items := []string{
		"Personal data is encrypted at rest with " + encryptionNames[sec.EncryptionAtRest] + ".",
		"Connections are encrypted with TLS " + string(sec.TLSMinimum) + " or newer.",
	}
	if sec.PasswordHashing != "" {
		items = append(items, "Passwords are stored only as "+hashNames[string(sec.PasswordHashing)]+" hashes.")
	}
	if sec.APIKeyHashing != "" {
		items = append(items, "API keys are stored only as "+hashNames[string(sec.APIKeyHashing)]+" hashes.")
	}
	if sec.StaffMFA {
		items = append(items, "Our staff sign in with multi-factor authentication.")
	}
	for _, m := range sec.Measures {
		items = append(items, sentence(m))
	}
	s.Blocks = append(s.Blocks, list(items...))
	var why []string
	for _, j := range b.p.Staff.Justifications {
		w := sentence(j.Description)
		if j.Approval == policy.ApprovalRequired {
			w += " A second person, our privacy officer, must approve each such access first, for one person's data and a limited time."
		}
		why = append(why, w)
	}
	if len(why) == 0 {
		s.Blocks = append(s.Blocks, para("No one at "+b.org+" can read your personal data: staff see masked values only."))
		return s
	}
	s.Blocks = append(s.Blocks, para("People at "+b.org+" can read your personal data only in these cases; otherwise they see masked values:"), list(why...))
	return s
}

func (b *builder) children() Section {
	c := b.p.Children
	s := Section{ID: "children", Heading: "Children"}
	action := map[policy.AgeAction]string{
		policy.AgeRefuse: "we do not let them use it and do not keep their data",
		policy.AgeDelete: "we delete their personal data promptly",
		policy.AgeFlag:   "we review the account and ask for a parent's consent where the law requires it",
	}[c.Below]
	text := fmt.Sprintf("Our service is not meant for children under %d. If we learn that someone under %d uses it, %s.", c.MinimumAge, c.MinimumAge, action)
	if c.Verification != "" {
		text += " " + sentence(c.Verification)
	}
	s.Blocks = append(s.Blocks, para(text))
	return s
}

func (b *builder) signals() Section {
	sig := b.p.Signals
	s := Section{ID: "signals", Heading: "Browser privacy signals"}
	dnt := "We do not respond to Do Not Track signals: there is no common standard for them."
	if sig.DoNotTrack == policy.Honored {
		dnt = "We honor Do Not Track signals from your browser."
	}
	gpc := "We do not act on Global Privacy Control signals."
	if sig.GPC == policy.Honored {
		uses := sig.GPCUses
		if len(uses) == 0 {
			uses = policy.DefaultGPCUses
		}
		var names []string
		for _, u := range uses {
			names = append(names, strings.ToLower(useName(u)))
		}
		gpc = "We treat a Global Privacy Control signal as your request to opt out of " + joinWords(names, "and") + "."
	}
	s.Blocks = append(s.Blocks, list(dnt, gpc))
	return s
}

func (b *builder) changes() Section {
	c := b.p.Changes
	s := Section{ID: "changes", Heading: "Changes to this notice"}
	var how []string
	for _, ch := range c.Notify {
		how = append(how, channelNames[ch])
	}
	when := ""
	if c.DaysBefore > 0 {
		when = fmt.Sprintf(", at least %d days before they take effect", c.DaysBefore)
	}
	s.Blocks = append(s.Blocks, para(fmt.Sprintf("We tell you about material changes %s%s. Each version of this notice has its own version number and date.", joinWords(how, "and"), when)))
	return s
}

func (b *builder) contact() Section {
	o := b.p.Organisation
	s := Section{ID: "contact", Heading: "Contact"}
	items := []string{b.org + ": " + o.Contact}
	if o.Address != "" {
		items = append(items, "Address: "+strings.ReplaceAll(o.Address, "\n", ", "))
	}
	if o.DPO != nil {
		name := "Data protection officer"
		if o.DPO.Name != "" {
			name += " (" + o.DPO.Name + ")"
		}
		items = append(items, name+": "+o.DPO.Contact)
	}
	s.Blocks = append(s.Blocks, list(items...))
	return s
}

// names lists categories in words, without repeats.
func (b *builder) names(keys []string) string {
	var out []string
	for _, k := range keys {
		if n := categoryName(k); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// sentence trims text and makes sure it ends with a full stop.
func sentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}
