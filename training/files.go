package training

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/media"
)

// FileStore lists a subject's files; *sqlstore.DB is one.
type FileStore interface {
	SubjectFiles(ctx context.Context, tenantID, subjectID string) ([]*steward.FileMeta, error)
}

// filesZip writes the files of an export into a sealed zip, opened on the
// first file: each under shard-N/ with a name keyed by the export (never
// the file's id), images without their EXIF, XMP and IPTC metadata.
type filesZip struct {
	s      *Service
	e      *steward.TrainingExport
	pw     *io.PipeWriter
	enc    io.WriteCloser
	zw     *zip.Writer
	done   chan error
	count  int
	closed bool
}

// add writes one file of a subject in a shard, audited as the file's read
// by system:training.
func (z *filesZip) add(ctx context.Context, f *steward.FileMeta, shard int, key []byte) error {
	if z.zw == nil {
		k, err := crypt.NewKey(1, z.s.keyed("export-files", z.e.ID))
		if err != nil {
			return err
		}
		pr, pw := io.Pipe()
		z.pw, z.done = pw, make(chan error, 1)
		go func() {
			_, err := z.s.c.Files.Put(ctx, filesKey(z.e), pr)
			pr.CloseWithError(err)
			z.done <- err
		}()
		if z.enc, err = crypt.NewEncryptWriter(pw, k, filesAAD(z.e)); err != nil {
			return err
		}
		z.zw = zip.NewWriter(z.enc)
	}
	body, err := z.s.c.Vault.FileContent(ctx, f)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := z.s.c.Vault.Audit(ctx, steward.AuditEvent{Action: steward.ActionFileRead, SubjectID: f.SubjectID, Target: f.ID,
		Categories: []string{f.Category}, Decision: steward.DecisionAllow, Reasons: []string{"training_export:" + z.e.ID}}); err != nil {
		return err
	}
	br := bufio.NewReaderSize(body, 64<<10)
	head, _ := br.Peek(16)
	ct := media.Sniff(head)
	name := "shard-" + strconv.Itoa(shard) + "/" + hex.EncodeToString(keyedBytes(key, f.ID)[:10]) + extension(ct)
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return err
	}
	z.count++
	if ct != "" {
		_, err = media.Strip(br, w, ct)
		return err
	}
	_, err = io.Copy(w, br)
	return err
}

// close finishes the zip (nothing when no file was added, or when closed
// already); with err it abandons it.
func (z *filesZip) close(err error) error {
	if z.zw == nil || z.closed {
		return err
	}
	z.closed = true
	if err == nil {
		err = z.zw.Close()
	}
	if cerr := z.enc.Close(); err == nil {
		err = cerr
	}
	z.pw.CloseWithError(err)
	if perr := <-z.done; err == nil {
		err = perr
	}
	return err
}

func extension(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/heic":
		return ".heic"
	case "image/avif":
		return ".avif"
	}
	return ".bin"
}

// exportFiles lists the files of a subject in the export's categories.
func (s *Service) exportFiles(ctx context.Context, e *steward.TrainingExport, subjectID string) ([]*steward.FileMeta, error) {
	fs, ok := s.c.Store.(FileStore)
	if !ok || e.Deidentify == Aggregate {
		return nil, nil
	}
	all, err := fs.SubjectFiles(ctx, e.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, f := range all {
		if slices.ContainsFunc(e.Categories, func(c string) bool { return f.Category == c || strings.HasPrefix(f.Category, c+".") }) {
			out = append(out, f)
		}
	}
	return out, nil
}

func filesKey(e *steward.TrainingExport) string { return e.TenantID + "/training/" + e.ID + ".files" }

func filesAAD(e *steward.TrainingExport) []byte {
	return crypt.AAD{Tenant: e.TenantID, Kind: crypt.KindFile, Name: e.ID, Ref: "training-files"}.Bytes()
}
