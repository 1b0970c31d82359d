package export

import (
	"context"
	"crypto/subtle"
	"io"

	"github.com/steward-privacy/steward"
)

// Download opens the package a token names, until it expires (the person
// may download it again if a download failed). The token is the
// credential: an unknown, expired or erased package is one ENOTFOUND.
// Each download is audited by the package's id.
func (s *Service) Download(ctx context.Context, token string) (*steward.Export, io.ReadCloser, error) {
	if !wellFormed(token) {
		return nil, nil, errNoExport
	}
	h := s.hash(token)
	e, err := s.c.Store.ExportByToken(ctx, h)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, errNoExport
	}
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare(e.TokenHash, h) != 1 || !s.c.Now().Before(e.ExpiresAt) {
		return nil, nil, errNoExport
	}
	body, err := s.c.Vault.OpenExport(ctx, e.TenantID, e.SubjectID, e.ID)
	if err != nil {
		if code := steward.ErrorCode(err); code == steward.ENOTFOUND || code == steward.EINTERNAL {
			return nil, nil, errNoExport // erased since: the key that opened it is gone
		}
		return nil, nil, err
	}
	ctx = steward.WithCaller(ctx, &steward.Caller{TenantID: e.TenantID, Kind: steward.ActorSubject, ID: e.SubjectID})
	if err := s.c.Vault.Audit(ctx, steward.AuditEvent{Action: steward.ActionExportDownload, SubjectID: e.SubjectID, Target: e.ID,
		Decision: steward.DecisionAllow}); err != nil {
		body.Close()
		return nil, nil, err
	}
	_ = s.c.Store.MarkExportDownloaded(ctx, e.ID, s.c.Now().UTC())
	return e, body, nil
}

// Purge deletes expired packages (blob and row), each audited; it returns
// how many it deleted. The job "exports.purge" runs it.
func (s *Service) Purge(ctx context.Context) (int, error) {
	gone, err := s.c.Store.ExpiredExports(ctx, s.c.Now(), 100)
	if err != nil {
		return 0, err
	}
	for _, e := range gone {
		if err := s.c.Vault.DeleteExport(ctx, e.TenantID, e.ID); err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return 0, err
		}
		if err := s.c.Store.DeleteExport(ctx, e.ID); err != nil {
			return 0, err
		}
		sys := steward.WithCaller(ctx, &steward.Caller{TenantID: e.TenantID, Kind: steward.ActorSystem, ID: "exports"})
		if err := s.c.Vault.Audit(sys, steward.AuditEvent{Action: steward.ActionExportDelete, SubjectID: e.SubjectID, Target: e.ID,
			Decision: steward.DecisionAllow, Reasons: []string{"expired"}}); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}
