package crypt

import (
	"io"

	"github.com/steward-privacy/steward"
)

// segmentCT is the size of a full ciphertext segment.
const segmentCT = SegmentSize + tagSize

// NewDecryptReader reads a stream's header from src, asks lookup for the key
// it names, and returns a reader of the plaintext. aad must be what the writer
// was given. The reader returns plaintext only from segments that authenticated:
// on the first segment that does not (tampering, truncation, reordering,
// splicing, appended data) it returns ErrAuthFailed (or ErrMalformed) and keeps
// returning it. A consumer that must not act on a partial file reads to io.EOF
// before committing. Memory use is one segment whatever the file size.
func NewDecryptReader(src io.Reader, lookup KeyLookup, aad []byte) (io.Reader, error) {
	if src == nil || lookup == nil {
		return nil, steward.Errorf(steward.EINVALID, "decrypt reader needs a source and a key lookup")
	}
	header := make([]byte, streamHeaderSize)
	if _, err := io.ReadFull(src, header); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, ErrMalformed
		}
		return nil, err
	}
	id, err := parseStreamHeader(header)
	if err != nil {
		return nil, err
	}
	k, err := lookup(id)
	if err != nil {
		return nil, err
	}
	return &decryptReader{
		src:         src,
		streamState: newStreamState(k, header, aad),
		buf:         make([]byte, segmentCT+1),
	}, nil
}

type decryptReader struct {
	src io.Reader
	*streamState
	buf   []byte // one ciphertext segment plus one byte of look-ahead
	plain []byte // authenticated plaintext not yet returned (in buf)
	carry bool   // buf[segmentCT] holds the first byte of the next segment
	last  bool   // the last segment has been opened
	err   error  // sticky
}

// Read returns authenticated plaintext.
func (r *decryptReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// WriteTo writes the plaintext to w straight from the segment buffer (io.Copy
// uses it): no intermediate copy.
func (r *decryptReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.plain) > 0 {
			n, err := w.Write(r.plain)
			total += int64(n)
			r.plain = r.plain[n:]
			if err != nil {
				return total, err
			}
		}
		if err := r.next(); err == io.EOF {
			return total, nil
		} else if err != nil {
			return total, err
		}
	}
}

// next reads and opens the following segment into r.plain, or returns io.EOF
// after the last one.
func (r *decryptReader) next() error {
	if r.err != nil {
		return r.err
	}
	if r.last {
		return io.EOF
	}
	start := 0
	if r.carry {
		r.buf[0], start = r.buf[segmentCT], 1
	}
	n, err := io.ReadFull(r.src, r.buf[start:segmentCT+1])
	size := start + n
	switch {
	case err == nil: // a full segment and at least one byte more
		r.carry = true
		size = segmentCT
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		r.carry, r.last = false, true
		if size < tagSize {
			r.err = ErrMalformed
			return r.err
		}
	default:
		r.err = err
		return err
	}
	nonce, err := r.segmentNonce(r.last)
	if err != nil {
		r.err = ErrMalformed
		return r.err
	}
	plain, err := r.aead.Open(r.buf[:0], nonce, r.buf[:size], r.ad)
	if err != nil {
		r.err = ErrAuthFailed
		return r.err
	}
	r.plain = plain
	return nil
}
