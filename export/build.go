package export

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// Manifest lists every entry of a package with its SHA-256; manifest.sig
// signs its exact bytes (see Signature).
type Manifest struct {
	Format        string          `json:"format"`
	SubjectID     string          `json:"subject_id"`
	RequestID     string          `json:"request_id,omitempty"`
	PolicyVersion string          `json:"policy_version"`
	CreatedAt     time.Time       `json:"created_at"`
	Entries       []ManifestEntry `json:"entries"`
}

// ManifestEntry is one file of the package.
type ManifestEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ManifestFormat names the manifest format.
const ManifestFormat = "steward-export/1"

// actor is the system reader of exports in the audit log.
const actor = "export"

// Build makes the package of a subject for a request and stores it; the
// progress callback hears bytes written against the known total of the
// files (values and ledgers are small beside them).
func (s *Service) Build(ctx context.Context, tenantID, subjectID, requestID string, o Options, progress func(done, total int64)) (*Result, error) {
	files, err := s.c.Store.SubjectFiles(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	id := steward.NewID("exp")
	dec, _ := s.c.Policy()
	m := &Manifest{Format: ManifestFormat, SubjectID: subjectID, RequestID: requestID, PolicyVersion: dec.Version(), CreatedAt: s.c.Now().UTC()}
	z := &zipper{m: m}
	size, err := s.c.Vault.SealExport(ctx, tenantID, subjectID, id, func(w io.Writer) error {
		z.w = zip.NewWriter(w)
		if err := s.writeData(ctx, z, tenantID, subjectID, requestID); err != nil {
			return err
		}
		var done int64
		for _, f := range files {
			if err := s.writeFile(ctx, z, f, func(n int64) { done += n; progress(done, total) }); err != nil {
				return err
			}
		}
		if o.RightToKnow {
			if err := z.json("right-to-know.json", rightToKnow(s.c.Policy)); err != nil {
				return err
			}
		}
		if err := s.writeNotice(ctx, z, m.PolicyVersion); err != nil {
			return err
		}
		if err := z.sign(s.c.Signer); err != nil {
			return err
		}
		return z.w.Close()
	})
	if err != nil {
		return nil, err
	}
	token, tokenHash := s.newToken()
	e := &steward.Export{ID: id, TenantID: tenantID, SubjectID: subjectID, RequestID: requestID, BlobKey: id, Size: size,
		Entries: len(m.Entries), ManifestSHA: z.manifestSHA, TokenHash: tokenHash, CreatedAt: m.CreatedAt,
		ExpiresAt: m.CreatedAt.Add(Lifetime)}
	if err := s.c.Store.CreateExport(ctx, e); err != nil {
		_ = s.c.Vault.DeleteExport(context.WithoutCancel(ctx), tenantID, id)
		return nil, err
	}
	sys := steward.WithCaller(ctx, &steward.Caller{TenantID: tenantID, Kind: steward.ActorSystem, ID: actor})
	if err := s.c.Vault.Audit(sys, steward.AuditEvent{Action: steward.ActionExportCreate, SubjectID: subjectID, Target: id,
		Decision: steward.DecisionAllow, Reasons: []string{"request:" + requestID, "entries:" + strconv.Itoa(len(m.Entries))}}); err != nil {
		return nil, err
	}
	return &Result{ID: id, DownloadURL: "/v1/exports/" + token, ExpiresAt: e.ExpiresAt, Entries: e.Entries, Bytes: size,
		ManifestSHA256: e.ManifestSHA}, nil
}

// writeData writes the records (JSON and a CSV per category), consents,
// disclosures and audit events about the subject.
func (s *Service) writeData(ctx context.Context, z *zipper, tenantID, subjectID, requestID string) error {
	values, err := s.c.Vault.AllValues(ctx, tenantID, subjectID, actor, requestID)
	if err != nil {
		return err
	}
	if values == nil {
		values = []vault.Value{}
	}
	if err := z.json("records.json", values); err != nil {
		return err
	}
	for _, v := range values {
		if err := z.csv("records/"+v.Category+".csv", v); err != nil {
			return err
		}
	}
	consents, err := s.c.Store.ConsentHistory(ctx, tenantID, subjectID)
	if err != nil {
		return err
	}
	if err := z.json("consents.json", consentViews(consents)); err != nil {
		return err
	}
	ds, err := s.c.Store.Disclosures(ctx, tenantID, subjectID, 1<<20)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []*steward.Disclosure{}
	}
	if err := z.json("disclosures.json", ds); err != nil {
		return err
	}
	return s.writeAudit(ctx, z, tenantID, subjectID)
}

// writeAudit writes every audit event about the subject, oldest first,
// streamed page by page.
func (s *Service) writeAudit(ctx context.Context, z *zipper, tenantID, subjectID string) error {
	w, err := z.create("audit.json")
	if err != nil {
		return err
	}
	var pages [][]*steward.AuditEvent
	before := int64(0)
	for {
		evs, err := s.c.Store.AuditEvents(ctx, steward.AuditFilter{TenantID: tenantID, SubjectID: subjectID, Before: before, Limit: 1000})
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		pages = append(pages, evs)
		before = evs[len(evs)-1].Seq
		if len(evs) < 1000 {
			break
		}
	}
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	first := true
	for i := len(pages) - 1; i >= 0; i-- {
		for j := len(pages[i]) - 1; j >= 0; j-- {
			e := pages[i][j]
			e.PrevHash, e.Hash = nil, nil
			b, _ := json.Marshal(e)
			if !first {
				if _, err := io.WriteString(w, ",\n"); err != nil {
					return err
				}
			}
			first = false
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}

// writeFile copies one file in its original form.
func (s *Service) writeFile(ctx context.Context, z *zipper, f *steward.FileMeta, progress func(int64)) error {
	r, err := s.c.Vault.FileContent(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := z.create(path.Join("files", f.Category, f.ID))
	if err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			progress(int64(n))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (s *Service) writeNotice(ctx context.Context, z *zipper, version string) error {
	html, err := s.c.Notices.NoticeHTML(ctx, version)
	if err != nil {
		return err
	}
	w, err := z.create("notice.html")
	if err != nil {
		return err
	}
	_, err = w.Write(html)
	return err
}

// zipper writes zip entries, hashing each for the manifest.
type zipper struct {
	w           *zip.Writer
	m           *Manifest
	cur         *hashingWriter
	manifestSHA string
}

type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// create starts an entry (closing the previous one into the manifest).
// Files are stored as they are (images and videos are compressed
// already, and deflating them would only cost time); the rest is
// deflated.
func (z *zipper) create(name string) (io.Writer, error) {
	z.finish()
	method := zip.Deflate
	if strings.HasPrefix(name, "files/") {
		method = zip.Store
	}
	w, err := z.w.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: z.m.CreatedAt})
	if err != nil {
		return nil, err
	}
	z.cur = &hashingWriter{w: w, h: sha256.New()}
	z.m.Entries = append(z.m.Entries, ManifestEntry{Name: name})
	return z.cur, nil
}

// finish records the size and hash of the entry being written.
func (z *zipper) finish() {
	if z.cur == nil {
		return
	}
	e := &z.m.Entries[len(z.m.Entries)-1]
	e.Size, e.SHA256 = z.cur.n, hex.EncodeToString(z.cur.h.Sum(nil))
	z.cur = nil
}

func (z *zipper) json(name string, v any) error {
	w, err := z.create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// csv writes one category's value as CSV: a scalar as one cell, an object
// as one column per field, a list of objects as one row each.
func (z *zipper) csv(name string, v vault.Value) error {
	w, err := z.create(name)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	var rows []map[string]any
	var obj map[string]any
	switch {
	case json.Unmarshal(v.Value, &rows) == nil && len(rows) > 0:
	case json.Unmarshal(v.Value, &obj) == nil:
		rows = []map[string]any{obj}
	default:
		var scalar any
		_ = json.Unmarshal(v.Value, &scalar)
		_ = cw.Write([]string{"category", "value"})
		_ = cw.Write([]string{v.Category, cell(scalar)})
		cw.Flush()
		return cw.Error()
	}
	var cols []string
	for _, r := range rows {
		for k := range r {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	slices.Sort(cols)
	_ = cw.Write(cols)
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = cell(r[c])
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// cell renders a JSON value as a CSV cell; a leading =, +, - or @ is
// quoted with ' so spreadsheets do not run it as a formula.
func cell(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		s = "'" + s
	}
	return s
}

// Signature is manifest.sig: the Ed25519 signature over manifest.json's
// exact bytes, by the key KeyID of GET /v1/audit/public-key.
type Signature struct {
	Algorithm string `json:"algorithm"`
	KeyID     int    `json:"key_id"`
	Signature []byte `json:"signature"`
}

// sign writes manifest.json and manifest.sig, and keeps the manifest's
// bytes' hash.
func (z *zipper) sign(s Signer) error {
	z.finish()
	b := mustJSON(z.m)
	keyID, sig, err := s.SignDetached(b)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	z.manifestSHA = hex.EncodeToString(sum[:])
	for _, f := range []struct {
		name string
		body []byte
	}{{"manifest.json", b}, {"manifest.sig", mustJSON(Signature{Algorithm: "Ed25519", KeyID: keyID, Signature: sig})}} {
		w, err := z.w.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: z.m.CreatedAt})
		if err != nil {
			return err
		}
		if _, err := w.Write(f.body); err != nil {
			return err
		}
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}
