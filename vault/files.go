package vault

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// FileView describes a stored file.
type FileView struct {
	ID        string     `json:"id"`
	SubjectID string     `json:"subject_id"`
	Category  string     `json:"category"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"`
	Ephemeral bool       `json:"ephemeral"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Obligations are the conditions of the decision that allowed this
	// read (a file disclosed for a purpose that asks for de-identification
	// leaves without its embedded metadata); never serialized.
	Obligations policy.Obligations `json:"-"`
}

func fileAAD(f *steward.FileMeta) []byte {
	return crypt.AAD{Tenant: f.TenantID, Subject: f.SubjectID, Kind: crypt.KindFile, Name: f.ID}.Bytes()
}

func shaAAD(f *steward.FileMeta) []byte {
	return crypt.AAD{Tenant: f.TenantID, Subject: f.SubjectID, Kind: crypt.KindFile, Name: f.ID, Ref: "sha256"}.Bytes()
}

// blobKey names a file's blob: ids only, never personal data.
func blobKey(tenant, fileID string) string { return tenant + "/files/" + fileID }

// ParseBlobKey splits a blob key of the vault's layout (TENANT/files/FILE)
// into the tenant and file ids; ok is false for any other key.
func ParseBlobKey(key string) (tenantID, fileID string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || parts[1] != "files" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// countingHash hashes and counts the plaintext on its way to encryption.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// PutFile streams body into the file store, encrypted in segments under the
// subject's data key; memory stays bounded whatever the size. An ephemeral
// file is deleted after its first complete download, or by the retention job
// after the ephemeral TTL. Files of a category with a retention limit expire
// after it.
func (v *Vault) PutFile(ctx context.Context, subjectID, category string, ephemeral bool, body io.Reader) (*FileView, error) {
	c, err := require(ctx, steward.ScopeFilesWrite)
	if err != nil {
		return nil, err
	}
	if err := v.checkCategory(category); err != nil {
		return nil, err
	}
	s, err := v.store.Subject(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	body, err = nonEmpty(body)
	if err != nil {
		return nil, err
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return nil, err
	}
	now := v.now().UTC()
	f := &steward.FileMeta{ID: steward.NewID("fil"), TenantID: c.TenantID, SubjectID: s.ID, Category: category,
		Ephemeral: ephemeral, CreatedAt: now}
	f.BlobKey = blobKey(f.TenantID, f.ID)
	if exp, ok := v.expiry(category, ephemeral, now); ok {
		f.ExpiresAt = &exp
	}
	sum := &countingHash{h: sha256.New()}
	pr, pw := io.Pipe()
	go func() {
		w, err := crypt.NewEncryptWriter(pw, dk, fileAAD(f))
		if err == nil {
			_, err = io.Copy(w, io.TeeReader(body, sum))
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		pw.CloseWithError(err)
	}()
	if _, err := v.files.Put(ctx, f.BlobKey, pr); err != nil {
		pr.CloseWithError(err)
		return nil, uploadError(err)
	}
	f.Size = sum.n
	digest := sum.h.Sum(nil)
	f.SealedSHA = crypt.Seal(dk, digest, shaAAD(f))
	if err := v.store.CreateFile(ctx, f); err != nil {
		_ = v.files.Delete(context.WithoutCancel(ctx), f.BlobKey)
		return nil, err
	}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionFileWrite, SubjectID: s.ID, Target: f.ID,
		Categories: []string{category}, Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	return &FileView{ID: f.ID, SubjectID: s.ID, Category: category, Size: f.Size, SHA256: hex.EncodeToString(digest),
		Ephemeral: ephemeral, CreatedAt: now, ExpiresAt: f.ExpiresAt}, nil
}

// nonEmpty refuses an upload without a single byte (an empty file is a
// client mistake, such as a path that named no file) before anything is
// stored, and returns a reader that still yields the first byte.
func nonEmpty(body io.Reader) (io.Reader, error) {
	br := bufio.NewReader(body)
	if _, err := br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, steward.Invalid("body", "the file is empty: upload at least one byte")
		}
		return nil, uploadError(err)
	}
	return br, nil
}

// uploadError keeps the client's own failures (a body over the limit, a
// dropped connection) from looking like server errors.
func uploadError(err error) error {
	var se *steward.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) {
		return &steward.Error{Code: steward.EINVALID, Message: "the upload was interrupted", Cause: err}
	}
	return err
}

// expiry computes when a new file must go: the ephemeral TTL, or the
// category's retention limit when it has one.
func (v *Vault) expiry(category string, ephemeral bool, now time.Time) (time.Time, bool) {
	if ephemeral {
		return now.Add(v.ttl), true
	}
	if r, ok := v.Policy().Retention(category); ok {
		if d, ok := r.Limit(); ok && d > 0 {
			return now.Add(d), true
		}
	}
	return time.Time{}, false
}

// OpenFile checks the purpose and returns the file's description and a
// reader of its plaintext. The reader fails, never returns wrong data, if
// the stored ciphertext was altered. done must be called with whether the
// whole file was delivered: an ephemeral file is then deleted.
func (v *Vault) OpenFile(ctx context.Context, fileID string, a Access) (*FileView, io.ReadCloser, func(delivered bool), error) {
	c, err := require(ctx, steward.ScopeFilesRead)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := v.checkAccess(c, a); err != nil {
		return nil, nil, nil, err
	}
	f, err := v.store.File(ctx, c.TenantID, fileID)
	if err != nil {
		return nil, nil, nil, err
	}
	if f.ExpiresAt != nil && !v.now().Before(*f.ExpiresAt) {
		return nil, nil, nil, steward.Errorf(steward.ENOTFOUND, "file not found")
	}
	s, err := v.store.Subject(ctx, c.TenantID, f.SubjectID)
	if err != nil {
		return nil, nil, nil, err
	}
	event := steward.AuditEvent{Action: steward.ActionFileRead, SubjectID: s.ID, Target: f.ID, Categories: []string{f.Category},
		Purpose: a.Purpose, Justification: a.Justification, Reasons: a.auditReasons()}
	d, err := v.decide(ctx, c, s, a, event.Categories)
	if err != nil {
		return nil, nil, nil, err
	}
	if !d.Allowed {
		return nil, nil, nil, v.denied(ctx, c, event, d)
	}
	if mustMask(d) {
		// A file cannot be shown masked: staff need an accepted justification.
		d.Allowed = false
		return nil, nil, nil, v.denied(ctx, c, event, d)
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return nil, nil, nil, err
	}
	digest, err := crypt.Open(dk, f.SealedSHA, shaAAD(f))
	if err != nil {
		return nil, nil, nil, err
	}
	raw, err := v.files.Get(ctx, f.BlobKey)
	if err != nil {
		return nil, nil, nil, err
	}
	plain, err := crypt.NewDecryptReader(raw, func(uint32) (*crypt.Key, error) { return dk, nil }, fileAAD(f))
	if err != nil {
		raw.Close()
		return nil, nil, nil, err
	}
	event.Decision, event.Reasons = steward.DecisionAllow, append(event.Reasons, d.Codes()...)
	if _, err := v.record(ctx, c, event); err != nil {
		raw.Close()
		return nil, nil, nil, err
	}
	done := func(delivered bool) {
		if delivered && f.Ephemeral {
			// Deleted after the first complete download: the row first (so a
			// second download fails at once), then the blob.
			_ = v.deleteFile(context.WithoutCancel(ctx), c, f, steward.ActionFileExpire)
		}
	}
	view := &FileView{ID: f.ID, SubjectID: f.SubjectID, Category: f.Category, Size: f.Size, SHA256: hex.EncodeToString(digest),
		Ephemeral: f.Ephemeral, CreatedAt: f.CreatedAt, ExpiresAt: f.ExpiresAt, Obligations: d.Obligations}
	return view, readCloser{plain, raw}, done, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// DeleteFile deletes a file.
func (v *Vault) DeleteFile(ctx context.Context, fileID string) error {
	c, err := require(ctx, steward.ScopeFilesWrite)
	if err != nil {
		return err
	}
	f, err := v.store.File(ctx, c.TenantID, fileID)
	if err != nil {
		return err
	}
	return v.deleteFile(ctx, c, f, steward.ActionFileDelete)
}

// deleteFile removes the row (queuing the blob), then the blob, and audits.
func (v *Vault) deleteFile(ctx context.Context, c *steward.Caller, f *steward.FileMeta, action string) error {
	if err := v.store.DeleteFile(ctx, f.TenantID, f.ID, v.now().UTC()); err != nil {
		return err
	}
	if err := v.files.Delete(ctx, f.BlobKey); err == nil {
		_ = v.store.BlobDeleted(ctx, f.BlobKey)
	}
	_, err := v.record(ctx, c, steward.AuditEvent{Action: action, SubjectID: f.SubjectID, Target: f.ID,
		Categories: []string{f.Category}, Decision: steward.DecisionAllow})
	return err
}

// FileSummary is what a listing shows of a file: never its content or its
// digest.
type FileSummary struct {
	ID        string     `json:"id"`
	Category  string     `json:"category"`
	Size      int64      `json:"size"`
	Ephemeral bool       `json:"ephemeral"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// ListFiles lists a subject's files (scope files:read): metadata only,
// for the console's person page.
func (v *Vault) ListFiles(ctx context.Context, subjectID string) ([]FileSummary, error) {
	c, err := require(ctx, steward.ScopeFilesRead)
	if err != nil {
		return nil, err
	}
	fs, err := v.store.SubjectFiles(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	out := make([]FileSummary, len(fs))
	for i, f := range fs {
		out[i] = FileSummary{ID: f.ID, Category: f.Category, Size: f.Size, Ephemeral: f.Ephemeral, CreatedAt: f.CreatedAt, ExpiresAt: f.ExpiresAt}
	}
	return out, nil
}
