package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngDropped maps the ancillary chunks that carry metadata to what they are.
var pngDropped = map[string]string{
	"eXIf": "exif", "tEXt": "text", "zTXt": "text", "iTXt": "text", "tIME": "time",
}

// stripPNG copies the chunks that decode and show the image (critical
// chunks, transparency, colour, physical size, animation) and drops text,
// EXIF and time chunks. XMP in a PNG is an iTXt chunk, so it goes too.
func stripPNG(r *bufio.Reader, w *bufio.Writer, rep *Report) error {
	sig := make([]byte, len(pngSignature))
	if err := readFull(r, sig, "PNG"); err != nil {
		return err
	}
	if !bytes.Equal(sig, pngSignature) {
		return malformed("PNG", "no PNG signature")
	}
	w.Write(sig)
	var h [8]byte
	for {
		if err := readFull(r, h[:], "PNG"); err != nil {
			return err
		}
		n := int64(binary.BigEndian.Uint32(h[:4]))
		if n > 1<<31-1 {
			return malformed("PNG", "chunk length")
		}
		typ := string(h[4:8])
		body := n + 4 // data and CRC
		if what, drop := pngDropped[typ]; drop {
			rep.removed(what)
			if _, err := io.CopyN(io.Discard, r, body); err != nil {
				return malformed("PNG", "truncated")
			}
			continue
		}
		w.Write(h[:])
		if _, err := io.CopyN(w, r, body); err != nil {
			return malformed("PNG", "truncated")
		}
		if typ == "IEND" {
			return nil
		}
	}
}
