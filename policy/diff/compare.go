package diff

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/steward-privacy/steward/policy"
)

// Compare lists the changes from old to new, section by section in policy
// order.
func Compare(old, new *policy.Policy) []Change {
	d := &differ{}
	organisation(d, old.Organisation, new.Organisation)
	keyed(d, "subjects", old.Subjects, new.Subjects, func(s policy.DataSubject) string { return s.Key },
		func(s policy.DataSubject) string { return s.Description }, material("data about a new group of people"), minor,
		func(path string, a, b policy.DataSubject) { d.value(path, a.Description, b.Description, minor, nil) })
	keyed(d, "categories", old.Categories, new.Categories, func(c policy.Category) string { return c.Key },
		func(c policy.Category) string { return c.Description }, material("new category"), minor,
		func(path string, a, b policy.Category) { category(d, path, a, b) })
	keyed(d, "purposes", old.Purposes, new.Purposes, func(p policy.Purpose) string { return p.Key },
		func(p policy.Purpose) string { return p.Description }, material("new purpose"), minor,
		func(path string, a, b policy.Purpose) { purpose(d, path, old, new, a, b) })
	keyed(d, "prohibited", old.Prohibited, new.Prohibited, prohibitionKey, func(x policy.Prohibition) string { return x.Description },
		minor, material("prohibition lifted"),
		func(path string, a, b policy.Prohibition) {
			d.value(path+".description", a.Description, b.Description, minor, nil)
		})
	keyed(d, "processors", old.Processors, new.Processors, func(p policy.Processor) string { return p.Key },
		func(p policy.Processor) string { return p.Name }, material("new processor"), minor,
		func(path string, a, b policy.Processor) { processor(d, path, old, new, a, b) })
	d.set("regions.storage", old.Regions.Storage, new.Regions.Storage, material("new location"), minor)
	keyed(d, "regions.transfers", old.Regions.Transfers, new.Regions.Transfers, transferKey, transferKey,
		material("new transfer"), minor, func(string, policy.Transfer, policy.Transfer) {})
	rights(d, old.Rights, new.Rights)
	keyed(d, "staff.justifications", old.Staff.Justifications, new.Staff.Justifications, func(j policy.Justification) string { return j.Key },
		func(j policy.Justification) string { return j.Description }, material("new reason for staff to read personal data"), minor,
		func(path string, a, b policy.Justification) {
			d.value(path, a.Description, b.Description, minor, nil)
			d.flag(path+".approval", a.Approval == policy.ApprovalRequired, b.Approval == policy.ApprovalRequired, false,
				material("staff no longer need a second person's approval"))
		})
	security(d, old.Security, new.Security)
	children(d, old.Children, new.Children)
	signals(d, old, new)
	d.set("changes.notify", channels(old.Changes.Notify), channels(new.Changes.Notify), minor, minor)
	d.value("changes.days_before", strconv.Itoa(old.Changes.DaysBefore), strconv.Itoa(new.Changes.DaysBefore), minor, nil)
	return d.changes
}

func organisation(d *differ, a, b policy.Organisation) {
	d.value("organisation.name", a.Name, b.Name, minor, nil)
	d.value("organisation.contact", a.Contact, b.Contact, minor, nil)
	d.value("organisation.address", a.Address, b.Address, minor, nil)
	d.value("organisation.dpo", contact(a.DPO), contact(b.DPO), minor, nil)
	d.value("organisation.effective", string(a.Effective), string(b.Effective), minor, nil)
	d.value("organisation.version", a.Version, b.Version, minor, nil)
}

func contact(c *policy.Contact) string {
	if c == nil {
		return ""
	}
	return c.Name + " <" + c.Contact + ">"
}

func category(d *differ, path string, a, b policy.Category) {
	d.value(path+".description", a.Description, b.Description, minor, nil)
	d.set(path+".collection", sources(a.Collection), sources(b.Collection), material("collected in a new way"), minor)
	retention(d, path+".retention", a.Retention, b.Retention)
}

// sources names each source with its system and scopes, so a new scope is a
// new source.
func sources(ss []policy.Source) []string {
	var out []string
	for _, s := range ss {
		name := string(s.From)
		if s.From == policy.FromConnected {
			name += " " + string(s.System) + " " + s.Name + " " + sorted(s.Scopes)
		}
		out = append(out, name)
	}
	return out
}

func retention(d *differ, path string, a, b policy.Retention) {
	d.value(path, a.String(), b.String(), material("longer retention"), func() bool { return b.Outlives(a) })
}

func purpose(d *differ, path string, oldP, newP *policy.Policy, a, b policy.Purpose) {
	d.value(path+".description", a.Description, b.Description, minor, nil)
	d.value(path+".basis", string(a.Basis), string(b.Basis), material("weaker legal basis"), func() bool {
		return slices.Index(policy.Bases, b.Basis) > slices.Index(policy.Bases, a.Basis)
	})
	d.set(path+".categories", oldP.Expand(a.Categories), newP.Expand(b.Categories), material("purpose uses more data"), minor)
	d.flag(path+".essential", a.Essential, b.Essential, true, material("continues despite restriction or objection"))
	d.flag(path+".aggregate_only", a.Aggregate, b.Aggregate, false, material("no longer aggregated only"))
	d.flag(path+".user_visible_only", a.UserVisible, b.UserVisible, false, material("no longer limited to features the user sees"))
	d.flag(path+".redact_pii", a.RedactPII, b.RedactPII, false, material("personal data no longer redacted"))
	d.flag(path+".human_access", a.HumanAccess == policy.HumanNever, b.HumanAccess == policy.HumanNever, false, material("staff may now see the data"))
	d.value(path+".withdraw", a.Withdraw, b.Withdraw, minor, nil)
}

func prohibitionKey(x policy.Prohibition) string {
	var kinds []string
	for _, k := range x.Recipients {
		kinds = append(kinds, string(k))
	}
	if x.Use != "" {
		return "use " + x.Use + " " + sorted(x.Categories)
	}
	return "recipients " + sorted(kinds) + " " + sorted(x.Categories)
}

func processor(d *differ, path string, oldP, newP *policy.Policy, a, b policy.Processor) {
	d.value(path+".name", a.Name, b.Name, minor, nil)
	d.value(path+".kind", string(a.Kind), string(b.Kind), material("different kind of recipient"), nil)
	d.set(path+".purposes", a.Purposes, b.Purposes, material("processor serves a new purpose"), minor)
	d.set(path+".categories", oldP.Expand(a.Categories), newP.Expand(b.Categories), material("processor receives more data"), minor)
	d.set(path+".locations", a.Locations, b.Locations, material("new location"), minor)
	retention(d, path+".retention", a.Retention, b.Retention)
	d.flag(path+".train", a.Train, b.Train, true, material("processor may train on the data"))
	var sa, sb []string
	for _, s := range a.Safeguards {
		sa = append(sa, string(s))
	}
	for _, s := range b.Safeguards {
		sb = append(sb, string(s))
	}
	d.set(path+".safeguards", sa, sb, minor, material("safeguard removed"))
	d.flag(path+".redact_pii", a.RedactPII, b.RedactPII, false, material("personal data no longer redacted"))
}

func transferKey(t policy.Transfer) string {
	return fmt.Sprintf("from %s to %s under %s", orAny(sorted(t.From)), sorted(t.To), t.Safeguard)
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

func rights(d *differ, a, b policy.Rights) {
	d.value("rights.verification", a.Verification, b.Verification, minor, nil)
	d.value("rights.contact", a.Contact, b.Contact, minor, nil)
	keyed(d, "rights", a.List(), b.List(), func(r policy.Right) string { return string(r.Kind) },
		func(r policy.Right) string { return r.Deadline.String() }, minor, material("right removed"),
		func(path string, x, y policy.Right) {
			d.value(path+".how", x.How, y.How, minor, nil)
			d.value(path+".deadline", x.Deadline.String(), y.Deadline.String(), material("longer deadline"), func() bool {
				return y.Deadline.Duration() > x.Deadline.Duration()
			})
		})
}

func security(d *differ, a, b policy.Security) {
	d.value("security.encryption_at_rest", string(a.EncryptionAtRest), string(b.EncryptionAtRest), material("different encryption"), nil)
	d.value("security.tls_minimum", string(a.TLSMinimum), string(b.TLSMinimum), material("older TLS accepted"), func() bool {
		return b.TLSMinimum < a.TLSMinimum
	})
	d.value("security.password_hashing", string(a.PasswordHashing), string(b.PasswordHashing), material("password hashing changed"), nil)
	d.value("security.api_key_hashing", string(a.APIKeyHashing), string(b.APIKeyHashing), material("API key hashing changed"), nil)
	d.flag("security.staff_mfa", a.StaffMFA, b.StaffMFA, false, material("staff no longer use multi-factor authentication"))
	d.set("security.measures", a.Measures, b.Measures, minor, material("security measure removed"))
}

func children(d *differ, a, b policy.Children) {
	d.value("children.minimum_age", strconv.Itoa(a.MinimumAge), strconv.Itoa(b.MinimumAge), material("lower minimum age"), func() bool {
		return b.MinimumAge < a.MinimumAge
	})
	d.value("children.below", string(a.Below), string(b.Below), material("children's data kept"), func() bool {
		return b.Below == policy.AgeFlag
	})
	d.value("children.verification", a.Verification, b.Verification, minor, nil)
}

func signals(d *differ, oldP, newP *policy.Policy) {
	a, b := oldP.Signals, newP.Signals
	d.value("signals.do_not_track", string(a.DoNotTrack), string(b.DoNotTrack), material("Do Not Track no longer honored"), func() bool {
		return b.DoNotTrack == policy.Ignored
	})
	d.value("signals.gpc", string(a.GPC), string(b.GPC), material("Global Privacy Control no longer honored"), func() bool {
		return b.GPC == policy.Ignored
	})
	d.set("signals.gpc_uses", gpcUses(a), gpcUses(b), minor, material("Global Privacy Control covers less"))
}

func gpcUses(s policy.Signals) []string {
	if len(s.GPCUses) == 0 {
		return policy.DefaultGPCUses
	}
	return s.GPCUses
}

func channels(cs []policy.Channel) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}
