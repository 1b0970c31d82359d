package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/blob/blobtest"
	"github.com/steward-privacy/steward/crypt"
)

// testConfig returns the configuration from STEWARD_TEST_S3 (provided by
// .ci/minio.sh) or skips the test.
func testConfig(t *testing.T) Config {
	t.Helper()
	dsn := os.Getenv("STEWARD_TEST_S3")
	if dsn == "" {
		t.Skip("STEWARD_TEST_S3 not set (source .ci/minio.sh to run against MinIO)")
	}
	cfg, err := ParseDSN(dsn)
	if err != nil {
		t.Fatalf("STEWARD_TEST_S3: %v", err)
	}
	cfg.CreateBucket = true
	cfg.PartSizeMiB = minPartSizeMiB // so the 24 MiB test object takes several parts
	return cfg
}

// newStore returns a store under a fresh random prefix and checks, when the
// test ends, that no incomplete multipart upload was left behind.
func newStore(t *testing.T) blob.Store {
	cfg := testConfig(t)
	var r [6]byte
	_, _ = rand.Read(r[:])
	cfg.Prefix = "test-" + hex.EncodeToString(r[:]) + "/"
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		// The whole bucket: MinIO lists uploads under a prefix only when it
		// is a whole object name.
		for u := range s.client.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
			if u.Err != nil {
				t.Error(u.Err)
				break
			}
			if !strings.HasPrefix(u.Key, cfg.Prefix) {
				continue
			}
			t.Errorf("incomplete upload of %s left behind", u.Key)
		}
		_ = s.List(ctx, "", func(i blob.Info) error { return s.Delete(ctx, i.Key) })
	})
	return s
}

func TestConformance(t *testing.T) { blobtest.Run(t, newStore) }

func TestNewErrors(t *testing.T) {
	cfg := testConfig(t)
	ctx := context.Background()

	wrong := cfg
	wrong.SecretKey = crypt.Secret("not-the-secret-" + strings.Repeat("x", 10))
	_, err := New(ctx, wrong)
	if steward.ErrorCode(err) != steward.EINTERNAL || !strings.Contains(err.Error(), "credentials rejected") {
		t.Errorf("New with a wrong secret = %v; want EINTERNAL saying credentials rejected", err)
	}
	if err != nil && (strings.Contains(err.Error(), string(wrong.SecretKey)) || strings.Contains(err.Error(), string(cfg.SecretKey))) {
		t.Errorf("error leaks the secret: %v", err)
	}

	missing := cfg
	missing.Bucket, missing.CreateBucket = "steward-no-such-bucket", false
	if _, err := New(ctx, missing); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("New with a missing bucket = %v; want ENOTFOUND", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := cfg
	closed.Endpoint = l.Addr().String()
	l.Close()
	if _, err := New(ctx, closed); steward.ErrorCode(err) != steward.EUNAVAILABLE {
		t.Errorf("New with nothing listening = %v; want EUNAVAILABLE", err)
	}
}

func TestObjectsLiveUnderPrefix(t *testing.T) {
	s := newStore(t).(*Store)
	blobtest.MustPut(t, s, "a/b", []byte("x"))
	ctx := context.Background()
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, s.cfg.Prefix+"a/b", minio.StatObjectOptions{})
	if err != nil || info.Size != 1 {
		t.Errorf("object not at prefix+key: %v", err)
	}
}

// TestLeftovers: an upload a crash interrupted (begun, one part sent, never
// completed nor aborted) is removed by RemoveLeftovers.
func TestLeftovers(t *testing.T) {
	blobtest.RunLeftovers(t, newStore, func(t *testing.T, bs blob.Store) string {
		s := bs.(*Store)
		ctx := context.Background()
		core := minio.Core{Client: s.client}
		id, err := core.NewMultipartUpload(ctx, s.cfg.Bucket, s.cfg.Prefix+"t1/files/f1", minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		part := strings.NewReader(strings.Repeat("c", 1024))
		if _, err := core.PutObjectPart(ctx, s.cfg.Bucket, s.cfg.Prefix+"t1/files/f1", id, 1, part, int64(part.Len()), minio.PutObjectPartOptions{}); err != nil {
			t.Fatal(err)
		}
		return "t1/files/f1"
	})
}
