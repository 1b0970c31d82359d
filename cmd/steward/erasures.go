package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/steward-privacy/steward/tombstone"
	"github.com/steward-privacy/steward/vault"
)

// openTombstones opens the configured tombstone file (creating it), with
// the key derived from the master key provider.
func (a *app) openTombstones(ctx context.Context) (*tombstone.File, error) {
	key, err := a.keys.DeriveKey(ctx, tombstone.KeyLabel)
	if err != nil {
		return nil, err
	}
	h, err := tombstone.NewHasher(key)
	if err != nil {
		return nil, err
	}
	return tombstone.Open(a.cfg.Tombstones, h)
}

// mergeTombstones adds the tombstones of other files (an old server's, or
// each replica's) to the configured one: a restore carries them over, so
// the next restore of an old backup finds them too. It never removes any.
func mergeTombstones(into *tombstone.File, files []string) (int, error) {
	added := 0
	for _, f := range files {
		set, err := tombstone.Read(f)
		if err != nil {
			return added, err
		}
		n, err := into.Merge(set)
		if err != nil {
			return added, err
		}
		added += n
	}
	return added, nil
}

// replayErasures erases again every subject of the database with a
// tombstone (as system:tombstone_replay, audited with the reason code
// tombstone_replay) and returns how many.
func (a *app) replayErasures(ctx context.Context, v *vault.Vault, tombs *tombstone.File) (int, error) {
	started := time.Now()
	n, err := tombstone.Replay(ctx, tombs.Set(), tombs.Hasher(), a.db.EachSubject,
		func(ctx context.Context, tenantID, subjectID string) error {
			_, err := v.ReplayErasure(ctx, tenantID, subjectID)
			return err
		})
	a.log.Info("erasure tombstones checked", "tombstones", tombs.Len(), "replayed", n,
		"took", time.Since(started).Round(time.Millisecond).String())
	return n, err
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

const erasuresUsage = `usage: steward erasures replay [--tombstones FILE]... [settings]

Erases again every subject of the database whose erasure is recorded in the
tombstone file (the tombstones setting, default DATA/erasure-tombstones) or
in the files given with --tombstones (merged into it first): run it after
restoring a PostgreSQL database with pg_restore, or files into S3, from a
backup older than some erasures. Each replayed erasure destroys the
subject's key, rows and files and is audited (actor system:tombstone_replay,
reason tombstone_replay). On SQLite, stop the server first; steward restore
and steward serve replay by themselves.`

// erasures runs `steward erasures replay`.
func (c *cli) erasures(args []string) int {
	return c.dispatch("erasures", args, text(erasuresUsage), map[string]func([]string) int{
		"replay": c.erasuresReplay,
	})
}

func (c *cli) erasuresReplay(args []string) int {
	var from listFlag
	cfg, rest, err := loadConfig("erasures replay", args, c.getenv, c.stderr, func(fs *flag.FlagSet) {
		fs.Var(&from, "tombstones-from", "another tombstone file to merge and replay (repeatable)")
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward erasures replay: %v\n", err)
		return 2
	}
	if c.unexpected("erasures replay", rest) {
		return 2
	}
	n, err := c.replayOnce(cfg, from)
	if err != nil {
		fmt.Fprintf(c.stderr, "steward erasures replay: %v\n", err)
		return 1
	}
	fmt.Fprintf(c.stdout, "replayed %d erasure(s) from %s\n", n, cfg.Tombstones)
	return 0
}

// replayOnce opens the data folder or database like the server (on SQLite
// its audit journal, whose lock refuses a running server), merges the
// given tombstone files and replays.
func (c *cli) replayOnce(cfg *Config, from []string) (int, error) {
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	tombs, err := a.openTombstones(c.ctx)
	if err != nil {
		return 0, err
	}
	defer tombs.Close()
	if _, err := mergeTombstones(tombs, from); err != nil {
		return 0, err
	}
	_, decider, err := loadPolicy(cfg)
	if err != nil {
		return 0, err
	}
	auditLog, err := a.openServerAudit(c.ctx)
	if err != nil {
		return 0, fmt.Errorf("audit log: %w", err)
	}
	defer auditLog.Close()
	a.tombs = tombs
	v, err := a.openVault(c.ctx, decider, auditLog, nil)
	if err != nil {
		return 0, err
	}
	return a.replayErasures(c.ctx, v, tombs)
}
