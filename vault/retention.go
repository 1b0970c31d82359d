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
	files, err := v.store.ExpiredFiles(ctx, v.now().UTC(), retentionBatch)
	if err != nil {
		return 0, err
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
	n := 0
	for _, cat := range cats {
		r, ok := v.Policy().Retention(cat)
		if !ok {
			continue
		}
		limit, ok := r.Limit()
		if !ok || limit <= 0 {
			continue
		}
		gone, err := v.store.ExpireRecords(ctx, cat, v.now().Add(-limit), retentionBatch)
		if err != nil {
			return n, err
		}
		for _, rec := range gone {
			c := &steward.Caller{TenantID: rec.TenantID, Kind: steward.ActorSystem, ID: "retention"}
			if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionRetention, SubjectID: rec.SubjectID,
				Categories: []string{cat}, Decision: steward.DecisionAllow}); err != nil {
				return n, err
			}
		}
		n += len(gone)
	}
	return n, nil
}
