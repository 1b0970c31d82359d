package media

import (
	"bufio"
	"encoding/binary"
	"io"
	"slices"
)

// maxMetaBox bounds the meta box of a HEIF file, which is read whole.
const maxMetaBox = 16 << 20

// span is a byte range of the file: [off, off+n).
type span struct{ off, n uint64 }

// stripHEIF blanks (overwrites with zeros) the Exif and XMP items of a HEIC
// or AVIF file in place, so that no offset changes. The meta box, which
// says where the items are, is read whole; boxes after it are streamed and
// the items' bytes zeroed on the way. Items stored before the meta box
// (unusual) cannot be blanked while streaming: that is an error rather than
// a file that leaves with its metadata.
func stripHEIF(r *bufio.Reader, w *bufio.Writer, rep *Report) error {
	var pos uint64 // bytes of the file read so far
	var blank []span
	sawMeta := false
	for {
		hdr, size, err := boxHeader(r)
		if err == io.EOF {
			if !sawMeta {
				return malformed("HEIF", "no meta box")
			}
			return nil
		}
		if err != nil {
			return err
		}
		typ := string(hdr[4:8])
		body := size - uint64(len(hdr))
		if size == 0 { // to the end of the file
			body = 1<<63 - 1
		}
		switch {
		case typ == "meta" && !sawMeta:
			if body > maxMetaBox {
				return malformed("HEIF", "meta box too large")
			}
			meta := make([]byte, body)
			if err := readFull(r, meta, "HEIF"); err != nil {
				return err
			}
			sawMeta = true
			items, err := metadataItems(meta, pos+uint64(len(hdr)), rep)
			if err != nil {
				return err
			}
			for _, s := range items {
				if s.off < pos {
					return malformed("HEIF", "metadata stored before the meta box")
				}
			}
			blank = items
			w.Write(hdr)
			zero(meta, pos+uint64(len(hdr)), blank)
			w.Write(meta)
		default:
			if typ == "mdat" && !sawMeta {
				return malformed("HEIF", "media data before the meta box (not supported)")
			}
			w.Write(hdr)
			if err := copyBlanking(w, r, pos+uint64(len(hdr)), body, blank, size == 0); err != nil {
				return err
			}
		}
		pos += size
		if size == 0 {
			return nil
		}
	}
}

// boxHeader reads a box header (8 bytes, or 16 with a 64-bit size) and
// returns it with the box's total size (0: to the end of the file).
func boxHeader(r *bufio.Reader) ([]byte, uint64, error) {
	h := make([]byte, 8, 16)
	if _, err := io.ReadFull(r, h); err != nil {
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		return nil, 0, malformed("HEIF", "truncated box header")
	}
	size := uint64(binary.BigEndian.Uint32(h))
	if size == 1 {
		h = h[:16]
		if err := readFull(r, h[8:], "HEIF"); err != nil {
			return nil, 0, err
		}
		size = binary.BigEndian.Uint64(h[8:])
	}
	if size != 0 && size < uint64(len(h)) {
		return nil, 0, malformed("HEIF", "box size")
	}
	return h, size, nil
}

// copyBlanking copies n bytes starting at file offset base, zeroing the
// bytes inside the spans. toEOF copies until the reader ends.
func copyBlanking(w *bufio.Writer, r *bufio.Reader, base, n uint64, blank []span, toEOF bool) error {
	buf := make([]byte, 64<<10)
	for done := uint64(0); done < n; {
		k, err := r.Read(buf[:min(uint64(len(buf)), n-done)])
		if k > 0 {
			zero(buf[:k], base+done, blank)
			w.Write(buf[:k])
			done += uint64(k)
		}
		if err == io.EOF {
			if toEOF {
				return nil
			}
			return malformed("HEIF", "truncated box")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// zero clears the bytes of b (which starts at file offset base) that fall
// in a span.
func zero(b []byte, base uint64, blank []span) {
	end := base + uint64(len(b))
	for _, s := range blank {
		lo, hi := max(s.off, base), min(s.off+s.n, end)
		if lo < hi {
			clear(b[lo-base : hi-base])
		}
	}
}

// metadataItems parses the meta box body (starting at file offset at) and
// returns the spans of its Exif and XMP items.
func metadataItems(meta []byte, at uint64, rep *Report) ([]span, error) {
	if len(meta) < 4 {
		return nil, malformed("HEIF", "meta box")
	}
	kinds := map[uint32]string{}
	var iloc []byte
	var idatAt uint64
	hasIdat := false
	for p := 4; p+8 <= len(meta); { // after the FullBox version and flags
		size := int(binary.BigEndian.Uint32(meta[p:]))
		typ := string(meta[p+4 : p+8])
		hl := 8
		if size == 1 && p+16 <= len(meta) {
			size, hl = int(binary.BigEndian.Uint64(meta[p+8:])), 16
		}
		if size == 0 {
			size = len(meta) - p
		}
		if size < hl || p+size > len(meta) {
			return nil, malformed("HEIF", "box inside meta")
		}
		body := meta[p+hl : p+size]
		switch typ {
		case "iinf":
			if err := itemKinds(body, kinds); err != nil {
				return nil, err
			}
		case "iloc":
			iloc = body
		case "idat":
			idatAt, hasIdat = at+uint64(p+hl), true
		}
		p += size
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	spans, err := itemSpans(iloc, kinds, idatAt, hasIdat)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		rep.removed(k)
	}
	return spans, nil
}

// itemKinds reads the iinf box: which item ids are Exif or XMP.
func itemKinds(b []byte, kinds map[uint32]string) error {
	if len(b) < 6 {
		return malformed("HEIF", "iinf")
	}
	p := 6
	if b[0] != 0 { // version 1+: 32-bit entry count
		p = 8
	}
	for p+8 <= len(b) {
		size := int(binary.BigEndian.Uint32(b[p:]))
		if size < 8 || p+size > len(b) {
			return malformed("HEIF", "infe")
		}
		if string(b[p+4:p+8]) == "infe" {
			if id, kind, ok := infe(b[p+8 : p+size]); ok {
				kinds[id] = kind
			}
		}
		p += size
	}
	return nil
}

// infe reads one item info entry (versions 2 and 3) and says whether it is
// an Exif or an XMP item.
func infe(b []byte) (id uint32, kind string, ok bool) {
	if len(b) < 4 || b[0] < 2 {
		return 0, "", false
	}
	p := 4
	if b[0] == 2 {
		if len(b) < p+8 {
			return 0, "", false
		}
		id = uint32(binary.BigEndian.Uint16(b[p:]))
		p += 2
	} else {
		if len(b) < p+10 {
			return 0, "", false
		}
		id = binary.BigEndian.Uint32(b[p:])
		p += 4
	}
	p += 2 // protection index
	typ := string(b[p : p+4])
	p += 4
	switch typ {
	case "Exif":
		return id, "exif", true
	case "mime":
		// item_name, then content_type: XMP is application/rdf+xml.
		name := cstring(b[p:])
		ct := cstring(b[min(p+len(name)+1, len(b)):])
		if ct == "application/rdf+xml" {
			return id, "xmp", true
		}
	}
	return 0, "", false
}

func cstring(b []byte) string {
	if i := slices.Index(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// itemSpans reads the iloc box and returns the byte ranges of the items
// named in kinds (file offsets; construction method 0 from the file, 1 from
// the idat box).
func itemSpans(b []byte, kinds map[uint32]string, idatAt uint64, hasIdat bool) ([]span, error) {
	bad := malformed("HEIF", "iloc")
	if len(b) < 8 {
		return nil, bad
	}
	version := b[0]
	offSize, lenSize := int(b[4]>>4), int(b[4]&15)
	baseSize, idxSize := int(b[5]>>4), int(b[5]&15)
	if version == 0 {
		idxSize = 0
	}
	p := 6
	var count int
	if version < 2 {
		count, p = int(binary.BigEndian.Uint16(b[p:])), p+2
	} else {
		if len(b) < p+4 {
			return nil, bad
		}
		count, p = int(binary.BigEndian.Uint32(b[p:])), p+4
	}
	read := func(n int) (uint64, bool) {
		if n == 0 {
			return 0, true
		}
		if p+n > len(b) || (n != 4 && n != 8 && n != 2) {
			return 0, false
		}
		var v uint64
		switch n {
		case 2:
			v = uint64(binary.BigEndian.Uint16(b[p:]))
		case 4:
			v = uint64(binary.BigEndian.Uint32(b[p:]))
		case 8:
			v = binary.BigEndian.Uint64(b[p:])
		}
		p += n
		return v, true
	}
	var out []span
	for range count {
		idLen := 2
		if version == 2 {
			idLen = 4
		}
		id, ok := read(idLen)
		if !ok {
			return nil, bad
		}
		method := uint64(0)
		if version >= 1 {
			m, ok := read(2)
			if !ok {
				return nil, bad
			}
			method = m & 15
		}
		if _, ok := read(2); !ok { // data reference index
			return nil, bad
		}
		base, ok1 := read(baseSize)
		extents, ok2 := read(2)
		if !ok1 || !ok2 {
			return nil, bad
		}
		for range extents {
			if _, ok := read(idxSize); !ok {
				return nil, bad
			}
			off, ok1 := read(offSize)
			n, ok2 := read(lenSize)
			if !ok1 || !ok2 {
				return nil, bad
			}
			if _, wanted := kinds[uint32(id)]; !wanted {
				continue
			}
			switch {
			case method == 0:
				out = append(out, span{off: base + off, n: n})
			case method == 1 && hasIdat:
				out = append(out, span{off: idatAt + base + off, n: n})
			default:
				return nil, malformed("HEIF", "metadata item stored in a way that cannot be blanked")
			}
		}
	}
	return out, nil
}
