package s3

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/crypt"
)

// Config says where the store lives. Its String method never prints the secret.
type Config struct {
	Endpoint     string       // host or host:port
	Secure       bool         // https
	AccessKey    string       // access key id
	SecretKey    crypt.Secret // secret access key; prints as REDACTED
	Bucket       string       // bucket name
	Prefix       string       // "" or a key prefix ending in "/" under which objects live
	Region       string       // e.g. "us-east-1"; "" lets the client discover it
	PartSizeMiB  uint64       // multipart part size: memory per upload, object size limit 10,000 parts
	CreateBucket bool         // create the bucket if it does not exist
}

// Defaults and limits of Config.PartSizeMiB.
const (
	DefaultPartSizeMiB = 8
	minPartSizeMiB     = 5 // the S3 minimum
	maxPartSizeMiB     = 5 << 10
)

// ParseDSN parses a data source name of the form
//
//	http://ACCESS:SECRET@127.0.0.1:9000/bucket/optional/prefix?region=us-east-1
//
// with https for TLS, the access key and secret percent-encoded if needed, and
// optional query parameters region, part_size_mib (5 to 5120, default 8) and
// create_bucket (true or false). Errors are EINVALID and never repeat the DSN.
func ParseDSN(dsn string) (Config, error) {
	bad := func(why string) (Config, error) {
		return Config{}, steward.Errorf(steward.EINVALID, "invalid S3 DSN: %s", why)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return bad("not a URL")
	}
	c := Config{Endpoint: u.Host, PartSizeMiB: DefaultPartSizeMiB}
	switch u.Scheme {
	case "https":
		c.Secure = true
	case "http":
	default:
		return bad("scheme must be http or https")
	}
	if u.Host == "" {
		return bad("no host")
	}
	if u.User == nil || u.User.Username() == "" {
		return bad("no access key (http://ACCESS:SECRET@host/bucket)")
	}
	secret, ok := u.User.Password()
	if !ok || secret == "" {
		return bad("no secret key (http://ACCESS:SECRET@host/bucket)")
	}
	c.AccessKey, c.SecretKey = u.User.Username(), crypt.Secret(secret)
	path := strings.TrimPrefix(u.Path, "/")
	c.Bucket, c.Prefix, _ = strings.Cut(path, "/")
	if !validBucket(c.Bucket) {
		return bad("bucket name must be 3 to 63 lower-case letters, digits, '-' or '.'")
	}
	if c.Prefix != "" {
		c.Prefix = strings.TrimSuffix(c.Prefix, "/") + "/"
		if blob.ValidateKey(strings.TrimSuffix(c.Prefix, "/")) != nil {
			return bad("prefix must follow the blob key rules")
		}
	}
	for name, values := range u.Query() {
		v := values[len(values)-1]
		switch name {
		case "region":
			c.Region = v
		case "part_size_mib":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n < minPartSizeMiB || n > maxPartSizeMiB {
				return bad("part_size_mib must be a number from 5 to 5120")
			}
			c.PartSizeMiB = n
		case "create_bucket":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("create_bucket must be true or false")
			}
			c.CreateBucket = b
		default:
			return bad("unknown parameter " + strconv.Quote(name))
		}
	}
	return c, nil
}

// String returns the configuration as a DSN with the secret replaced by
// REDACTED, for logs.
func (c Config) String() string {
	u := url.URL{Scheme: "http", Host: c.Endpoint, Path: "/" + c.Bucket + "/" + c.Prefix,
		User: url.UserPassword(c.AccessKey, crypt.Redacted)}
	if c.Secure {
		u.Scheme = "https"
	}
	q := url.Values{}
	if c.Region != "" {
		q.Set("region", c.Region)
	}
	q.Set("part_size_mib", strconv.FormatUint(c.PartSizeMiB, 10))
	if c.CreateBucket {
		q.Set("create_bucket", "true")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
