package blackbox

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// signInStaff creates a staff account with the role and returns a client
// signed in as it.
func signInStaff(ctx context.Context, t *testing.T, s *server, log *routeLog, admin *client.Client, email, role string) (*client.Client, string) {
	t.Helper()
	const pass = "a long passphrase for break-glass"
	st := got(admin.CreateStaff(ctx, client.NewStaff{Email: email, Password: pass, Role: role})).must(t)
	tenant := got(admin.WhoAmI(ctx)).must(t).TenantID
	c := newClient(t, s, log, "")
	got(c.Login(ctx, client.Login{TenantID: tenant, Email: email, Password: pass})).must(t)
	return c, st.ID
}

// clientBreakGlass walks break-glass access through the Go client: a
// support agent asks to read a subject's email under the starter policy's
// legal-obligation justification (approval: required); values stay masked
// until a privacy officer other than the requester approves, then come
// back in clear for that agent, subject and justification only; a refused
// grant shows nothing; the note is shown only to audit:read. It also
// records and revokes the subject's agreement to staff access. It returns
// the grant ids and the note, for the audit checks.
func clientBreakGlass(ctx context.Context, t *testing.T, s *server, log *routeLog, admin, app *client.Client, sub string) (grants []string, note string) {
	t.Helper()
	const email = "grace.hopper@example.org"
	note = "Court order 2026-CV-1984 about Grace Hopper"
	if err := app.PutRecord(ctx, sub, "user.contact.email", email); err != nil {
		t.Fatal(err)
	}
	other := got(app.CreateSubject(ctx, client.NewSubject{ExternalID: "break-glass-other"})).must(t).ID
	if err := app.PutRecord(ctx, other, "user.contact.email", "other@example.org"); err != nil {
		t.Fatal(err)
	}
	agent, agentID := signInStaff(ctx, t, s, log, admin, "agent@example.org", "support")
	peer, _ := signInStaff(ctx, t, s, log, admin, "peer@example.org", "support")
	officer, officerID := signInStaff(ctx, t, s, log, admin, "officer@example.org", "privacy_officer")

	read := func(c *client.Client, subject, grant string) client.Value {
		t.Helper()
		return *got(c.GetRecord(ctx, subject, "user.contact.email",
			client.Access{Purpose: "essential.service", Justification: "legal-obligation", Grant: grant})).must(t)
	}
	clear := func(v client.Value) bool {
		var got string
		return !v.Masked && v.Decode(&got) == nil && got == email
	}
	if v := read(agent, sub, ""); !v.Masked {
		t.Fatalf("legal-obligation without a grant: %+v; want masked", v)
	}

	// Bad requests change nothing.
	_, err := app.RequestAccessGrant(ctx, client.NewAccessGrant{Subject: sub, Justification: "legal-obligation"})
	wantCode(t, err, client.EFORBIDDEN) // an API key is no person
	_, err = agent.RequestAccessGrant(ctx, client.NewAccessGrant{Subject: sub, Justification: "security-investigation"})
	wantCode(t, err, client.EINVALID) // needs no approval
	_, err = agent.RequestAccessGrant(ctx, client.NewAccessGrant{Subject: sub, Justification: "legal-obligation", Minutes: 481})
	wantCode(t, err, client.EINVALID)
	_, err = agent.RequestAccessGrant(ctx, client.NewAccessGrant{Subject: "sub_aaaaaaaaaaaaaaaaaaaaaaaaaa", Justification: "legal-obligation"})
	wantCode(t, err, client.EINVALID)
	if l := got(officer.AccessGrants(ctx, "")).must(t); len(l) != 0 {
		t.Fatalf("refused requests left grants: %+v", l)
	}

	g := got(agent.RequestAccessGrant(ctx, client.NewAccessGrant{Subject: sub, Justification: "legal-obligation", Note: note, Minutes: 30})).must(t)
	if g.Status != "requested" || g.RequestedBy != agentID || g.Note != "" {
		t.Fatalf("requested grant: %+v (the note is for audit:read only)", g)
	}
	if v := read(agent, sub, g.ID); !v.Masked {
		t.Fatal("a grant not yet approved showed values in clear")
	}
	_, err = peer.ApproveAccessGrant(ctx, g.ID)
	wantCode(t, err, client.EFORBIDDEN) // not a privacy officer
	_, err = agent.ApproveAccessGrant(ctx, g.ID)
	wantCode(t, err, client.EFORBIDDEN) // the requester
	_, err = admin.ApproveAccessGrant(ctx, g.ID)
	wantCode(t, err, client.EFORBIDDEN) // an API key
	ok := got(officer.ApproveAccessGrant(ctx, g.ID)).must(t)
	if ok.Status != "approved" || ok.DecidedBy != officerID || ok.Note != note ||
		ok.ExpiresAt.Sub(*ok.DecidedAt) != 30*time.Minute {
		t.Fatalf("approved grant: %+v", ok)
	}
	_, err = officer.RefuseAccessGrant(ctx, g.ID)
	wantCode(t, err, client.ECONFLICT)

	if v := read(agent, sub, g.ID); !clear(v) {
		t.Fatalf("the requester under an approved grant: %+v; want the value in clear", v)
	}
	if v := read(peer, sub, g.ID); !v.Masked {
		t.Fatal("another staff member used the grant")
	}
	if v := read(agent, other, g.ID); !v.Masked {
		t.Fatal("the grant covered another subject")
	}
	_, err = agent.GetRecord(ctx, sub, "user.contact.email", client.Access{Purpose: "essential.service", Justification: "security-investigation", Grant: "not-a-grant"})
	wantCode(t, err, client.EINVALID)

	// The note: sealed, shown to audit:read only.
	if v := got(agent.AccessGrant(ctx, g.ID)).must(t); v.Note != "" || v.Status != "approved" {
		t.Fatalf("grant seen by the requester: %+v", v)
	}
	if l := got(officer.AccessGrants(ctx, "approved")).must(t); len(l) != 1 || l[0].ID != g.ID || l[0].Note != note {
		t.Fatalf("approved grants seen by the officer: %+v", l)
	}

	// A refused grant shows nothing.
	r := got(agent.RequestAccessGrant(ctx, client.NewAccessGrant{Subject: other, Justification: "legal-obligation"})).must(t)
	if x := got(officer.RefuseAccessGrant(ctx, r.ID)).must(t); x.Status != "refused" {
		t.Fatalf("refused: %+v", x)
	}
	_, err = officer.ApproveAccessGrant(ctx, r.ID)
	wantCode(t, err, client.ECONFLICT)
	if v := read(agent, other, r.ID); !v.Masked {
		t.Fatal("a refused grant showed values")
	}

	// The person's agreement to staff access.
	if x := got(app.AgreeStaffAccess(ctx, sub)).must(t); !x.StaffAccessAgreed {
		t.Fatalf("agreement not recorded: %+v", x)
	}
	if x := got(app.RevokeStaffAccess(ctx, sub)).must(t); x.StaffAccessAgreed {
		t.Fatalf("agreement not revoked: %+v", x)
	}
	return []string{g.ID, r.ID}, note
}

// TestBreakGlass is break-glass access through the binary (issue 14):
// the rules above, and the audit trail: the request, approval, refusal and
// every read under the grant are events naming the grant, the agreement
// is recorded, and the note never enters the audit log.
func TestBreakGlass(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	log := &routeLog{done: map[string]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := newClient(t, s, log, s.Key)
	app := newClient(t, s, log, s.appKey("records:read", "records:write"))
	sub := got(app.CreateSubject(ctx, client.NewSubject{ExternalID: "break-glass"})).must(t).ID
	ids, note := clientBreakGlass(ctx, t, s, log, admin, app, sub)

	var actions []string
	readsUnderGrant := 0
	for line, err := range admin.ExportAudit(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(line.Raw), "2026-CV-1984") || strings.Contains(string(line.Raw), "Hopper") ||
			strings.Contains(string(line.Raw), note) {
			t.Fatalf("the note reached the audit log: %s", line.Raw)
		}
		if line.Type != "event" {
			continue
		}
		var e client.AuditEvent
		if err := line.Decode(&e); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(e.Action, "access_grant.") || e.Action == "subject.staff_agreement" {
			actions = append(actions, e.Action+" "+e.Target+" "+strings.Join(e.Reasons, ","))
		}
		if e.Action == "record.read" && slices.Contains(e.Reasons, "grant:"+ids[0]) {
			readsUnderGrant++
			if e.Justification != "legal-obligation" {
				t.Errorf("a read under the grant records justification %q", e.Justification)
			}
		}
	}
	for _, want := range []string{"access_grant.request " + ids[0] + " minutes:30", "access_grant.approve " + ids[0],
		"access_grant.note_read " + ids[0], "access_grant.request " + ids[1], "access_grant.refuse " + ids[1],
		"subject.staff_agreement  agreed", "subject.staff_agreement  revoked"} {
		if !slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, want) }) {
			t.Errorf("no audit event %q in %q", want, actions)
		}
	}
	// Reads under the grant: the clear one, the masked one before approval,
	// the other subject's and the peer's.
	if readsUnderGrant < 3 {
		t.Errorf("%d reads name the grant in the audit log; want every read under it", readsUnderGrant)
	}
}
