package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/crypt/keyfile"
	"github.com/steward-privacy/steward/crypt/pkcs11"
	"github.com/steward-privacy/steward/password"
	"github.com/steward-privacy/steward/postgres"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/sqlstore"
	"github.com/steward-privacy/steward/tombstone"
)

// app is the wired engine shared by `steward serve` and the commands that
// work on the same data folder (apikey, audit, keys).
type app struct {
	cfg   *Config
	log   *slog.Logger
	keys  keyProvider
	db    *sqlstore.DB
	auth  *auth.StaffAuth
	clock func() time.Time
	// tombs, when set, records erasures (openVault wires it into the vault).
	tombs *tombstone.File
	// files is the file store, once openVault opened it.
	files blob.Store
	// requests is the rights request service, once openRequests made it
	// (the scheduler runs its runner).
	requests *requests.Service
}

// keyProvider is the master key provider: it wraps tenant keys and derives
// server-wide secrets (the key file today, an HSM later).
type keyProvider interface {
	crypt.KeyProvider
	crypt.KeyDeriver
}

// openApp opens the data folder, the master key and the database.
func openApp(ctx context.Context, cfg *Config, logOut io.Writer) (*app, error) {
	log, err := newLogger(cfg, logOut)
	if err != nil {
		return nil, err
	}
	restrictNewFiles()
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", cfg.Data, err)
	}
	provider, err := openKeyProvider(cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	var db *sqlstore.DB
	if cfg.Database == "" {
		db, err = sqlite.Open(ctx, filepath.Join(cfg.Data, "steward.db"))
	} else {
		db, err = postgres.Open(ctx, cfg.Database)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Database != "" {
		// Replicas share the database: the subject cache hears every
		// replica's (and command's) changes within milliseconds.
		db.CacheSubjectsShared(postgres.NewInvalidations(cfg.Database, log), sqlstore.SharedCacheOptions{
			TTL: subjectCacheTTL, ShortTTL: subjectCacheShortTTL, Logger: log})
	}
	a := &app{cfg: cfg, log: log, keys: provider, db: db, clock: time.Now}
	if err := a.wireAuth(ctx, provider); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// wireAuth derives the server secrets from the master key provider and
// builds the auth service.
func (a *app) wireAuth(ctx context.Context, d crypt.KeyDeriver) error {
	secret := func(label string) (crypt.Secret, error) { return d.DeriveKey(ctx, label) }
	hmacKey, err := secret("api-key-hmac")
	if err != nil {
		return err
	}
	sealKey, err := secret("staff-seal")
	if err != nil {
		return err
	}
	indexKey, err := secret("staff-index")
	if err != nil {
		return err
	}
	hasher, err := auth.NewHasher(hmacKey)
	if err != nil {
		return err
	}
	sealer, err := auth.NewKeySealer(sealKey, indexKey)
	if err != nil {
		return err
	}
	svc := auth.NewService(a.db, hasher, sealer, a.clock)
	// At most two argon2id computations at once (64 MiB each), so a burst of
	// sign-ins cannot exhaust memory.
	pw, err := password.NewHasher(password.DefaultParams, 2)
	if err != nil {
		return err
	}
	a.auth = auth.NewStaffAuth(svc, pw)
	return nil
}

func (a *app) Close() error {
	err := a.db.Close()
	if c, ok := a.keys.(interface{ Close() error }); ok {
		_ = c.Close()
	}
	return err
}

// openKeyProvider opens the master key: the key file, or the PKCS#11 token
// the settings name (its PIN from pkcs11_pin_file or STEWARD_PKCS11_PIN).
func openKeyProvider(cfg *Config, getenv func(string) string) (keyProvider, error) {
	if cfg.MasterKeyProvider != "pkcs11" {
		return keyfile.Open(cfg.MasterKeyFile)
	}
	s := pkcs11.Settings{Module: cfg.PKCS11Module, TokenLabel: cfg.PKCS11TokenLabel, PIN: crypt.Secret(getenv("STEWARD_PKCS11_PIN"))}
	if cfg.PKCS11PINFile != "" {
		pin, err := pkcs11.ReadPIN(cfg.PKCS11PINFile)
		if err != nil {
			return nil, err
		}
		s.PIN = pin
	}
	return pkcs11.Open(s, time.Now)
}

func newLogger(cfg *Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		return nil, fmt.Errorf("config: log_level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}
