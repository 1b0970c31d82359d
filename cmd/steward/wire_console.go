package main

import (
	"context"
	"net/http"

	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/console"
	"github.com/steward-privacy/steward/disclose"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/privacycenter"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// openConsole builds the staff web console (nil when the console setting
// switches it off): the same services as the JSON API, CSRF tokens keyed
// by a secret derived from the master key so that replicas agree.
func (a *app) openConsole(ctx context.Context, v *vault.Vault, l *audit.Log, pols *policies.Service,
	cs *consent.Service, gate *disclose.Service, inc *incidents.Service, rights *requests.Service, bg *grants.Service, hs *holds.Service, rot *vault.Rotations) (http.Handler, error) {
	if a.cfg.NoConsole {
		return nil, nil
	}
	key, err := a.keys.DeriveKey(ctx, "console-csrf")
	if err != nil {
		return nil, err
	}
	return console.New(console.Config{Auth: a.auth, Vault: v, Audit: l, Policies: pols, Consent: cs, Disclose: gate, Incidents: inc,
		Requests: rights, Grants: bg, Holds: hs, Rotations: rot, CSRFKey: key, Tenants: a.db.Tenants, Jobs: a.db.Jobs, Logger: a.log, Now: a.clock})
}

// openPrivacyCenter builds the people's privacy center (nil when the
// setting switches it off): the same services as the JSON API, acting as
// the signed-in person; sessions, CSRF tokens and code hashes keyed by a
// secret derived from the master key, so replicas agree.
func (a *app) openPrivacyCenter(ctx context.Context, v *vault.Vault, pols *policies.Service, cs *consent.Service, gate *disclose.Service,
	rights *requests.Service, mailer privacycenter.Mailer) (http.Handler, error) {
	if a.cfg.NoPrivacyCenter {
		return nil, nil
	}
	key, err := a.keys.DeriveKey(ctx, "privacy-center")
	if err != nil {
		return nil, err
	}
	return privacycenter.New(privacycenter.Config{Store: a.db, Vault: v, Consent: cs, Requests: rights, Disclose: gate, Policies: pols,
		Mailer: mailer, Key: key, Logger: a.log, Now: a.clock})
}
