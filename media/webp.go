package media

import (
	"bufio"
	"encoding/binary"
	"io"
)

// MaxWebP bounds the WebP files Strip holds in memory (WebP images are at
// most 16383 pixels a side, and files far below this).
const MaxWebP = 256 << 20

// VP8X flags of the metadata chunks.
const (
	vp8xEXIF = 0x08
	vp8xXMP  = 0x04
)

// stripWebP drops the EXIF and XMP chunks of a RIFF WebP file, clears their
// flags in the VP8X header and rewrites the RIFF size.
func stripWebP(r *bufio.Reader, w *bufio.Writer, rep *Report) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxWebP+1))
	if err != nil {
		return err
	}
	if len(data) > MaxWebP {
		return malformed("WebP", "larger than 256 MiB")
	}
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return malformed("WebP", "no RIFF WEBP header")
	}
	end := 8 + int(binary.LittleEndian.Uint32(data[4:8]))
	if end > len(data) || end < 12 {
		return malformed("WebP", "RIFF size")
	}
	var chunks [][]byte
	size := 4 // "WEBP"
	for p := 12; p < end; {
		if p+8 > end {
			return malformed("WebP", "truncated chunk header")
		}
		n := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		padded := n + n&1
		if p+8+n > end {
			return malformed("WebP", "truncated chunk")
		}
		c := data[p:min(p+8+padded, end)]
		switch string(c[:4]) {
		case "EXIF":
			rep.removed("exif")
		case "XMP ":
			rep.removed("xmp")
		case "VP8X":
			if n >= 1 {
				c[8] &^= vp8xEXIF | vp8xXMP
			}
			fallthrough
		default:
			chunks = append(chunks, c)
			size += len(c)
		}
		p += 8 + padded
	}
	var h [12]byte
	copy(h[:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(size))
	copy(h[8:], "WEBP")
	w.Write(h[:])
	for _, c := range chunks {
		w.Write(c)
	}
	return nil
}
