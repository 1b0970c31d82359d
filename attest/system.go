package attest

import (
	"context"
	"fmt"
)

// checkRights: rights requests answered within their deadlines. Rights
// requests are recorded by the requests capability; until a tenant has
// any, the line is not applicable.
func checkRights(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "rights", Says: "requests to exercise a right are answered within their deadlines"}
	if r.c.Rights == nil {
		l.Status, l.Evidence = NotApplicable, "this server records no rights requests"
		return l, nil
	}
	return r.c.Rights(ctx, r.tenant, r.since, r.now)
}

// checkIncidents: personal data breaches notified to the regulator within
// 72 hours.
func checkIncidents(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "incidents", Says: "personal data breaches are notified within 72 hours"}
	if r.c.Incidents == nil {
		l.Status, l.Evidence = NotApplicable, "this server records no incidents"
		return l, nil
	}
	return r.c.Incidents(ctx, r.tenant, r.since, r.now)
}

// checkAuditChain: the tenant's audit chain verifies (hashes, signed
// checkpoints).
func checkAuditChain(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "audit_chain", Says: "every use of personal data is recorded in a tamper-evident log"}
	ok, detail, err := r.c.VerifyChain(ctx, r.tenant)
	if err != nil {
		return l, err
	}
	l.Status, l.Evidence = Kept, detail
	if !ok {
		l.Status, l.Broken, l.Breaking = Broken, 1, []string{"audit_chain:" + r.tenant}
	}
	return l, nil
}

// checkStaffMFA: when the policy promises it, every active staff account
// signs in with a second factor.
func checkStaffMFA(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "staff_mfa", Says: "staff sign in with multi-factor authentication"}
	if !r.pol.Security.StaffMFA {
		l.Status, l.Evidence = NotApplicable, "the policy does not promise staff MFA"
		return l, nil
	}
	staff, err := r.c.Store.StaffList(ctx, r.tenant)
	if err != nil {
		return l, err
	}
	var bad []string
	active := 0
	for _, s := range staff {
		if s.DisabledAt != nil {
			continue
		}
		active++
		if !s.TOTPEnabled {
			bad = append(bad, s.ID)
		}
	}
	l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
	l.Evidence = fmt.Sprintf("%d active staff accounts, %d without a second factor enrolled (the server refuses them everything but enrolment)", active, len(bad))
	return l, nil
}

// checkTLS: the server accepts nothing below the promised TLS version.
func checkTLS(_ context.Context, r *run) (Line, error) {
	want := string(r.pol.Security.TLSMinimum)
	l := Line{Promise: "tls_minimum", Says: "data in transit is protected with TLS " + want + " or later"}
	s := r.c.Settings
	switch {
	case want == "":
		l.Status, l.Evidence = NotApplicable, "the policy promises no TLS version"
	case s.TLS && s.TLSMinimum >= want:
		l.Status, l.Evidence = Kept, "steward terminates TLS itself and accepts TLS "+s.TLSMinimum+" and later only"
	case s.TLS:
		l.Status, l.Broken, l.Breaking = Broken, 1, []string{"tls_minimum:" + s.TLSMinimum}
		l.Evidence = "steward accepts TLS " + s.TLSMinimum + ", below the promise"
	case s.InsecureHTTP:
		l.Status, l.Evidence = NotApplicable, "TLS terminates at a proxy in front of steward (insecure_http); steward cannot see its settings"
	default:
		l.Status, l.Evidence = NotApplicable, "steward serves plain HTTP on a loopback address only; nothing leaves the machine"
	}
	return l, nil
}
