package pii

import (
	"io"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
)

// Streaming window sizes: a window is scanned at once; consecutive windows
// overlap by streamOverlap bytes (more than the longest entity, a PEM key
// block, so nothing is cut in two) and each reaches streamLookback bytes back
// for context words.
const (
	streamWindow   = 1 << 20
	streamOverlap  = pemMax + 1024
	streamLookback = 256
)

// ScanReader scans everything r yields in windows of bounded size, so that
// memory does not grow with the input, and calls fn with each finding in
// order, its offsets relative to the whole stream. It stops at the first
// error of r or fn and returns it.
func (s *Scanner) ScanReader(r io.Reader, fn func(Finding) error) error {
	buf := make([]byte, 0, streamWindow)
	base, runeBase := 0, 0 // stream offsets of buf[0]
	emitFrom := 0          // stream offset before which everything was emitted
	eof := false
	for !eof {
		for len(buf) < cap(buf) && !eof {
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				eof = true
			} else if err != nil {
				return steward.Errorf(steward.EINVALID, "reading input: %v", err)
			}
		}
		commit := len(buf)
		if !eof {
			commit = boundary(buf, len(buf)-streamOverlap)
		}
		text := string(buf)
		fs := s.scan(text)
		setRuneOffsets(text, fs, runeBase)
		for _, f := range fs {
			if base+f.Start < emitFrom || f.Start >= commit {
				continue
			}
			f.Start += base
			f.End += base
			if err := fn(f); err != nil {
				return err
			}
			emitFrom = f.End
		}
		emitFrom = max(emitFrom, base+commit)
		if eof {
			break
		}
		keep := boundary(buf, commit-streamLookback)
		runeBase += utf8.RuneCount(buf[:keep])
		base += keep
		buf = append(buf[:0], buf[keep:]...)
	}
	return nil
}

// boundary moves i back to the start of a UTF-8 sequence, and to just after
// white space when there is some within 512 bytes, so that a cut splits
// neither a character nor, usually, a word.
func boundary(buf []byte, i int) int {
	i = max(0, min(i, len(buf)))
	for k := i; k > 0 && i-k < 512; k-- {
		if isSpace(buf[k-1]) {
			return k
		}
	}
	for i > 0 && i < len(buf) && !utf8.RuneStart(buf[i]) {
		i--
	}
	return i
}
