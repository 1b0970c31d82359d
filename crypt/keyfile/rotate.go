package keyfile

import (
	"context"
	"math"
	"slices"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Rotate appends a new master key version, makes it current and returns its
// number. Older versions keep unwrapping until retired.
func (p *Provider) Rotate(ctx context.Context) (uint32, error) {
	var added uint32
	err := p.update(ctx, func(c *contents) error {
		last := c.versions[len(c.versions)-1].n
		if last == math.MaxUint32 {
			return steward.Errorf(steward.ECONFLICT, "key file %s: no master key versions left", p.path)
		}
		k, err := crypt.GenerateKey()
		if err != nil {
			return err
		}
		added = last + 1
		c.versions = append(c.versions, keyVersion{n: added, created: p.now().UTC(), key: k})
		return nil
	})
	return added, err
}

// Retire removes a master key version from the file: what it wrapped can no
// longer be unwrapped. It refuses the current version (ECONFLICT) and unknown
// ones (ENOTFOUND).
func (p *Provider) Retire(ctx context.Context, version uint32) error {
	return p.update(ctx, func(c *contents) error {
		i := slices.IndexFunc(c.versions, func(v keyVersion) bool { return v.n == version })
		switch {
		case i < 0:
			return crypt.KeyNotFound(version)
		case i == len(c.versions)-1:
			return steward.Errorf(steward.ECONFLICT, "master key version %d is current and cannot be retired; rotate first", version)
		}
		c.versions[i].key.Wipe()
		c.versions = slices.Delete(c.versions, i, i+1)
		return nil
	})
}

// update applies change to the file's latest contents under the cross-process
// lock, writes the file atomically and reloads it.
func (p *Provider) update(ctx context.Context, change func(*contents) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	unlock, err := lockFile(p.path)
	if err != nil {
		return err
	}
	defer unlock()
	data, _, err := readFile(p.path)
	if err != nil {
		return err
	}
	defer crypt.Wipe(data)
	c, err := parse(p.path, data)
	if err != nil {
		return err
	}
	defer c.wipe()
	if err := change(c); err != nil {
		return err
	}
	out := c.encode()
	defer crypt.Wipe(out)
	if err := replace(p.path, out); err != nil {
		return err
	}
	return p.load()
}
