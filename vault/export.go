package vault

import (
	"context"
	"io"
	"strconv"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// The right of access (package export) reads everything held about a
// person, whatever the purposes: the methods below serve it, as the
// system reader named by actor ("requests", say), each read audited.

// AllValues decrypts every record of a subject for their own right of
// access, in category order, audited as subject.export with the
// categories (Target: what it is for, e.g. the request id).
func (v *Vault) AllValues(ctx context.Context, tenantID, subjectID, actor, target string) ([]Value, error) {
	s, err := v.store.Subject(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	recs, err := v.store.Records(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	out := make([]Value, 0, len(recs))
	var cats []string
	if len(recs) > 0 {
		dk, err := v.dataKey(ctx, s)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			plain, err := crypt.Open(dk, r.Sealed, recordAAD(s, r.Category))
			if err != nil {
				return nil, err
			}
			out = append(out, Value{Category: r.Category, Value: plain})
			cats = append(cats, r.Category)
		}
	}
	c := &steward.Caller{TenantID: tenantID, Kind: steward.ActorSystem, ID: actor}
	e := steward.AuditEvent{Action: steward.ActionSubjectExport, SubjectID: s.ID, Categories: cats, Target: target,
		Decision: steward.DecisionAllow, Reasons: []string{"categories:" + strconv.Itoa(len(cats))}}
	if len(cats) > 64 { // an event lists at most 64: the count says how many
		e.Categories = cats[:64]
	}
	if _, err := v.record(ctx, c, e); err != nil {
		return nil, err
	}
	return out, nil
}

// FileContent returns a reader of a stored file's plaintext for the
// subject's own right of access (the caller audits the export as a whole).
func (v *Vault) FileContent(ctx context.Context, f *steward.FileMeta) (io.ReadCloser, error) {
	s, err := v.store.Subject(ctx, f.TenantID, f.SubjectID)
	if err != nil {
		return nil, err
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return nil, err
	}
	raw, err := v.files.Get(ctx, f.BlobKey)
	if err != nil {
		return nil, err
	}
	plain, err := crypt.NewDecryptReader(raw, func(uint32) (*crypt.Key, error) { return dk, nil }, fileAAD(f))
	if err != nil {
		raw.Close()
		return nil, err
	}
	return readCloser{plain, raw}, nil
}

// exportAAD binds an export blob to its tenant, subject and id.
func exportAAD(tenantID, subjectID, exportID string) []byte {
	return crypt.AAD{Tenant: tenantID, Subject: subjectID, Kind: crypt.KindFile, Name: exportID, Ref: "export"}.Bytes()
}

// ExportBlobKey is where an export package is stored: apart from the
// files (TENANT/files/...), so crash reconciliation never takes it for an
// orphaned file.
func ExportBlobKey(tenantID, exportID string) string { return tenantID + "/exports/" + exportID }

// SealExport streams what fill writes, encrypted under the subject's data
// key, into the file store at ExportBlobKey; it returns the plaintext size.
// Three goroutines share the work so that building, encrypting and storing
// overlap on separate cores: fill writes the plaintext into a pipe, an
// encryptor seals it into a second pipe, and the file store reads that.
func (v *Vault) SealExport(ctx context.Context, tenantID, subjectID, exportID string, fill func(w io.Writer) error) (int64, error) {
	dk, err := v.subjectKey(ctx, tenantID, subjectID)
	if err != nil {
		return 0, err
	}
	plainR, plainW := io.Pipe()
	sealedR, sealedW := io.Pipe()
	var n int64
	go func() {
		cw := &counter{w: plainW}
		err := fill(cw)
		n = cw.n
		plainW.CloseWithError(err) // nil: EOF for the encryptor
	}()
	go func() {
		w, err := crypt.NewEncryptWriter(sealedW, dk, exportAAD(tenantID, subjectID, exportID))
		if err == nil {
			_, err = io.Copy(w, plainR)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		plainR.CloseWithError(err) // stops fill if sealing failed
		sealedW.CloseWithError(err)
	}()
	if _, err := v.files.Put(ctx, ExportBlobKey(tenantID, exportID), sealedR); err != nil {
		sealedR.CloseWithError(err)
		return 0, err
	}
	return n, nil
}

// OpenExport returns a reader of an export package's plaintext; it fails
// once the subject is erased (their key is gone).
func (v *Vault) OpenExport(ctx context.Context, tenantID, subjectID, exportID string) (io.ReadCloser, error) {
	dk, err := v.subjectKey(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	raw, err := v.files.Get(ctx, ExportBlobKey(tenantID, exportID))
	if err != nil {
		return nil, err
	}
	plain, err := crypt.NewDecryptReader(raw, func(uint32) (*crypt.Key, error) { return dk, nil }, exportAAD(tenantID, subjectID, exportID))
	if err != nil {
		raw.Close()
		return nil, err
	}
	return readCloser{plain, raw}, nil
}

// DeleteExport deletes an export package's blob.
func (v *Vault) DeleteExport(ctx context.Context, tenantID, exportID string) error {
	return v.files.Delete(ctx, ExportBlobKey(tenantID, exportID))
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
