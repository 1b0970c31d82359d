package crypt

import (
	"io"

	"github.com/steward-privacy/steward"
)

// NewEncryptWriter returns a writer that encrypts everything written to it
// under a fresh file key derived from k, bound to aad, and writes the stream
// (see the format above) to dst.
// Close must be called to write the last segment; it does not close dst. The
// writer holds one segment in memory whatever the file size, and seals large
// writes directly from the caller's slice without copying. It is not safe for
// concurrent use. After an error from dst every call returns that error.
func NewEncryptWriter(dst io.Writer, k *Key, aad []byte) (io.WriteCloser, error) {
	if dst == nil || k == nil {
		return nil, steward.Errorf(steward.EINVALID, "encrypt writer needs a destination and a key")
	}
	header := newStreamHeader(k.id)
	state, err := newStreamState(k, header, aad)
	if err != nil {
		return nil, err
	}
	w := &encryptWriter{dst: dst, streamState: state, buf: make([]byte, SegmentSize+tagSize)}
	if _, err := dst.Write(header); err != nil {
		return nil, err
	}
	return w, nil
}

type encryptWriter struct {
	dst io.Writer
	*streamState
	buf    []byte // pending plaintext buf[:n]; also the output buffer
	spare  []byte // second segment buffer for ReadFrom
	n      int
	err    error // sticky
	closed bool
}

// Write encrypts p. A segment is sealed only once more data follows it, so
// that the last segment can be flagged at Close.
func (w *encryptWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, steward.Errorf(steward.EINVALID, "write to closed encrypt writer")
	}
	written := 0
	for len(p) > 0 {
		if w.n == SegmentSize { // full, and more data follows: not the last
			if err := w.seal(w.buf[:SegmentSize], false); err != nil {
				return written, err
			}
			w.n = 0
		}
		if w.n == 0 && len(p) > SegmentSize { // seal straight from p
			if err := w.seal(p[:SegmentSize], false); err != nil {
				return written, err
			}
			p, written = p[SegmentSize:], written+SegmentSize
			continue
		}
		c := copy(w.buf[w.n:SegmentSize], p)
		w.n += c
		p, written = p[c:], written+c
	}
	return written, nil
}

// ReadFrom reads r to its end straight into segment buffers (io.Copy uses it),
// sealing in place: no intermediate copy. A full segment is sealed once the
// read of the next one shows that more data follows.
func (w *encryptWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, steward.Errorf(steward.EINVALID, "write to closed encrypt writer")
	}
	if w.spare == nil {
		w.spare = make([]byte, SegmentSize+tagSize)
	}
	var total int64
	for {
		if w.n < SegmentSize { // fill the pending segment
			m, err := io.ReadFull(r, w.buf[w.n:SegmentSize])
			w.n += m
			total += int64(m)
			if err != nil {
				return total, endOfInput(err)
			}
			continue
		}
		m, err := io.ReadFull(r, w.spare[:SegmentSize])
		total += int64(m)
		if m == 0 {
			return total, endOfInput(err) // the pending segment may be the last
		}
		if serr := w.seal(w.buf[:SegmentSize], false); serr != nil {
			return total, serr
		}
		w.buf, w.spare, w.n = w.spare, w.buf, m
		if err != nil {
			return total, endOfInput(err)
		}
	}
}

// endOfInput maps the end of the input to success and passes other errors on.
func endOfInput(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return err
}

// Close seals the pending data as the last segment. Calling it again does
// nothing.
func (w *encryptWriter) Close() error {
	if w.closed || w.err != nil {
		return w.err
	}
	w.closed = true
	return w.seal(w.buf[:w.n], true)
}

// seal encrypts one segment of plaintext, which is either w.buf[:len] (sealed in
// place) or the caller's slice, into w.buf and writes it to dst.
func (w *encryptWriter) seal(plaintext []byte, last bool) error {
	nonce, err := w.segmentNonce(last)
	if err != nil {
		w.err = err
		return err
	}
	out := w.aead.Seal(w.buf[:0], nonce, plaintext, w.ad)
	if _, err := w.dst.Write(out); err != nil {
		w.err = err
		return err
	}
	return nil
}
