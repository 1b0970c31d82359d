package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/steward-privacy/steward/backup"
	"github.com/steward-privacy/steward/blob/s3"
	"github.com/steward-privacy/steward/crypt"
)

const backupUsage = `usage: steward backup --to DIR|s3://HOST[:PORT]/BUCKET[/PREFIX] [--with-master-key FILE] [settings]

Copies, while the server runs, the SQLite database (a consistent snapshot)
with the audit journal, every encrypted file of the file store, and a
manifest.json with the SHA-256 of each, into DIR or an S3 bucket (both must
be empty). S3 credentials come from STEWARD_BACKUP_S3_ACCESS_KEY and
STEWARD_BACKUP_S3_SECRET_KEY (or STEWARD_BACKUP_S3_SECRET_KEY_FILE), never
from the command line; add ?tls=false for plain HTTP on loopback and
&region=R. The master key is not in a backup: --with-master-key FILE writes
a copy to FILE (0600), which must be outside the backup. Erasure tombstones
are never in a backup. On PostgreSQL the database is not copied (use
pg_dump): the backup holds the files and the manifest. See docs/backup.md.`

const restoreUsage = `usage: steward restore --from DIR|s3://... --data EMPTY_FOLDER [--master-key FILE]
       [--tombstones FILE] [--tombstones-from FILE]... [--no-tombstones] [settings]

Restores a backup into an empty data folder (and an empty file store),
checking every file against the manifest (a damaged file is refused by
name and nothing is left restored), then replays the erasure tombstones
(the tombstones setting, plus any --tombstones-from file merged into it),
so that everyone erased after the backup was taken is erased again before
the server serves. --master-key FILE is the key saved with
--with-master-key (or the old DATA/master.key); it must be the backup's.
Start the server afterwards with the same settings. See docs/backup.md.`

// backup runs `steward backup`.
func (c *cli) backup(args []string) int {
	if len(args) > 0 && args[0] == "help" {
		fmt.Fprintln(c.stdout, backupUsage)
		return 0
	}
	var to, keyOut string
	cfg, rest, err := loadConfig("backup", args, c.getenv, c.stderr, func(fs *flag.FlagSet) {
		fs.Usage = func() { fmt.Fprintln(c.stderr, backupUsage); fs.PrintDefaults() }
		fs.StringVar(&to, "to", "", "the backup's folder, or s3://HOST/BUCKET/PREFIX (must be empty)")
		fs.StringVar(&keyOut, "with-master-key", "", "also write the master key to this file (outside the backup)")
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward backup: %v\n", err)
		return 2
	}
	if c.unexpected("backup", rest) {
		return 2
	}
	if to == "" {
		fmt.Fprintln(c.stderr, "steward backup: --to is required (a new folder, or s3://HOST/BUCKET/PREFIX)")
		return 2
	}
	if err := c.runBackup(cfg, to, keyOut); err != nil {
		fmt.Fprintf(c.stderr, "steward backup: %v\n", err)
		return 1
	}
	return 0
}

func (c *cli) runBackup(cfg *Config, to, keyOut string) error {
	dst, err := openTarget(c.ctx, to, c.getenv)
	if err != nil {
		return err
	}
	hsm := cfg.MasterKeyProvider == "pkcs11"
	if keyOut != "" && hsm {
		return fmt.Errorf("--master-key: the master key is in the HSM and never leaves it; back up the token as its vendor documents")
	}
	if keyOut != "" {
		if err := keyOutsideBackup(keyOut, dst); err != nil {
			return err
		}
	}
	if _, err := os.Stat(cfg.MasterKeyFile); err != nil && !hsm {
		return fmt.Errorf("no master key at %s: is --data (or master_key_file) the server's?", cfg.MasterKeyFile)
	}
	src := backup.Source{Stage: cfg.Data}
	if cfg.Database == "" {
		src.Database = filepath.Join(cfg.Data, "steward.db")
		src.Journal = filepath.Join(cfg.Data, "audit-journal")
		if _, err := os.Stat(src.Database); err != nil {
			return fmt.Errorf("no database at %s: is --data the server's data folder?", src.Database)
		}
	}
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	src.Dialect = a.db.Dialect()
	if src.MasterKeyCheck, err = keyCheck(c.ctx, a.keys); err != nil {
		return err
	}
	if src.Files, err = openFiles(c.ctx, cfg); err != nil {
		return err
	}
	if cfg.Database != "" {
		fmt.Fprintln(c.stdout, "PostgreSQL: the database is NOT in this backup; copy it with pg_dump now (docs/backup.md). Backing up the files and the manifest.")
	}
	view := c.newCopyView(c.stdout)
	m, err := backup.Create(c.ctx, src, dst, view.show)
	view.finish()
	if err != nil {
		return err
	}
	var files, journal int
	var size int64
	for _, e := range m.Entries {
		size += e.Size
		switch {
		case strings.HasPrefix(e.Name, backup.FilesDir+"/"):
			files++
		case strings.HasPrefix(e.Name, backup.JournalDir+"/"):
			journal++
		}
	}
	fmt.Fprintf(c.stdout, "backup written to %s: database %v, %d audit journal file(s), %d encrypted file(s), %d bytes; %s lists the SHA-256 of each\n",
		describeTarget(to), m.DatabaseIncluded, journal, files, size, backup.ManifestName)
	if m.MissingFiles > 0 {
		fmt.Fprintf(c.stdout, "%d file(s) were deleted (erased or expired) while the backup ran and are not in it\n", m.MissingFiles)
	}
	fmt.Fprintln(c.stdout, "not in the backup: the master key, the erasure tombstones (keep both elsewhere)")
	if keyOut != "" {
		if err := copyKeyFile(cfg.MasterKeyFile, keyOut); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "master key written to %s (0600): store it apart from the backup\n", keyOut)
	}
	return nil
}

// keyCheck is the manifest's master key check: a value derived from the
// master key for this purpose only.
func keyCheck(ctx context.Context, d crypt.KeyDeriver) (string, error) {
	k, err := d.DeriveKey(ctx, "backup-key-check")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:16]), nil
}

// openTarget opens a backup folder or an s3://HOST[:PORT]/BUCKET[/PREFIX]
// location, whose credentials come from the environment.
func openTarget(ctx context.Context, to string, getenv func(string) string) (backup.Target, error) {
	rest, ok := strings.CutPrefix(to, "s3://")
	if !ok {
		if strings.Contains(to, "://") {
			return nil, fmt.Errorf("%s: a backup goes to a folder or s3://HOST/BUCKET/PREFIX", describeTarget(to))
		}
		return backup.Dir{Root: to}, nil
	}
	u, err := url.Parse("s3://" + rest)
	if err != nil || u.User != nil {
		return nil, errors.New("s3 location: want s3://HOST[:PORT]/BUCKET[/PREFIX] with credentials in STEWARD_BACKUP_S3_ACCESS_KEY and STEWARD_BACKUP_S3_SECRET_KEY")
	}
	access, secret := getenv("STEWARD_BACKUP_S3_ACCESS_KEY"), getenv("STEWARD_BACKUP_S3_SECRET_KEY")
	if f := getenv("STEWARD_BACKUP_S3_SECRET_KEY_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("STEWARD_BACKUP_S3_SECRET_KEY_FILE: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if access == "" || secret == "" {
		return nil, errors.New("s3 location: set STEWARD_BACKUP_S3_ACCESS_KEY and STEWARD_BACKUP_S3_SECRET_KEY (or _FILE)")
	}
	q := u.Query()
	scheme := "https"
	if q.Get("tls") == "false" {
		scheme = "http"
	}
	q.Del("tls")
	q.Set("create_bucket", "true")
	dsn := url.URL{Scheme: scheme, User: url.UserPassword(access, secret), Host: u.Host, Path: u.Path, RawQuery: q.Encode()}
	cfg, err := s3.ParseDSN(dsn.String())
	if err != nil {
		return nil, err
	}
	if cfg.Prefix != "" && !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	return s3.New(ctx, cfg)
}

// describeTarget names a location without anything secret (s3 locations
// carry none; credentials come from the environment).
func describeTarget(to string) string {
	if u, err := url.Parse(to); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return to
}

// keyOutsideBackup refuses a master key copy inside the backup folder.
func keyOutsideBackup(keyOut string, dst backup.Target) error {
	dir, ok := dst.(backup.Dir)
	if !ok {
		return nil // a bucket: the key file is local
	}
	k, err1 := filepath.Abs(keyOut)
	d, err2 := filepath.Abs(dir.Root)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(k)); err == nil {
		k = filepath.Join(real, filepath.Base(k))
	}
	if real, err := filepath.EvalSymlinks(d); err == nil {
		d = real
	}
	if rel, err := filepath.Rel(d, k); err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("--with-master-key %s is inside the backup %s: the key must be kept apart from the backup (whoever has both reads everything)", keyOut, dir.Root)
	}
	return nil
}

// copyKeyFile copies the master key file to a new file (0600; never over an
// existing one), synced.
func copyKeyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("master key copy: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(to)
		return fmt.Errorf("master key copy: %w", err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// copyView shows a backup or restore: a bar per phase on a terminal, plain
// lines otherwise (a line when a phase starts and when it ends).
type copyView struct {
	c       *cli
	w       io.Writer
	started time.Time
	phase   string
	done    int64
	total   int64
	bar     *progressbar.ProgressBar
}

func (c *cli) newCopyView(w io.Writer) *copyView { return &copyView{c: c, w: w, started: time.Now()} }

func (v *copyView) show(what string, done, total int64) {
	if what != v.phase {
		v.finish()
		v.phase = what
		v.bar = v.c.progressBar(v.w, total, what, what != "database (pages)")
		if v.bar == nil {
			fmt.Fprintf(v.w, "%s: %d to copy\n", what, total)
		}
	}
	v.done, v.total = done, total
	if v.bar != nil {
		_ = v.bar.Set64(done)
	}
}

// finish closes the current phase.
func (v *copyView) finish() {
	if v.phase == "" {
		return
	}
	if v.bar != nil {
		_ = v.bar.Finish()
	} else {
		fmt.Fprintf(v.w, "%s: %d/%d copied (%s)\n", v.phase, v.done, v.total, time.Since(v.started).Round(time.Millisecond))
	}
	v.phase, v.bar = "", nil
}
