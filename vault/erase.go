package vault

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// Evidence is the proof of an erasure returned to the caller and kept in the
// audit log: what was destroyed, when, and the audit sequence number.
type Evidence struct {
	SubjectID      string    `json:"subject_id"`
	ErasedAt       time.Time `json:"erased_at"`
	KeyDestroyed   bool      `json:"data_key_destroyed"`
	Records        int       `json:"records_deleted"`
	Files          int       `json:"files_deleted"`
	FilesPending   int       `json:"files_pending_deletion" doc:"blobs the store could not delete yet; retried by a job (their key is gone)"`
	Consents       int       `json:"consents_deleted"`
	IndexesRemoved bool      `json:"blind_indexes_removed"`
	AuditSeq       int64     `json:"audit_seq"`
	// ModelsAffected are the models trained on a shard that held the
	// person: each a retrain obligation (model, export, shard).
	ModelsAffected []*steward.AffectedModel `json:"models_affected,omitempty"`
}

// EraseHook runs as a subject is erased, before anything is deleted:
// package training turns the person's lineage into retrain obligations.
type EraseHook func(ctx context.Context, tenantID, subjectID string) ([]*steward.AffectedModel, error)

// SetEraseHook sets the hook (the training service is built after the
// vault).
func (v *Vault) SetEraseHook(h EraseHook) { v.eraseHook = h }

// Erase erases a subject (G3): one transaction deletes the subject row, and
// with it the wrapped data key and the blind indexes, its records, file rows
// and consents; the blobs are deleted from the file store (any that fail are
// retried by a job, and are undecryptable already); SQLite's log is then
// checkpointed so the zeroed pages replace the old ones. Cost grows with the
// subject's data, not with the store. With Config.Tombstones, the erasure's
// tombstone is on disk before anything is erased.
func (v *Vault) Erase(ctx context.Context, subjectID string) (*Evidence, error) {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return nil, err
	}
	if err := v.checkHolds(ctx, c, subjectID); err != nil {
		return nil, err
	}
	if v.tombs != nil {
		if err := v.tombs.Append(ctx, c.TenantID, subjectID); err != nil {
			return nil, err
		}
	}
	return v.erase(ctx, c, subjectID, nil)
}

// checkHolds refuses, with ECONFLICT and reason legal_hold (audited as a
// denied erasure), the erasure of a subject a legal hold covers.
func (v *Vault) checkHolds(ctx context.Context, c *steward.Caller, subjectID string) error {
	holds, err := v.store.HoldsOn(ctx, c.TenantID, subjectID, v.now().UTC())
	if err != nil || len(holds) == 0 {
		return err
	}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectErase, SubjectID: subjectID, Target: holds[0].ID,
		Decision: steward.DecisionDeny, Reasons: []string{steward.ReasonLegalHold}}); err != nil {
		return err
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: "a legal hold keeps this subject's data; release the hold first",
		Reasons: []string{steward.ReasonLegalHold}}
}

// ReasonTombstoneReplay is the reason code of the audit event of an erasure
// replayed from a tombstone.
const ReasonTombstoneReplay = "tombstone_replay"

// ReplayActor is the actor of replayed erasures.
const ReplayActor = "tombstone_replay"

// ReplayErasure erases again a subject of a tenant whose erasure a restored
// backup predates (its tombstone is in the tombstone file): the same
// erasure as Erase, by the system actor "system:tombstone_replay", with the
// reason code tombstone_replay in its audit event. It appends no tombstone:
// the subject has one.
func (v *Vault) ReplayErasure(ctx context.Context, tenantID, subjectID string) (*Evidence, error) {
	c := &steward.Caller{TenantID: tenantID, Kind: steward.ActorSystem, ID: ReplayActor}
	return v.erase(ctx, c, subjectID, []string{ReasonTombstoneReplay})
}

func (v *Vault) erase(ctx context.Context, c *steward.Caller, subjectID string, reasons []string) (*Evidence, error) {
	now := v.now().UTC()
	var affected []*steward.AffectedModel
	if v.eraseHook != nil {
		if _, err := v.store.Subject(ctx, c.TenantID, subjectID); err != nil {
			return nil, err
		}
		var err error
		if affected, err = v.eraseHook(ctx, c.TenantID, subjectID); err != nil {
			return nil, err
		}
	}
	er, err := v.store.EraseSubject(ctx, c.TenantID, subjectID, now)
	if err != nil {
		return nil, err
	}
	ev := &Evidence{SubjectID: subjectID, ErasedAt: now, KeyDestroyed: true, Records: er.Records, Files: er.Files,
		Consents: er.Consents, IndexesRemoved: true, ModelsAffected: affected}
	dctx := context.WithoutCancel(ctx)
	for _, k := range er.BlobKeys {
		if err := v.files.Delete(dctx, k); err != nil {
			ev.FilesPending++
			continue
		}
		_ = v.store.BlobDeleted(dctx, k)
	}
	if v.after != nil {
		if err := v.after(dctx); err != nil {
			return nil, err
		}
	}
	seq, err := v.recordChained(dctx, c, steward.AuditEvent{Action: steward.ActionSubjectErase, SubjectID: subjectID,
		Decision: steward.DecisionAllow, Reasons: reasons})
	if err != nil {
		return nil, err
	}
	ev.AuditSeq = seq
	return ev, nil
}
