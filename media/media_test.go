package media_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/media"
)

// The samples in testdata were made with ImageMagick, cwebp and heif-enc,
// and given metadata with exiftool: GPS position, camera serial number
// CANARYSERIAL42, owner "Canary Owner", XMP creator "Canary Creator",
// IPTC by-line, comments, and (JPEG, HEIC) orientation 6 (rotate 90 CW).
var samples = []struct {
	file, contentType string
	removed           []string
}{
	{"sample.jpg", "image/jpeg", []string{"exif", "xmp", "iptc", "comment"}},
	{"sample.png", "image/png", []string{"exif", "text"}},
	{"sample.webp", "image/webp", []string{"exif", "xmp"}},
	{"sample.heic", "image/heic", []string{"exif", "xmp"}},
}

// canaries are the metadata values that must not survive.
var canaries = []string{"CANARY", "Canary", "canary", "2024:01:02"}

func strip(t *testing.T, in []byte, contentType string) ([]byte, *media.Report) {
	t.Helper()
	var out bytes.Buffer
	rep, err := media.Strip(bytes.NewReader(in), &out, contentType)
	if err != nil {
		t.Fatalf("Strip(%s): %v", contentType, err)
	}
	return out.Bytes(), rep
}

func TestStripRemovesMetadata(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			in, err := os.ReadFile("testdata/" + s.file)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range canaries[:2] {
				if !bytes.Contains(in, []byte(c)) {
					t.Fatalf("the sample lacks its canary %q", c)
				}
			}
			out, rep := strip(t, in, s.contentType)
			for _, c := range canaries {
				if bytes.Contains(out, []byte(c)) {
					t.Errorf("%q survived", c)
				}
			}
			for _, want := range s.removed {
				if !strings.Contains(strings.Join(rep.Removed, ","), want) {
					t.Errorf("report %v lacks %q", rep.Removed, want)
				}
			}
			exiftoolFindsNothing(t, out, s.file)
		})
	}
}

// exiftoolFindsNothing checks with exiftool, when installed, that the
// stripped file has no GPS, serial number, owner or creator left.
func exiftoolFindsNothing(t *testing.T, b []byte, name string) {
	if _, err := exec.LookPath("exiftool"); err != nil {
		return
	}
	f := t.TempDir() + "/" + name
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("exiftool", "-s", "-GPS:all", "-SerialNumber", "-OwnerName", "-XMP:all", "-IPTC:all", "-Comment", f).CombinedOutput()
	var found []string
	for _, l := range strings.Split(string(out), "\n") {
		// A blanked HEIC item reads as "Invalid XMP": a warning, no value.
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Warning:") {
			found = append(found, l)
		}
	}
	if err != nil || len(found) != 0 {
		t.Errorf("exiftool still finds metadata: %v\n%s", err, out)
	}
}

// TestStripKeepsPixelsAndOrientation: the image decodes to the same pixels,
// and a JPEG keeps its orientation (a minimal EXIF with only that tag).
func TestStripKeepsPixelsAndOrientation(t *testing.T) {
	for _, s := range []struct {
		file, ct string
		decode   func([]byte) (image.Image, error)
	}{
		{"sample.jpg", "image/jpeg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"sample.png", "image/png", func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
	} {
		in, _ := os.ReadFile("testdata/" + s.file)
		out, _ := strip(t, in, s.ct)
		a, err := s.decode(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.decode(out)
		if err != nil {
			t.Fatalf("%s: the stripped image does not decode: %v", s.file, err)
		}
		if a.Bounds() != b.Bounds() {
			t.Fatalf("%s: bounds changed", s.file)
		}
		for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
			for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
				if a.At(x, y) != b.At(x, y) {
					t.Fatalf("%s: pixel (%d,%d) changed", s.file, x, y)
				}
			}
		}
	}
	in, _ := os.ReadFile("testdata/sample.jpg")
	out, _ := strip(t, in, "image/jpeg")
	i := bytes.Index(out, []byte("Exif\x00\x00"))
	if i < 0 {
		t.Fatal("the JPEG lost its orientation")
	}
	seg := out[i-4:]
	n := int(binary.BigEndian.Uint16(seg[2:4]))
	if n != 2+6+8+2+12+4 || seg[4+6+8+2+9] != 6 {
		t.Fatalf("orientation-only EXIF: length %d, bytes % x", n, seg[:n+2])
	}
	for _, tool := range [][]string{{"heif-convert", "sample.heic", "out.png"}, {"dwebp", "sample.webp", "-o", "out.png"}} {
		checkDecodes(t, tool)
	}
}

// checkDecodes decodes a stripped HEIC or WebP with the format's own tool,
// when installed.
func checkDecodes(t *testing.T, tool []string) {
	if _, err := exec.LookPath(tool[0]); err != nil {
		return
	}
	dir := t.TempDir()
	in, _ := os.ReadFile("testdata/" + tool[1])
	ct := map[string]string{"sample.heic": "image/heic", "sample.webp": "image/webp"}[tool[1]]
	out, _ := strip(t, in, ct)
	if err := os.WriteFile(dir+"/"+tool[1], out, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{}, tool[1:]...)
	for i, a := range args {
		args[i] = dir + "/" + a
	}
	if args[len(args)-2] == dir+"/-o" {
		args[len(args)-2] = "-o"
	}
	if b, err := exec.Command(tool[0], args...).CombinedOutput(); err != nil {
		t.Errorf("%s cannot decode the stripped file: %v\n%s", tool[0], err, b)
	}
}

func TestStripRefusesOtherTypesAndMalformed(t *testing.T) {
	if _, err := media.Strip(strings.NewReader("x"), &bytes.Buffer{}, "application/pdf"); err != media.ErrUnsupported {
		t.Fatalf("pdf: %v", err)
	}
	for _, ct := range []string{"image/jpeg", "image/png", "image/webp", "image/heic"} {
		if _, err := media.Strip(strings.NewReader("not an image at all"), &bytes.Buffer{}, ct); err == nil {
			t.Errorf("%s: junk accepted", ct)
		}
	}
}

// FuzzStrip: no input panics or loops; the output of a stripped file
// strips to itself.
func FuzzStrip(f *testing.F) {
	for _, s := range samples {
		b, _ := os.ReadFile("testdata/" + s.file)
		f.Add(b, s.contentType)
	}
	f.Fuzz(func(t *testing.T, b []byte, ct string) {
		var out bytes.Buffer
		if _, err := media.Strip(bytes.NewReader(b), &out, ct); err != nil {
			return
		}
		var again bytes.Buffer
		if _, err := media.Strip(bytes.NewReader(out.Bytes()), &again, ct); err != nil {
			t.Fatalf("the stripped output does not strip again: %v", err)
		}
	})
}

// BenchmarkStripJPEG measures stripping a 32 MiB JPEG (the headers of the
// sample and a long scan): the scan is streamed, memory stays flat.
func BenchmarkStripJPEG(b *testing.B) {
	in, _ := os.ReadFile("testdata/sample.jpg")
	sos := bytes.Index(in, []byte{0xFF, 0xDA})
	scan := bytes.Repeat([]byte{0x12, 0x34, 0x56, 0x78}, 8<<20)
	big := append(append(append([]byte{}, in[:sos+14]...), scan...), 0xFF, 0xD9)
	b.SetBytes(int64(len(big)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := media.Strip(bytes.NewReader(big), discard{}, "image/jpeg"); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
