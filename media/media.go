// Package media removes embedded metadata from images before they leave
// steward for training or for a processor whose purpose asks for
// de-identification: EXIF (GPS position, camera serial number, owner name,
// timestamps), XMP, IPTC and comments, from JPEG, PNG, WebP and HEIC/AVIF.
//
// The pixels are never decoded or re-encoded: each format's container is
// rewritten without its metadata segments (JPEG, PNG, WebP) or, for HEIC
// and AVIF, the Exif and XMP items are blanked in place (overwritten with
// zeros) so that every offset in the file stays valid. What decides how an
// image is shown stays: colour profiles, and the orientation (a JPEG keeps a
// minimal EXIF block holding only its Orientation tag; HEIC keeps its irot
// and imir properties, which are not metadata items), so images do not turn.
//
// Faces and other content in the pixels are not detected or blurred: that
// needs a face detection model (e.g. an ONNX detector run in a sidecar) and
// is out of scope; the docs say so.
package media

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"slices"
	"strings"

	"github.com/steward-privacy/steward"
)

// Report says what Strip removed, as codes: "exif", "xmp", "iptc",
// "comment", "text", "time", "app-segment".
type Report struct {
	Format  string   `json:"format"`
	Removed []string `json:"removed"`
}

func (r *Report) removed(what string) {
	if !slices.Contains(r.Removed, what) {
		r.Removed = append(r.Removed, what)
	}
}

// ErrUnsupported is returned for a content type Strip does not handle; the
// caller decides whether such a file may leave as it is.
var ErrUnsupported = steward.Errorf(steward.EINVALID, "metadata removal supports JPEG, PNG, WebP and HEIC/AVIF images only")

// Supported reports whether Strip handles contentType.
func Supported(contentType string) bool { return format(contentType) != "" }

func format(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	switch strings.ToLower(mt) {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return "jpeg"
	case "image/png", "image/apng":
		return "png"
	case "image/webp":
		return "webp"
	case "image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif":
		return "heif"
	}
	return ""
}

// Strip copies the image in r to w without its embedded metadata. It
// streams JPEG, PNG and HEIC (whose meta box precedes the media data, as
// encoders write it); a WebP file is held in memory (at most MaxWebP
// bytes) because its header states the final size. A malformed image is an
// EINVALID error; nothing of the image is in the message.
func Strip(r io.Reader, w io.Writer, contentType string) (*Report, error) {
	f := format(contentType)
	rep := &Report{Format: f, Removed: []string{}}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case "jpeg":
		err = stripJPEG(br, bw, rep)
	case "png":
		err = stripPNG(br, bw, rep)
	case "webp":
		err = stripWebP(br, bw, rep)
	case "heif":
		err = stripHEIF(br, bw, rep)
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, err
	}
	return rep, bw.Flush()
}

// malformed is the error for a file that is not the format it claims.
func malformed(format, what string) error {
	return steward.Errorf(steward.EINVALID, "malformed %s image: %s", format, what)
}

// readFull reads exactly len(b) bytes; a short read is a malformed file.
func readFull(r io.Reader, b []byte, format string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return malformed(format, "truncated")
		}
		return err
	}
	return nil
}

// Sniff returns the content type of an image from its first bytes (at
// least 16), or "" when it is not a format Strip handles. Stored files
// carry no content type, so this is how the gate recognises images.
func Sniff(head []byte) string {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return "image/jpeg"
	case len(head) >= 8 && string(head[:8]) == string(pngSignature):
		return "image/png"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "image/webp"
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		switch string(head[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		case "avif", "avis":
			return "image/avif"
		}
	}
	return ""
}
