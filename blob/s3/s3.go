// Package s3 is a blob.Store in S3-compatible object storage (AWS S3, MinIO,
// and others), through github.com/minio/minio-go/v7, which no other package of
// steward imports.
//
// Objects are stored under Config.Prefix + key. Put streams: an object that
// fits in its first 1 MiB is sent in one PUT; a larger one is uploaded in parts
// of Config.PartSizeMiB, one part in memory at a time, and a failed upload is
// aborted so that no parts are left behind.
package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
)

// singlePutMax is the largest object Put sends in one request.
const singlePutMax = 1 << 20

// Store is a blob.Store in an S3 bucket. It is safe for concurrent use.
type Store struct {
	client *minio.Client
	cfg    Config
}

var _ blob.Store = (*Store)(nil)

// Open parses dsn (see ParseDSN) and connects (see New).
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg)
}

// New connects to the store and checks that the bucket exists, creating it if
// cfg.CreateBucket is set. Errors: ENOTFOUND for a missing bucket, EUNAVAILABLE
// when the endpoint cannot be reached, EINTERNAL (saying "credentials
// rejected") when the store refuses the credentials.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.PartSizeMiB == 0 {
		cfg.PartSizeMiB = DefaultPartSizeMiB
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, string(cfg.SecretKey), ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "S3 endpoint %s: %v", cfg.Endpoint, err)
	}
	s := &Store{client: client, cfg: cfg}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.translate(err, "check bucket")
	}
	if !exists {
		if !cfg.CreateBucket {
			return nil, steward.Errorf(steward.ENOTFOUND, "S3 bucket %s does not exist at %s", cfg.Bucket, cfg.Endpoint)
		}
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return nil, s.translate(err, "create bucket")
		}
	}
	return s, nil
}

// Config returns the store's configuration (its String hides the secret).
func (s *Store) Config() Config { return s.cfg }

var firstParts = sync.Pool{New: func() any { b := make([]byte, singlePutMax); return &b }}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := blob.ValidateKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r = blob.ContextReader(ctx, r)
	bp := firstParts.Get().(*[]byte)
	defer firstParts.Put(bp)
	n, err := io.ReadFull(r, *bp)
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: s.cfg.PartSizeMiB << 20}
	var info minio.UploadInfo
	switch err {
	case io.EOF, io.ErrUnexpectedEOF: // small: one request
		info, err = s.client.PutObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, bytes.NewReader((*bp)[:n]), int64(n), opts)
	case nil: // large or unknown: multipart, aborted by the client on failure
		body := io.MultiReader(bytes.NewReader(*bp), r)
		info, err = s.client.PutObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, body, -1, opts)
	default:
		return 0, err
	}
	if err != nil {
		return 0, s.translate(err, "put")
	}
	return info.Size, nil
}

// Get implements blob.Store. Reading the object uses ctx: cancelling it stops
// the download.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blob.ValidateKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.translate(err, "get")
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.translate(err, "get")
	}
	return obj, nil
}

// Delete implements blob.Store; S3 deletes are idempotent.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.RemoveObjectOptions{}); err != nil {
		return s.translate(err, "delete")
	}
	return nil
}

// List implements blob.Store. Objects under the store's prefix whose names
// are not valid keys (put there by something else) are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	if err := blob.ValidatePrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn returns early
	opts := minio.ListObjectsOptions{Prefix: s.cfg.Prefix + prefix, Recursive: true}
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, opts) {
		if obj.Err != nil {
			return s.translate(obj.Err, "list")
		}
		key := strings.TrimPrefix(obj.Key, s.cfg.Prefix)
		if blob.ValidateKey(key) != nil {
			continue
		}
		if err := fn(blob.Info{Key: key, Size: obj.Size, Modified: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// RemoveLeftovers implements blob.Store: it aborts the multipart uploads
// under the store's prefix initiated before before (a server killed during
// an upload leaves its parts in the bucket, invisible to List, until the
// upload is aborted). It lists the bucket's uploads and filters by prefix
// itself: MinIO lists uploads under a prefix only when the prefix is a whole
// object name.
func (s *Store) RemoveLeftovers(ctx context.Context, before time.Time, fn func(blob.Leftover) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	core := minio.Core{Client: s.client}
	for up := range s.client.ListIncompleteUploads(ctx, s.cfg.Bucket, "", true) {
		if up.Err != nil {
			return s.translate(up.Err, "list incomplete uploads")
		}
		if !strings.HasPrefix(up.Key, s.cfg.Prefix) || !up.Initiated.Before(before) {
			continue
		}
		if err := core.AbortMultipartUpload(ctx, s.cfg.Bucket, up.Key, up.UploadID); err != nil &&
			minio.ToErrorResponse(err).Code != "NoSuchUpload" {
			return s.translate(err, "abort upload")
		}
		if fn != nil {
			if err := fn(blob.Leftover{Key: strings.TrimPrefix(up.Key, s.cfg.Prefix), Size: up.Size}); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// translate maps a client error to a coded one. Context errors and errors of
// the caller's reader pass through unchanged. Messages name the operation and
// bucket, never the credentials.
func (s *Store) translate(err error, op string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	msg := "S3 " + op + " in bucket " + s.cfg.Bucket + " failed"
	switch resp.Code {
	case "":
		var nerr net.Error
		if errors.As(err, &nerr) {
			return &steward.Error{Code: steward.EUNAVAILABLE, Message: "S3 endpoint " + s.cfg.Endpoint + " unreachable", Cause: err}
		}
		return err // from the caller's reader
	case "NoSuchKey":
		return steward.Errorf(steward.ENOTFOUND, "blob not found")
	case "NoSuchBucket":
		return &steward.Error{Code: steward.ENOTFOUND, Message: "S3 bucket " + s.cfg.Bucket + " does not exist", Cause: err}
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		// A server misconfiguration, not the API caller's fault: EINTERNAL.
		return &steward.Error{Code: steward.EINTERNAL, Message: msg + ": credentials rejected (" + resp.Code + ")", Cause: err}
	case "SlowDown", "ServiceUnavailable", "InternalError", "XMinioServerNotInitialized":
		return &steward.Error{Code: steward.EUNAVAILABLE, Message: msg + " (" + resp.Code + ")", Cause: err}
	default:
		return &steward.Error{Code: steward.EINTERNAL, Message: msg + " (" + resp.Code + ")", Cause: err}
	}
}
