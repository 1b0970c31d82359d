package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

// JPEG markers.
const (
	markerSOI   = 0xD8
	markerSOS   = 0xDA
	markerEOI   = 0xD9
	markerAPP1  = 0xE1
	markerAPP2  = 0xE2
	markerAPP13 = 0xED
	markerAPP14 = 0xEE
	markerCOM   = 0xFE
)

var (
	exifHeader = []byte("Exif\x00\x00")
	xmpHeader  = []byte("http://ns.adobe.com/xap/1.0/\x00")
	xmpExt     = []byte("http://ns.adobe.com/xmp/extension/\x00")
	iccHeader  = []byte("ICC_PROFILE\x00")
)

// stripJPEG copies the segments that decode the image (frame, tables, JFIF,
// Adobe, ICC profile) and drops the others; the EXIF block is replaced by
// one holding only the orientation, when there was one other than normal.
// From the start of scan on, the rest is copied as it is.
func stripJPEG(r *bufio.Reader, w *bufio.Writer, rep *Report) error {
	var soi [2]byte
	if err := readFull(r, soi[:], "JPEG"); err != nil {
		return err
	}
	if soi[0] != 0xFF || soi[1] != markerSOI {
		return malformed("JPEG", "no start-of-image marker")
	}
	w.Write(soi[:])
	for {
		m, err := nextMarker(r)
		if err != nil {
			return err
		}
		if m == markerEOI || (m >= 0xD0 && m <= 0xD7) || m == 0x01 {
			w.Write([]byte{0xFF, m})
			if m == markerEOI {
				return nil
			}
			continue
		}
		var l [2]byte
		if err := readFull(r, l[:], "JPEG"); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint16(l[:]))
		if n < 2 {
			return malformed("JPEG", "segment length")
		}
		payload := make([]byte, n-2)
		if err := readFull(r, payload, "JPEG"); err != nil {
			return err
		}
		if keep, replacement := jpegSegment(m, payload, rep); keep {
			writeSegment(w, m, payload)
		} else if replacement != nil {
			writeSegment(w, markerAPP1, replacement)
		}
		if m == markerSOS {
			_, err := io.Copy(w, r) // entropy-coded data to the end
			return err
		}
	}
}

// nextMarker reads a marker, skipping fill bytes.
func nextMarker(r *bufio.Reader) (byte, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, malformed("JPEG", "truncated")
	}
	if b != 0xFF {
		return 0, malformed("JPEG", "expected a marker")
	}
	for b == 0xFF {
		if b, err = r.ReadByte(); err != nil {
			return 0, malformed("JPEG", "truncated")
		}
	}
	return b, nil
}

func writeSegment(w *bufio.Writer, m byte, payload []byte) {
	var h [4]byte
	h[0], h[1] = 0xFF, m
	binary.BigEndian.PutUint16(h[2:], uint16(len(payload)+2))
	w.Write(h[:])
	w.Write(payload)
}

// jpegSegment decides one segment: keep it, drop it, or replace it (an EXIF
// block by one with only the orientation).
func jpegSegment(m byte, p []byte, rep *Report) (keep bool, replacement []byte) {
	switch {
	case m == markerAPP1 && bytes.HasPrefix(p, exifHeader):
		rep.removed("exif")
		if o := exifOrientation(p[len(exifHeader):]); o > 1 && o <= 8 {
			return false, orientationOnlyExif(o)
		}
		return false, nil
	case m == markerAPP1 && (bytes.HasPrefix(p, xmpHeader) || bytes.HasPrefix(p, xmpExt)):
		rep.removed("xmp")
		return false, nil
	case m == markerAPP2 && bytes.HasPrefix(p, iccHeader):
		return true, nil // the colour profile: how the pixels look
	case m == markerAPP13:
		rep.removed("iptc")
		return false, nil
	case m == markerCOM:
		rep.removed("comment")
		return false, nil
	case m == 0xE0 || m == markerAPP14: // JFIF, Adobe colour transform
		return true, nil
	case m >= 0xE1 && m <= 0xEF:
		rep.removed("app-segment")
		return false, nil
	}
	return true, nil // frame headers, tables, restart interval, scan
}

// exifOrientation reads tag 0x0112 of IFD0 from a TIFF structure; 0 when
// absent or unreadable.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for i := 0; i < count; i++ {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			return int(bo.Uint16(t[e+8:]))
		}
	}
	return 0
}

// orientationOnlyExif is an APP1 payload whose IFD0 holds only the
// Orientation tag.
func orientationOnlyExif(o int) []byte {
	b := append([]byte(nil), exifHeader...)
	b = append(b, 'M', 'M', 0, 42, 0, 0, 0, 8) // big-endian TIFF, IFD0 at 8
	b = append(b, 0, 1)                        // one entry
	b = append(b, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0)
	return append(b, 0, 0, 0, 0) // no next IFD
}
