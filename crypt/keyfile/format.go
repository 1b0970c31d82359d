package keyfile

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// The key file is text, one item per line:
//
//	# comment lines start with '#'
//	steward-keyfile 1
//	root <base64 of 32 bytes>
//	key <version> <created, RFC 3339 UTC> <base64 of 32 bytes>
//	key ...
//
// "root" is the secret sub-keys are derived from (DeriveKey); it never rotates,
// so derived secrets stay stable. Each "key" line is one master key version,
// versions strictly increasing; the highest is current. Retiring a version
// removes its line. Base64 is standard with padding.
const magic = "steward-keyfile 1"

const fileComment = "# steward master key file. Keep it secret (mode 0600) and back it up:\n" +
	"# without it nothing steward stored can be decrypted. Do not edit.\n"

// keyVersion is one master key version as stored.
type keyVersion struct {
	n       uint32
	created time.Time
	key     crypt.Secret
}

// contents is a parsed key file.
type contents struct {
	root     crypt.Secret
	versions []keyVersion // ascending
}

// wipe clears all key material held by c.
func (c *contents) wipe() {
	c.root.Wipe()
	for _, v := range c.versions {
		v.key.Wipe()
	}
}

// encode renders c in the file format.
func (c *contents) encode() []byte {
	var b bytes.Buffer
	b.WriteString(fileComment)
	b.WriteString(magic + "\n")
	b.WriteString("root " + base64.StdEncoding.EncodeToString(c.root) + "\n")
	for _, v := range c.versions {
		fmt.Fprintf(&b, "key %d %s %s\n", v.n, v.created.UTC().Format(time.RFC3339),
			base64.StdEncoding.EncodeToString(v.key))
	}
	return b.Bytes()
}

// parse reads a key file. Errors name the path and line, never the content.
func parse(path string, data []byte) (*contents, error) {
	bad := func(line int, what string) error {
		return steward.Errorf(steward.EINVALID, "key file %s is malformed: line %d: %s", path, line, what)
	}
	c := &contents{}
	sawMagic := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "#") {
			continue
		}
		if !sawMagic {
			if text != magic {
				return nil, bad(line, fmt.Sprintf("expected %q", magic))
			}
			sawMagic = true
			continue
		}
		f := strings.Split(text, " ")
		switch {
		case f[0] == "root" && len(f) == 2:
			if c.root != nil {
				return nil, bad(line, "second root line")
			}
			k, ok := decodeKey(f[1])
			if !ok {
				return nil, bad(line, "root is not 32 bytes of base64")
			}
			c.root = k
		case f[0] == "key" && len(f) == 4:
			v, err := parseVersion(f[1:])
			if err != "" {
				return nil, bad(line, err)
			}
			if n := len(c.versions); n > 0 && v.n <= c.versions[n-1].n {
				return nil, bad(line, "key versions must increase")
			}
			c.versions = append(c.versions, v)
		default:
			return nil, bad(line, "unknown line")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, bad(line+1, "line too long")
	}
	switch {
	case !sawMagic:
		return nil, bad(line, fmt.Sprintf("missing %q", magic))
	case c.root == nil:
		return nil, bad(line, "missing root line")
	case len(c.versions) == 0:
		return nil, bad(line, "no key line")
	case len(data) > 0 && data[len(data)-1] != '\n':
		return nil, bad(line, "truncated (no final newline)")
	}
	return c, nil
}

// parseVersion parses the fields after "key"; it returns a reason on error.
func parseVersion(f []string) (keyVersion, string) {
	n, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil || n == 0 {
		return keyVersion{}, "version is not a number from 1 to 4294967295"
	}
	created, err := time.Parse(time.RFC3339, f[1])
	if err != nil {
		return keyVersion{}, "creation time is not RFC 3339"
	}
	k, ok := decodeKey(f[2])
	if !ok {
		return keyVersion{}, "key is not 32 bytes of base64"
	}
	return keyVersion{n: uint32(n), created: created, key: k}, ""
}

func decodeKey(s string) (crypt.Secret, bool) {
	k, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(k) != crypt.KeySize {
		crypt.Wipe(k)
		return nil, false
	}
	return k, true
}
