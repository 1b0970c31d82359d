package crypt

import (
	"io"

	"github.com/steward-privacy/steward"
)

// segmentCT is the size of a full ciphertext segment.
const segmentCT = SegmentSize + tagSize

// NewDecryptReader reads a stream's header from src, asks lookup for the key
// it names, and returns a reader of the plaintext. aad must be what the writer
// was given.
//
// The reader returns plaintext only from segments that authenticated: on the
// first segment that does not (tampering, truncation, reordering, splicing,
// appended data) it returns ErrAuthFailed or ErrMalformed, and keeps returning
// it. A consumer that must not act on a partial file reads to io.EOF before
// committing.
//
// Memory use is two segments (about 128 KiB) whatever the file size: a full
// segment is opened only once the read of the next one has shown whether it is
// the last.
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
	state, err := newStreamState(k, header, aad)
	if err != nil {
		return nil, err
	}
	r := &decryptReader{src: src, streamState: state}
	mem := make([]byte, 2*segmentCT)
	for i := range 2 {
		r.free = append(r.free, mem[i*segmentCT:(i+1)*segmentCT:(i+1)*segmentCT])
	}
	return r, nil
}

// chunk is up to one ciphertext segment read from src.
type chunk struct {
	buf []byte // segmentCT bytes long; data is buf[:n]
	n   int
	err error // from io.ReadFull: nil when n == segmentCT
}

// full reports whether c holds a whole segment, so more may follow.
func (c chunk) full() bool { return c.err == nil }

// ioErr returns c's error unless it only marks the end of src.
func (c chunk) ioErr() error {
	if c.err == io.EOF || c.err == io.ErrUnexpectedEOF {
		return nil
	}
	return c.err
}

type decryptReader struct {
	src io.Reader
	*streamState
	free   [][]byte // buffers not in use
	cur    chunk    // read, to be opened next (valid when hasCur)
	hasCur bool
	used   []byte // buffer holding r.plain, freed on the next call
	plain  []byte // authenticated plaintext not yet returned
	last   bool   // the last segment has been opened
	err    error  // sticky
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

// read reads the next chunk of src into a free buffer.
func (r *decryptReader) read() chunk {
	buf := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	n, err := io.ReadFull(r.src, buf)
	return chunk{buf: buf, n: n, err: err}
}

// next opens the following segment into r.plain, or returns io.EOF after the
// last one. A full segment is the last one only if nothing follows it, so the
// chunk after it is read before it is opened.
func (r *decryptReader) next() error {
	if r.err != nil {
		return r.err
	}
	if r.last {
		return io.EOF
	}
	if r.used != nil {
		r.free, r.used, r.plain = append(r.free, r.used), nil, nil
	}
	if !r.hasCur {
		r.cur, r.hasCur = r.read(), true
	}
	c := r.cur
	if err := c.ioErr(); err != nil {
		return r.fail(err)
	}
	last := !c.full()
	if !last {
		after := r.read()
		switch {
		case after.ioErr() != nil:
			return r.fail(after.ioErr())
		case after.n == 0: // c ends the stream
			last = true
			r.free = append(r.free, after.buf)
		default:
			r.cur = after
		}
	}
	if last {
		r.hasCur = false
		if c.n < tagSize {
			return r.fail(ErrMalformed)
		}
	}
	nonce, err := r.segmentNonce(last)
	if err != nil {
		return r.fail(ErrMalformed)
	}
	plain, err := r.aead.Open(c.buf[:0], nonce, c.buf[:c.n], r.ad)
	if err != nil {
		return r.fail(ErrAuthFailed)
	}
	r.plain, r.used, r.last = plain, c.buf, last
	return nil
}

// fail records a sticky error.
func (r *decryptReader) fail(err error) error {
	r.err = err
	return err
}
