package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/steward-privacy/steward/backup"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/crypt/keyfile"
)

// restore runs `steward restore`.
func (c *cli) restore(args []string) int {
	if len(args) > 0 && args[0] == "help" {
		fmt.Fprintln(c.stdout, restoreUsage)
		return 0
	}
	var from, keyIn string
	var tombsFrom listFlag
	var noTombs bool
	cfg, rest, err := loadConfig("restore", args, c.getenv, c.stderr, func(fs *flag.FlagSet) {
		fs.Usage = func() { fmt.Fprintln(c.stderr, restoreUsage); fs.PrintDefaults() }
		fs.StringVar(&from, "from", "", "the backup: a folder or s3://HOST/BUCKET/PREFIX")
		fs.StringVar(&keyIn, "master-key", "", "the backup's master key file (copied to master_key_file)")
		fs.Var(&tombsFrom, "tombstones-from", "another tombstone file to merge into the tombstones setting's and replay (repeatable)")
		fs.BoolVar(&noTombs, "no-tombstones", false, "restore without any tombstone file (nobody erased since the backup is erased again)")
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward restore: %v\n", err)
		return 2
	}
	if c.unexpected("restore", rest) {
		return 2
	}
	if from == "" {
		fmt.Fprintln(c.stderr, "steward restore: --from is required (the backup's folder or s3:// location)")
		return 2
	}
	if err := c.runRestore(cfg, from, keyIn, tombsFrom, noTombs); err != nil {
		fmt.Fprintf(c.stderr, "steward restore: %v\n", err)
		return 1
	}
	return 0
}

func (c *cli) runRestore(cfg *Config, from, keyIn string, tombsFrom []string, noTombs bool) error {
	existed, err := emptyFolder(cfg.Data)
	if err != nil {
		return err
	}
	src, err := openTarget(c.ctx, from, c.getenv)
	if err != nil {
		return err
	}
	m, err := backup.ReadManifest(c.ctx, src)
	if err != nil {
		return err
	}
	switch {
	case m.DatabaseIncluded && cfg.Database != "":
		return errors.New("this backup holds a SQLite database: restore it without --database")
	case !m.DatabaseIncluded && cfg.Database == "":
		return errors.New("this backup holds no database (it was made on PostgreSQL): pg_restore the database first, then run steward restore with --database")
	}
	keySrc := cfg.MasterKeyFile
	if keyIn != "" {
		keySrc = keyIn
		if _, err := os.Stat(cfg.MasterKeyFile); err == nil {
			return fmt.Errorf("--master-key: %s exists already; restore never overwrites a master key", cfg.MasterKeyFile)
		}
	}
	if _, err := os.Stat(keySrc); err != nil {
		return fmt.Errorf("no master key at %s: pass --master-key FILE (the file written by backup --with-master-key, or the old DATA/master.key)", keySrc)
	}
	if err := checkBackupKey(c.ctx, keySrc, m); err != nil {
		return err
	}
	if _, err := os.Stat(cfg.Tombstones); err != nil && len(tombsFrom) == 0 && !noTombs {
		return fmt.Errorf("no tombstone file at %s: pass --tombstones FILE (the tombstones setting of the server the backup came from) "+
			"or --tombstones-from FILE, so that people erased after the backup stay erased; --no-tombstones restores without", cfg.Tombstones)
	}
	files, err := openFiles(c.ctx, cfg)
	if err != nil {
		return err
	}
	if empty, err := backup.Empty(c.ctx, files); err != nil {
		return err
	} else if !empty {
		return errors.New("the file store (files setting) is not empty: restore into an empty one")
	}
	view := c.newCopyView(c.stdout)
	err = backup.Restore(c.ctx, src, m, backup.Destination{Data: cfg.Data, Files: files}, view.show)
	view.finish()
	if err == nil && keyIn != "" {
		err = copyKeyFile(keyIn, cfg.MasterKeyFile)
	}
	if err != nil {
		undoRestore(cfg.Data, existed, files)
		return err
	}
	fmt.Fprintf(c.stdout, "restored %d file(s) from %s into %s\n", len(m.Entries), describeTarget(from), cfg.Data)
	n, err := c.replayOnce(cfg, tombsFrom)
	if err != nil {
		return fmt.Errorf("restored, but replaying the erasure tombstones failed (do not serve before it succeeds: steward erasures replay): %w", err)
	}
	fmt.Fprintf(c.stdout, "replayed %d erasure(s) from %s (audit: subject.erase, reason tombstone_replay)\n", n, cfg.Tombstones)
	fmt.Fprintf(c.stdout, "start the server with the same settings, tombstones included: steward serve --data %s --tombstones %s\n", cfg.Data, cfg.Tombstones)
	return nil
}

// emptyFolder refuses a data folder that holds anything; it reports
// whether the folder existed.
func emptyFolder(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("data folder %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return true, fmt.Errorf("data folder %s is not empty (it holds %s): restore only into an empty folder", dir, entries[0].Name())
	}
	return true, nil
}

// checkBackupKey refuses a master key that is not the backup's.
func checkBackupKey(ctx context.Context, path string, m *backup.Manifest) error {
	p, err := keyfile.Open(path)
	if err != nil {
		return err
	}
	check, err := keyCheck(ctx, p)
	if err != nil {
		return err
	}
	if check != m.MasterKeyCheck {
		return fmt.Errorf("the master key %s is not the one this backup was made with", path)
	}
	return nil
}

// undoRestore removes what a failed restore wrote: the data folder held
// nothing before, the file store nothing either.
func undoRestore(data string, existed bool, files blob.Store) {
	ctx := context.Background()
	var keys []string
	_ = files.List(ctx, "", func(i blob.Info) error { keys = append(keys, i.Key); return nil })
	for _, k := range keys {
		_ = files.Delete(ctx, k)
	}
	if !existed {
		_ = os.RemoveAll(data)
		return
	}
	entries, _ := os.ReadDir(data)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(data, e.Name()))
	}
}
