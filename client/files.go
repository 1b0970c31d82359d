package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"time"
)

// Upload describes a file to upload.
type Upload struct {
	Category  string // a file category the policy declares, e.g. user.content.self_image
	Ephemeral bool   // deleted after its first download
}

// File describes a stored file.
type File struct {
	ID        string     `json:"id"`
	SubjectID string     `json:"subject_id"`
	Category  string     `json:"category"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"` // of the plaintext, hex
	Ephemeral bool       `json:"ephemeral"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Download is a file being read from the server. Read it to the end and
// Close it. Reading checks the bytes against the SHA-256 the server sent:
// a mismatch or a short body is an error at the end, never silently
// wrong bytes.
type Download struct {
	io.ReadCloser
	Size   int64  // from Content-Length; -1 if unknown
	SHA256 string // of the plaintext, hex; "" if the server sent none
}

// ErrChecksum is returned at the end of a Download whose bytes do not match
// the SHA-256 the server announced.
var ErrChecksum = errors.New("client: downloaded file does not match its SHA-256")

var (
	routeUploadFile   = register("UploadFile", "POST", "/v1/subjects/{id}/files", nil, bodyType[File]())
	routeDownloadFile = rawRoute("DownloadFile", "GET", "/v1/files/{id}")
	routeDeleteFile   = jsonRoute[none, none]("DeleteFile", "DELETE", "/v1/files/{id}")
)

// UploadFile streams body to the server as a file of the subject (needs
// files:write). Nothing is buffered: memory does not grow with the file.
// An upload is a POST and is never retried, so body is read once; if it is
// an io.Closer, the HTTP transport closes it.
func (c *Client) UploadFile(ctx context.Context, subjectID string, up Upload, body io.Reader) (*File, error) {
	q := values("category", up.Category)
	if up.Ephemeral {
		q.Set("ephemeral", "true")
	}
	resp, err := c.send(ctx, request{route: routeUploadFile, path: []string{subjectID}, query: q,
		body: body, contentType: "application/octet-stream"})
	if err != nil {
		return nil, err
	}
	return decode[File](routeUploadFile, resp)
}

// DownloadFile opens a file for reading for a purpose the policy allows
// (needs files:read). An ephemeral file is deleted once downloaded.
func (c *Client) DownloadFile(ctx context.Context, id string, a Access) (*Download, error) {
	resp, err := c.send(ctx, request{route: routeDownloadFile, path: []string{id}, query: a.query()})
	if err != nil {
		return nil, err
	}
	return checkedDownload(resp), nil
}

// checkedDownload wraps a file response: its body is checked against the
// SHA-256 the server announced.
func checkedDownload(resp *http.Response) *Download {
	d := &Download{ReadCloser: resp.Body, Size: resp.ContentLength, SHA256: resp.Header.Get("X-Content-SHA256")}
	if d.SHA256 != "" {
		d.ReadCloser = &checkedBody{ReadCloser: resp.Body, h: sha256.New(), want: d.SHA256}
	}
	return d
}

// DeleteFile deletes a file (needs files:write).
func (c *Client) DeleteFile(ctx context.Context, id string) error {
	_, err := routeDeleteFile.call(ctx, c, none{}, nil, id)
	return err
}

// checkedBody hashes what is read and compares at EOF.
type checkedBody struct {
	io.ReadCloser
	h    hash.Hash
	want string
}

func (b *checkedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(b.h.Sum(nil)) != b.want {
		return n, ErrChecksum
	}
	return n, err
}
