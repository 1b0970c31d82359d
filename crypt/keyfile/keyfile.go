// Package keyfile is steward's default master key provider: a key file in the
// data folder, created on first use with mode 0600, holding the master key
// versions and a root secret from which server-wide sub-keys are derived. It
// implements crypt.KeyProvider and crypt.KeyDeriver.
//
// Open refuses a file that group or others have any access to, or one that is
// malformed. Rotate and Retire rewrite the file atomically (temp file, fsync,
// rename, fsync of the directory) under an advisory lock, so `steward keys
// rotate` can run beside a server: the server notices the changed file on its
// next Wrap, or on an Unwrap that names a version it does not know.
package keyfile

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Provider is a master key held in a key file. It is safe for concurrent use.
type Provider struct {
	path string
	now  func() time.Time

	mu       sync.RWMutex
	contents *contents
	keys     map[uint32]*crypt.Key
	info     os.FileInfo // of the file last read, to notice changes
}

var (
	_ crypt.KeyProvider = (*Provider)(nil)
	_ crypt.KeyDeriver  = (*Provider)(nil)
)

// Option configures Open.
type Option func(*Provider)

// WithClock sets the clock used for the creation time of new versions.
func WithClock(now func() time.Time) Option { return func(p *Provider) { p.now = now } }

// Open loads the key file at path, creating it (and its directory, mode 0700)
// with a first master key version and a root secret if it does not exist. It
// returns an EINVALID error naming the path if the file is malformed or if
// group or others have access to it (the message says to run chmod 600).
func Open(path string, opts ...Option) (*Provider, error) {
	p := &Provider{path: path, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	if err := p.load(); err == nil {
		return p, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "create key file directory %s: %v", filepath.Dir(path), unwrapPathError(err))
	}
	c, err := p.fresh()
	if err != nil {
		return nil, err
	}
	defer c.wipe()
	if err := writeNew(path, c.encode()); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	} // on fs.ErrExist another process created it first: use theirs
	if err := p.load(); err != nil {
		return nil, err
	}
	return p, nil
}

// fresh returns the contents of a new key file: a root and version 1.
func (p *Provider) fresh() (*contents, error) {
	root, err := crypt.GenerateKey()
	if err != nil {
		return nil, err
	}
	k, err := crypt.GenerateKey()
	if err != nil {
		return nil, err
	}
	return &contents{root: root, versions: []keyVersion{{n: 1, created: p.now().UTC(), key: k}}}, nil
}

// String names the provider and its file, never key material.
func (p *Provider) String() string { return "keyfile.Provider(" + p.path + ")" }

// Path returns the key file's path.
func (p *Provider) Path() string { return p.path }

// load reads and parses the file and replaces the in-memory state.
func (p *Provider) load() error {
	data, info, err := readFile(p.path)
	if err != nil {
		return err
	}
	defer crypt.Wipe(data)
	c, err := parse(p.path, data)
	if err != nil {
		return err
	}
	keys := make(map[uint32]*crypt.Key, len(c.versions))
	for _, v := range c.versions {
		if keys[v.n], err = crypt.NewKey(v.n, v.key); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.contents != nil {
		p.contents.wipe()
	}
	p.contents, p.keys, p.info = c, keys, info
	return nil
}

// reloadIfChanged re-reads the file if another process replaced it.
func (p *Provider) reloadIfChanged() error {
	info, err := os.Stat(p.path)
	if err != nil {
		return steward.Errorf(steward.EINTERNAL, "stat key file %s: %v", p.path, unwrapPathError(err))
	}
	p.mu.RLock()
	same := os.SameFile(info, p.info) && info.ModTime().Equal(p.info.ModTime()) && info.Size() == p.info.Size()
	p.mu.RUnlock()
	if same {
		return nil
	}
	return p.load()
}

// current returns the current key under the read lock.
func (p *Provider) current() *crypt.Key {
	p.mu.RLock()
	defer p.mu.RUnlock()
	vs := p.contents.versions
	return p.keys[vs[len(vs)-1].n]
}

// Wrap seals key (32 bytes, else EINVALID) under the current master version in
// the crypt envelope format, whose header names the version.
func (p *Provider) Wrap(ctx context.Context, key crypt.Secret, aad []byte) ([]byte, error) {
	if len(key) != crypt.KeySize {
		return nil, steward.Errorf(steward.EINVALID, "wrapped key must be %d bytes, got %d", crypt.KeySize, len(key))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.reloadIfChanged(); err != nil {
		return nil, err
	}
	return crypt.Seal(p.current(), key, aad), nil
}

// Unwrap opens what Wrap returned. An unknown version makes it re-read the
// file once (another process may have rotated) before failing with ENOTFOUND.
func (p *Provider) Unwrap(ctx context.Context, wrapped, aad []byte) (crypt.Secret, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := crypt.OpenWith(p.lookup, wrapped, aad)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		if rerr := p.reloadIfChanged(); rerr != nil {
			return nil, rerr
		}
		key, err = crypt.OpenWith(p.lookup, wrapped, aad)
	}
	return key, err
}

// lookup is a crypt.KeyLookup over the loaded versions.
func (p *Provider) lookup(id uint32) (*crypt.Key, error) {
	p.mu.RLock()
	k, ok := p.keys[id]
	p.mu.RUnlock()
	if !ok {
		return nil, crypt.KeyNotFound(id)
	}
	return k, nil
}

// WrappedVersion returns the master version named in a wrapped key.
func (p *Provider) WrappedVersion(wrapped []byte) (uint32, error) {
	return crypt.EnvelopeKeyID(wrapped)
}

// Versions lists the master key versions, oldest first; the last is current.
func (p *Provider) Versions(ctx context.Context) ([]crypt.KeyVersion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.reloadIfChanged(); err != nil {
		return nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	vs := p.contents.versions
	out := make([]crypt.KeyVersion, len(vs))
	for i, v := range vs {
		out[i] = crypt.KeyVersion{Version: v.n, Created: v.created, Current: i == len(vs)-1}
	}
	return out, nil
}

// DeriveKey returns HKDF-SHA-256(root, salt "steward keyfile derive v1", info
// label), 32 bytes. The root never rotates, so the result depends on label only.
func (p *Provider) DeriveKey(ctx context.Context, label string) (crypt.Secret, error) {
	if err := crypt.CheckLabel(label); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	k, err := hkdf.Key(sha256.New, p.contents.root, []byte("steward keyfile derive v1"), label, crypt.KeySize)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "derive key: %v", err)
	}
	return k, nil
}
