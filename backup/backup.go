// Package backup makes and restores steward backups: a consistent online
// copy of the SQLite database (sqlite.Snapshot) with the audit journal files
// that go with it, the encrypted files of the file store, and a manifest
// with the SHA-256 of every file. A backup never contains the master key
// (the command writes it elsewhere only when asked) nor the erasure
// tombstones (package tombstone), which a restore replays so that nobody
// erased after the backup was taken comes back. Everything in a backup is
// as the server keeps it at rest: sealed values, ciphertext files, audit
// events of ids and codes.
//
// On PostgreSQL the database is the operator's to copy (pg_dump); a backup
// then holds the files and the manifest, which says so.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/sqlite"
)

// Format is the manifest's format name.
const Format = "steward-backup/1"

// Names in a backup.
const (
	ManifestName = "manifest.json"
	DatabaseName = "steward.db"
	JournalDir   = "audit-journal"
	FilesDir     = "files"
)

// Manifest describes a backup. It is written last: a backup without one is
// incomplete.
type Manifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Database is "sqlite" or "postgres"; DatabaseIncluded is false on
	// PostgreSQL, whose database the operator copies with pg_dump.
	Database         string `json:"database"`
	DatabaseIncluded bool   `json:"database_included"`
	// MasterKeyCheck identifies the master key the backup needs (a value
	// derived from it for this purpose only; it reveals nothing of the key).
	MasterKeyCheck string `json:"master_key_check"`
	// MissingFiles counts blobs listed in the store but deleted before they
	// were copied (erased or expired meanwhile).
	MissingFiles int     `json:"missing_files"`
	Entries      []Entry `json:"entries"`
}

// Entry is one file of a backup.
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is what Create copies.
type Source struct {
	// Database is the SQLite database file; "" on PostgreSQL.
	Database string
	// Journal is the audit journal folder of a server on SQLite ("" or a
	// missing folder: none).
	Journal string
	// Stage is a private folder on the database's disk where the snapshot is
	// made before it is copied to the target (removed afterwards).
	Stage string
	// Files is the file store.
	Files blob.Store
	// Dialect is "sqlite" or "postgres"; MasterKeyCheck goes into the manifest.
	Dialect        string
	MasterKeyCheck string
}

// Progress reports a step: what is being copied, and bytes (or, for the
// database snapshot, pages) done of total.
type Progress func(what string, done, total int64)

// Create writes a backup of src to dst, which must be empty, and returns
// its manifest.
func Create(ctx context.Context, src Source, dst Target, progress Progress) (*Manifest, error) {
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	if empty, err := Empty(ctx, dst); err != nil {
		return nil, fmt.Errorf("backup target: %w", err)
	} else if !empty {
		return nil, steward.Errorf(steward.ECONFLICT, "the backup target is not empty: write each backup to a new folder or prefix")
	}
	m := &Manifest{Format: Format, CreatedAt: time.Now().UTC(), Database: src.Dialect, MasterKeyCheck: src.MasterKeyCheck}
	if src.Database != "" {
		if err := snapshot(ctx, src, dst, m, progress); err != nil {
			return nil, err
		}
		m.DatabaseIncluded = true
	}
	if err := copyFiles(ctx, src.Files, dst, m, progress); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if _, err := dst.Put(ctx, ManifestName, strings.NewReader(string(b)+"\n")); err != nil {
		return nil, fmt.Errorf("backup: write %s: %w", ManifestName, err)
	}
	return m, nil
}

// snapshot copies the database and, linked while no transaction could
// commit, the audit journal files: the snapshot's journal mark then tells a
// restore which of them are already in the database and which to replay.
// Hard links keep a generation the server transfers and deletes meanwhile.
func snapshot(ctx context.Context, src Source, dst Target, m *Manifest, progress Progress) error {
	stage, err := os.MkdirTemp(src.Stage, ".backup-")
	if err != nil {
		return fmt.Errorf("backup: staging folder: %w", err)
	}
	defer os.RemoveAll(stage)
	linked := filepath.Join(stage, JournalDir)
	hold := func() error { return linkJournal(src.Journal, linked) }
	db := filepath.Join(stage, DatabaseName)
	if err := sqlite.Snapshot(ctx, src.Database, db, hold, func(done, total int) {
		progress("database (pages)", int64(done), int64(total))
	}); err != nil {
		return err
	}
	if err := putFile(ctx, dst, m, DatabaseName, db); err != nil {
		return err
	}
	entries, err := os.ReadDir(linked)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if err := putFile(ctx, dst, m, JournalDir+"/"+e.Name(), filepath.Join(linked, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// linkJournal hard-links the journal's id and generation files into dir.
func linkJournal(journal, dir string) error {
	if journal == "" {
		return nil
	}
	entries, err := os.ReadDir(journal)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != "id" && !strings.HasSuffix(e.Name(), ".journal") {
			continue // the lock, temporary files
		}
		if err := os.Link(filepath.Join(journal, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("audit journal: %w", err)
		}
	}
	return nil
}

// putFile copies a local file into the backup as name.
func putFile(ctx context.Context, dst Target, m *Manifest, name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return put(ctx, dst, m, name, f)
}

// put copies r into the backup as name and records its entry.
func put(ctx context.Context, dst Target, m *Manifest, name string, r io.Reader) error {
	h := sha256.New()
	n, err := dst.Put(ctx, name, io.TeeReader(r, h))
	if err != nil {
		return fmt.Errorf("backup: write %s: %w", name, err)
	}
	m.Entries = append(m.Entries, Entry{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// copyFiles copies every blob of the store (ciphertext) into files/.
func copyFiles(ctx context.Context, files blob.Store, dst Target, m *Manifest, progress Progress) error {
	var infos []blob.Info
	var total int64
	if err := files.List(ctx, "", func(i blob.Info) error {
		infos = append(infos, i)
		total += i.Size
		return nil
	}); err != nil {
		return fmt.Errorf("backup: list files: %w", err)
	}
	var done int64
	progress("files", 0, total)
	for _, i := range infos {
		rc, err := files.Get(ctx, i.Key)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			m.MissingFiles++ // deleted since the listing
			continue
		}
		if err != nil {
			return fmt.Errorf("backup: read file %s: %w", i.Key, err)
		}
		err = put(ctx, dst, m, FilesDir+"/"+i.Key, rc)
		rc.Close()
		if err != nil {
			return err
		}
		done += i.Size
		progress("files", done, total)
	}
	return nil
}

// ReadManifest reads and checks a backup's manifest.
func ReadManifest(ctx context.Context, src Target) (*Manifest, error) {
	rc, err := src.Get(ctx, ManifestName)
	if err != nil {
		return nil, fmt.Errorf("backup: %s: %w (an incomplete backup has none)", ManifestName, err)
	}
	defer rc.Close()
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(rc, 1<<30)).Decode(&m); err != nil {
		return nil, fmt.Errorf("backup: %s is damaged: %v", ManifestName, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup: %s: format %q; this steward reads %q", ManifestName, m.Format, Format)
	}
	for _, e := range m.Entries {
		if blob.ValidateKey(e.Name) != nil || len(e.SHA256) != 64 {
			return nil, fmt.Errorf("backup: %s is damaged: bad entry", ManifestName)
		}
	}
	return &m, nil
}

// Destination is where Restore puts a backup: the (empty) data folder for
// the database and the audit journal, and the (empty) file store.
type Destination struct {
	Data  string
	Files blob.Store
}

// Restore copies every entry of m from src to dst, checking each file's
// size and SHA-256 as it streams: a file that does not match is never
// stored (the store's Put fails and leaves nothing), and Restore stops with
// an error naming it. On error the caller removes what was restored.
func Restore(ctx context.Context, src Target, m *Manifest, dst Destination, progress Progress) error {
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	var total, done int64
	for _, e := range m.Entries {
		total += e.Size
	}
	for _, e := range m.Entries {
		rc, err := src.Get(ctx, e.Name)
		if err != nil {
			return fmt.Errorf("backup: %s: %w", e.Name, err)
		}
		vr := &verifier{r: rc, h: sha256.New(), e: e}
		if key, ok := strings.CutPrefix(e.Name, FilesDir+"/"); ok {
			_, err = dst.Files.Put(ctx, key, vr)
		} else {
			_, err = Dir{Root: dst.Data}.Put(ctx, path.Clean(e.Name), vr)
		}
		rc.Close()
		if err != nil {
			if vr.bad != nil {
				return vr.bad
			}
			return fmt.Errorf("backup: restore %s: %w", e.Name, err)
		}
		done += e.Size
		progress("restore", done, total)
	}
	return nil
}

// ErrCorrupt is wrapped by the error of a file whose size or checksum does
// not match the manifest.
var ErrCorrupt = errors.New("does not match the manifest")

// verifier passes r through and, at its end, fails unless the size and
// SHA-256 are the entry's, so that a store never commits a damaged file.
type verifier struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	e   Entry
	bad error
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n > v.e.Size {
		v.bad = fmt.Errorf("backup: %s is larger than the manifest says: %w", v.e.Name, ErrCorrupt)
		return n, v.bad
	}
	if errors.Is(err, io.EOF) && (v.n != v.e.Size || hex.EncodeToString(v.h.Sum(nil)) != v.e.SHA256) {
		v.bad = fmt.Errorf("backup: %s: checksum %w (damaged or altered); nothing was restored", v.e.Name, ErrCorrupt)
		return n, v.bad
	}
	return n, err
}
