package main

import (
	"context"
	"strings"

	"github.com/steward-privacy/steward/disclose"
	"github.com/steward-privacy/steward/httpapi"
	"github.com/steward-privacy/steward/vault"
)

// openDisclose wires the sharing gate: the vault decides and decrypts, the
// database keeps the ledger and the one-time links (under a hash keyed from
// the master key), the PII pseudonymizer replaces what a processor may not
// receive in free text, and every link starts with public_url (the listen
// address when unset).
func (a *app) openDisclose(ctx context.Context, v *vault.Vault, o *httpapi.PIIOptions, listenURL string) (*disclose.Service, error) {
	key, err := a.keys.DeriveKey(ctx, "download-links")
	if err != nil {
		return nil, err
	}
	base := a.cfg.PublicURL
	if base == "" {
		base = listenURL
	}
	return disclose.New(disclose.Config{Vault: v, Store: a.db, Pseudonymizer: o.Pseudonymizer, LinkKey: key,
		PublicURL: strings.TrimRight(base, "/"), LinkTTL: a.cfg.DownloadTTL, Now: a.clock})
}
