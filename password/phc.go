package password

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
)

// phc is a parsed argon2 hash in PHC string format:
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// with salt and hash in unpadded standard base64.
type phc struct {
	variant string // "argon2id" or "argon2i"
	params  Params
	salt    []byte
	hash    []byte
}

// Bounds on parameters read from a stored hash, so that an imported hash
// cannot make Verify allocate gigabytes or run for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

func malformed(why string) error {
	return steward.Errorf(steward.EINVALID, "password hash is malformed: %s", why)
}

// parsePHC parses an argon2id or argon2i PHC string. Errors never repeat it.
func parsePHC(s string) (*phc, error) {
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return nil, malformed("expected $variant$v=19$m=..,t=..,p=..$salt$hash")
	}
	h := &phc{variant: f[1]}
	if h.variant != "argon2id" && h.variant != "argon2i" {
		return nil, malformed("unknown variant")
	}
	if f[2] != "v=19" {
		return nil, malformed("unsupported argon2 version (want v=19)")
	}
	m, t, p, err := parseParams(f[3])
	if err != nil {
		return nil, err
	}
	b64 := base64.RawStdEncoding.Strict()
	if h.salt, err = b64.DecodeString(f[4]); err != nil || len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return nil, malformed("salt must be 8 to 64 bytes of unpadded base64")
	}
	if h.hash, err = b64.DecodeString(f[5]); err != nil || len(h.hash) < minKeyLen || len(h.hash) > maxKeyLen {
		return nil, malformed("hash must be 16 to 64 bytes of unpadded base64")
	}
	h.params = Params{Memory: m, Time: t, Threads: p, SaltLen: uint32(len(h.salt)), KeyLen: uint32(len(h.hash))}
	return h, nil
}

// parseParams parses "m=65536,t=3,p=4" (that order, as every encoder writes).
func parseParams(s string) (m, t uint32, p uint8, err error) {
	f := strings.Split(s, ",")
	if len(f) != 3 || !strings.HasPrefix(f[0], "m=") || !strings.HasPrefix(f[1], "t=") || !strings.HasPrefix(f[2], "p=") {
		return 0, 0, 0, malformed("parameters must be m=..,t=..,p=..")
	}
	mm, err1 := strconv.ParseUint(f[0][2:], 10, 32)
	tt, err2 := strconv.ParseUint(f[1][2:], 10, 32)
	pp, err3 := strconv.ParseUint(f[2][2:], 10, 8)
	switch {
	case err1 != nil || err2 != nil || err3 != nil:
		return 0, 0, 0, malformed("parameters must be decimal numbers")
	case tt < 1 || tt > maxTime:
		return 0, 0, 0, malformed("t must be 1 to 64")
	case pp < 1:
		return 0, 0, 0, malformed("p must be 1 to 255")
	case mm < 8*pp || mm > maxMemoryKiB:
		return 0, 0, 0, malformed("m must be 8*p to 1048576 KiB")
	}
	return uint32(mm), uint32(tt), uint8(pp), nil
}

// String encodes h in PHC format.
func (h *phc) String() string {
	b64 := base64.RawStdEncoding
	return "$" + h.variant + "$v=19$m=" + strconv.FormatUint(uint64(h.params.Memory), 10) +
		",t=" + strconv.FormatUint(uint64(h.params.Time), 10) +
		",p=" + strconv.FormatUint(uint64(h.params.Threads), 10) +
		"$" + b64.EncodeToString(h.salt) + "$" + b64.EncodeToString(h.hash)
}
