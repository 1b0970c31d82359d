package blackbox

import (
	"bytes"
	"image/jpeg"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestDisclosedImagesLeaveWithoutMetadata: a photo disclosed to a processor
// for a purpose that asks for de-identification (redact_pii) downloads
// without its EXIF, XMP, IPTC and comments (GPS position, camera serial,
// owner), with the same pixels; the same photo for a purpose without that
// obligation downloads byte for byte as stored.
func TestDisclosedImagesLeaveWithoutMetadata(t *testing.T) {
	photo, err := os.ReadFile("../../media/testdata/sample.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, deidentify := range []bool{true, false} {
		var edits []string
		if deidentify {
			edits = []string{"    user_visible_only: true\n    categories: [user.content]", "    user_visible_only: true\n    redact_pii: true\n    categories: [user.content]"}
		}
		s := start(t, testdb.Backends()[0], "--policy", examplePolicy(t, "content-studio.yaml", edits...))
		ctx := s.ctx()
		c := s.api(s.appKey(strings.Fields(shareScopes)...))
		sub := got(c.CreateSubject(ctx, client.NewSubject{ExternalID: "photo-owner"})).must(t)
		f := got(c.UploadFile(ctx, sub.ID, client.Upload{Category: "user.content.prompt"}, bytes.NewReader(photo))).must(t)
		d := got(c.Disclose(ctx, sub.ID, client.NewDisclosure{Processor: "quill-text", Purpose: "essential.service.generation",
			Categories: []string{"user.content.prompt"}, Files: []string{f.ID}})).must(t)
		dl := got(c.DownloadLink(ctx, d.Downloads[0].URL)).must(t)
		out, err := io.ReadAll(dl)
		dl.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !deidentify {
			if !bytes.Equal(out, photo) {
				t.Fatal("without a de-identification obligation the file changed")
			}
			continue
		}
		for _, canary := range []string{"CANARY", "Canary", "canary"} {
			if bytes.Contains(out, []byte(canary)) {
				t.Fatalf("metadata %q left with the photo", canary)
			}
		}
		a, err1 := jpeg.Decode(bytes.NewReader(photo))
		b, err2 := jpeg.Decode(bytes.NewReader(out))
		if err1 != nil || err2 != nil || a.Bounds() != b.Bounds() || a.At(10, 10) != b.At(10, 10) {
			t.Fatalf("the stripped photo is not the same image: %v %v", err1, err2)
		}
		ev := s.actionEvents(s.appKey("audit:read"), "disclosure.download")
		if len(ev) != 1 || !strings.Contains(strings.Join(ev[0].Reasons, ","), "metadata_removed") {
			t.Fatalf("download events: %+v", ev)
		}
	}
}
