package s3

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		want Config
	}{
		{"http://AK:SK@127.0.0.1:9000/bucket", Config{Endpoint: "127.0.0.1:9000", AccessKey: "AK",
			SecretKey: crypt.Secret("SK"), Bucket: "bucket", PartSizeMiB: 8}},
		{"https://AK:s%2Fk%40x@s3.example.com/my.bucket/tenant-files/?region=eu-west-1&part_size_mib=16&create_bucket=true",
			Config{Endpoint: "s3.example.com", Secure: true, AccessKey: "AK", SecretKey: crypt.Secret("s/k@x"),
				Bucket: "my.bucket", Prefix: "tenant-files/", Region: "eu-west-1", PartSizeMiB: 16, CreateBucket: true}},
		{"http://AK:SK@h/bkt/a/b", Config{Endpoint: "h", AccessKey: "AK", SecretKey: crypt.Secret("SK"),
			Bucket: "bkt", Prefix: "a/b/", PartSizeMiB: 8}},
	}
	for _, tt := range tests {
		got, err := ParseDSN(tt.dsn)
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", tt.dsn, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b crypt.Secret) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("ParseDSN(%q) mismatch (-want +got):\n%s", tt.dsn, diff)
		}
	}
}

func TestParseDSNErrors(t *testing.T) {
	const secret = "TOPSECRETVALUE"
	tests := []struct{ dsn, want string }{
		{"ftp://AK:" + secret + "@h/bucket", "scheme"},
		{"http://AK:" + secret + "@/bucket", "no host"},
		{"http://h/bucket", "no access key"},
		{"http://AK@h/bucket", "no secret key"},
		{"http://AK:" + secret + "@h/", "bucket name"},
		{"http://AK:" + secret + "@h/Bucket", "bucket name"},
		{"http://AK:" + secret + "@h/bu", "bucket name"},
		{"http://AK:" + secret + "@h/bucket/../x", "prefix"},
		{"http://AK:" + secret + "@h/bucket?part_size_mib=4", "part_size_mib"},
		{"http://AK:" + secret + "@h/bucket?part_size_mib=x", "part_size_mib"},
		{"http://AK:" + secret + "@h/bucket?create_bucket=maybe", "create_bucket"},
		{"http://AK:" + secret + "@h/bucket?regoin=x", "unknown parameter"},
		{"http://AK:" + secret + "@h:port/bucket\x7f", "not a URL"},
	}
	for _, tt := range tests {
		_, err := ParseDSN(tt.dsn)
		if steward.ErrorCode(err) != steward.EINVALID || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDSN(%q) = %v; want EINVALID mentioning %q", tt.dsn, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("ParseDSN(%q) error leaks the secret: %v", tt.dsn, err)
		}
	}
}

func TestConfigNeverPrintsSecret(t *testing.T) {
	c, err := ParseDSN("https://AK:TOPSECRETVALUE@h:9000/bucket/p?region=r&create_bucket=true")
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(out, "TOPSECRETVALUE") {
			t.Errorf("config prints the secret: %s", out)
		}
	}
	back, err := ParseDSN(c.String())
	if err != nil || back.Bucket != "bucket" || back.Prefix != "p/" || !back.Secure || !back.CreateBucket || back.Region != "r" {
		t.Errorf("String() does not round-trip apart from the secret: %+v, %v", back, err)
	}
}
