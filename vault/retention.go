package vault

import (
	"context"

	"github.com/steward-privacy/steward"
)

// retentionBatch bounds one pass of the retention job.
const retentionBatch = 500

// ExpireFiles deletes files whose expiry passed (ephemeral files never
// downloaded, files of categories with a retention limit), rows first then
// blobs, each audited as done by the retention job. It returns how many it
// deleted; run it periodically until it returns 0 (G4).
func (v *Vault) ExpireFiles(ctx context.Context) (int, error) {
	now := v.now().UTC()
	files, err := v.store.ExpiredFiles(ctx, now, retentionBatch)
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, v.reportHeld(ctx, "retention.files", func() (int, error) { return v.store.HeldExpired(ctx, "", now, now) })
	}
	n := 0
	for _, f := range files {
		c := &steward.Caller{TenantID: f.TenantID, Kind: steward.ActorSystem, ID: "retention"}
		err := v.deleteFile(ctx, c, f, steward.ActionFileExpire)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue // deleted meanwhile (downloaded, erased)
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// FlushBlobDeletions retries the deletion of blobs whose rows are gone (an
// erasure or delete whose store call failed). Such blobs are undecryptable
// already; this removes the ciphertext too.
func (v *Vault) FlushBlobDeletions(ctx context.Context) (int, error) {
	keys, err := v.store.PendingBlobDeletions(ctx, retentionBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if err := v.files.Delete(ctx, k); err != nil {
			return n, err
		}
		if err := v.store.BlobDeleted(ctx, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ExpireRecords deletes records kept longer than their category's
// retention limit (PT24H for IP addresses, say), each deletion audited as the
// retention job. Categories kept until account deletion or consent
// withdrawal have no limit and are left alone.
func (v *Vault) ExpireRecords(ctx context.Context) (int, error) {
	cats, err := v.store.RecordCategories(ctx)
	if err != nil {
		return 0, err
	}
	n, held := 0, 0
	now := v.now().UTC()
	for _, cat := range cats {
		r, ok := v.Policy().Retention(cat)
		if !ok {
			continue
		}
		limit, ok := r.Limit()
		if !ok || limit <= 0 {
			continue
		}
		gone, err := v.store.ExpireRecords(ctx, cat, now.Add(-limit), now, retentionBatch)
		if err != nil {
			return n, err
		}
		if err := v.auditPurged(ctx, gone); err != nil {
			return n, err
		}
		n += len(gone)
		if len(gone) == 0 && v.held != nil {
			k, err := v.store.HeldExpired(ctx, cat, now.Add(-limit), now)
			if err != nil {
				return n, err
			}
			held += k
		}
	}
	if n == 0 && v.held != nil {
		v.held("retention.records", held)
	}
	return n, nil
}

// ExpirePersonal deletes records kept longer than the retention their
// subject chose for the category (SetRetention), each deletion audited as
// the retention job; records a legal hold covers are kept.
func (v *Vault) ExpirePersonal(ctx context.Context) (int, error) {
	now := v.now().UTC()
	gone, err := v.store.ExpirePersonal(ctx, now, retentionBatch)
	if err != nil {
		return 0, err
	}
	if len(gone) == 0 {
		return 0, v.reportHeld(ctx, "retention.personal", func() (int, error) { return v.store.HeldPersonal(ctx, now) })
	}
	return len(gone), v.auditPurged(ctx, gone)
}

// auditPurged records the retention job's deletion of each record.
func (v *Vault) auditPurged(ctx context.Context, gone []*steward.Record) error {
	for _, rec := range gone {
		c := &steward.Caller{TenantID: rec.TenantID, Kind: steward.ActorSystem, ID: "retention"}
		if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionRetention, SubjectID: rec.SubjectID,
			Categories: []string{rec.Category}, Decision: steward.DecisionAllow}); err != nil {
			return err
		}
	}
	return nil
}

// reportHeld tells Config.RetentionHeld, if set, how many expired items of
// a job's last pass legal holds kept.
func (v *Vault) reportHeld(ctx context.Context, job string, count func() (int, error)) error {
	if v.held == nil {
		return nil
	}
	n, err := count()
	if err != nil {
		return err
	}
	v.held(job, n)
	return nil
}
