package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/steward-privacy/steward/consent"
)

func (c *cli) consentCmd(args []string) int {
	return c.dispatch("consent", args, consentUsage, map[string]func([]string) int{"verify-receipt": c.verifyReceipt})
}

func consentUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: steward consent verify-receipt --public-keys KEYS.json FILE")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "FILE is the JSON of GET /v1/consents/{id}/receipt; KEYS.json the JSON of GET /v1/audit/public-key,")
	fmt.Fprintln(w, "obtained from the operator. Exit 0: the signature holds; 1: it does not (a byte changed, or an unknown key).")
}

// verifyReceipt checks a signed consent receipt offline and prints it.
func (c *cli) verifyReceipt(args []string) int {
	fs := flag.NewFlagSet("consent verify-receipt", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	keysFile := fs.String("public-keys", "", "the JSON of GET /v1/audit/public-key (required)")
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	rest := fs.Args()
	if len(rest) > 1 && strings.HasPrefix(rest[1], "-") { // FILE --public-keys KEYS
		if err := fs.Parse(rest[1:]); err != nil {
			return flagStatus(err)
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 || *keysFile == "" {
		consentUsage(c.stderr)
		return 2
	}
	keys, err := readPublicKeys(*keysFile)
	if err != nil {
		return c.fail("consent verify-receipt", err)
	}
	signed, err := os.ReadFile(rest[0])
	if err != nil {
		return c.fail("consent verify-receipt", err)
	}
	r, err := consent.VerifyReceipt(signed, keys)
	if err != nil {
		return c.fail("consent verify-receipt", err)
	}
	fmt.Fprintf(c.stdout, "receipt %s: OK, signature valid; %s for %s by %s at %s (policy version %s)\n", r.ID,
		strings.TrimPrefix(r.Decision.Status, "dpv:"), r.Purpose.ID, r.Subject.ID, r.Decision.Time.Format("2006-01-02T15:04:05Z07:00"),
		r.Notice.PolicyVersion)
	return 0
}
