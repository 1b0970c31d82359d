package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/pii/corpus"
)

// piiMaxInput bounds the input of `pii scan --operator`, which must hold the
// whole text to rewrite it; plain scans stream and have no bound.
const piiMaxInput = 256 << 20

// pii runs `steward pii scan` and `steward pii eval`.
func (c *cli) pii(args []string) int {
	return c.dispatch("pii", args, c.piiUsage, map[string]func([]string) int{"scan": c.piiScan, "eval": c.piiEval})
}

func (c *cli) piiUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: steward pii scan [--json] [--entities A,B] [--threshold X] [--operator OP] [--regions US,DE] [FILE|-]")
	fmt.Fprintln(w, "       steward pii eval [--seed N] [--samples N] [--negatives N] [--json]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "operators: replace, redact, mask[:N], hash, encrypt (key in STEWARD_PII_KEY or STEWARD_PII_KEY_FILE:")
	fmt.Fprintln(w, "32 bytes as 64 hex digits or base64), pseudonymize (placeholders; the mapping lives only in this run)")
}

// piiScan scans a file or standard input.
func (c *cli) piiScan(args []string) int {
	fs := flag.NewFlagSet("pii scan", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	entities := fs.String("entities", "", "comma-separated entity types (default: all)")
	threshold := fs.Float64("threshold", pii.DefaultThreshold, "minimum score, 0 to 1")
	operator := fs.String("operator", "", "replace, redact, mask[:N], hash, encrypt or pseudonymize")
	regions := fs.String("regions", "", "comma-separated phone regions (default: "+strings.Join(pii.DefaultPhoneRegions, ",")+")")
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(c.stderr, "steward pii scan: at most one FILE")
		return 2
	}
	opts := []pii.Option{pii.WithThreshold(*threshold)}
	es, err := pii.ParseEntities(*entities)
	if err != nil {
		return c.piiFail(err)
	}
	opts = append(opts, pii.WithEntities(es...))
	if *regions != "" {
		opts = append(opts, pii.WithPhoneRegions(strings.Split(*regions, ",")...))
	}
	scanner, err := pii.New(opts...)
	if err != nil {
		return c.piiFail(err)
	}
	in, closeIn, err := c.piiInput(fs.Arg(0))
	if err != nil {
		return c.piiFail(err)
	}
	defer closeIn()
	if *operator == "" {
		return c.piiStream(scanner, in, *asJSON)
	}
	apply, err := c.piiOperator(*operator)
	if err != nil {
		return c.piiFail(err)
	}
	data, err := io.ReadAll(io.LimitReader(in, piiMaxInput+1))
	if err != nil {
		return c.piiFail(steward.Errorf(steward.EINVALID, "reading input: %v", err))
	}
	if len(data) > piiMaxInput {
		return c.piiFail(steward.Errorf(steward.ETOOLARGE, "input over %d MiB; scan without --operator to stream it", piiMaxInput>>20))
	}
	text := string(data)
	found := scanner.Scan(text)
	out, err := apply(text, found)
	if err != nil {
		return c.piiFail(err)
	}
	if *asJSON {
		return c.piiJSON(struct {
			Entities []pii.Finding `json:"entities"`
			Text     string        `json:"text"`
		}{nonNil(found), out})
	}
	fmt.Fprint(c.stdout, out)
	return 0
}

// piiStream scans in bounded memory and prints findings as they come; values
// are never printed, only types, offsets, scores and recognizers. Output goes
// through a buffer (one write a buffer, not per finding), flushed at the end
// and when the scan fails.
func (c *cli) piiStream(scanner *pii.Scanner, in io.Reader, asJSON bool) int {
	w := bufio.NewWriterSize(c.stdout, 64<<10)
	n := 0
	var buf []byte
	if asJSON {
		w.WriteString(`{"entities":[`)
	}
	err := scanner.ScanReader(in, func(f pii.Finding) error {
		if asJSON {
			if n > 0 {
				buf = append(buf[:0], ',')
			} else {
				buf = buf[:0]
			}
			buf = f.AppendJSON(buf)
			n++
			_, err := w.Write(buf)
			return err
		}
		n++
		_, err := fmt.Fprintf(w, "%-14s %d-%d\trunes %d-%d\tscore %.2f\t%s\n", f.Entity, f.Start, f.End, f.RuneStart, f.RuneEnd, f.Score, f.Recognizer)
		return err
	})
	if asJSON && err == nil {
		w.WriteString("]}\n")
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return c.piiFail(err)
	}
	return 0
}

// piiOperator returns the function applying the named operator.
func (c *cli) piiOperator(spec string) (func(string, []pii.Finding) (string, error), error) {
	name, _, _ := strings.Cut(strings.ToLower(spec), ":")
	switch name {
	case "pseudonymize":
		key := make([]byte, pii.KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		p, err := pii.NewPseudonymizer(pii.PseudonymizerConfig{Key: key, Store: pii.NewMemoryStore(nil)})
		if err != nil {
			return nil, err
		}
		return func(text string, fs []pii.Finding) (string, error) {
			return p.Pseudonymize(context.Background(), "cli", text, fs)
		}, nil
	case "hash", "encrypt":
		key, err := c.piiKey()
		if err != nil {
			return nil, err
		}
		op, err := pii.ParseOperator(spec, key)
		if err != nil {
			return nil, err
		}
		return func(text string, fs []pii.Finding) (string, error) { return pii.Apply(text, fs, op) }, nil
	}
	op, err := pii.ParseOperator(spec, nil)
	if err != nil {
		return nil, err
	}
	return func(text string, fs []pii.Finding) (string, error) { return pii.Apply(text, fs, op) }, nil
}

// piiKey reads the 32-byte key for hash and encrypt from STEWARD_PII_KEY or
// the file named by STEWARD_PII_KEY_FILE, as hex or base64.
func (c *cli) piiKey() ([]byte, error) {
	s := c.getenv("STEWARD_PII_KEY")
	if path := c.getenv("STEWARD_PII_KEY_FILE"); s == "" && path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, steward.Invalid("STEWARD_PII_KEY_FILE", "cannot read the key file")
		}
		s = string(b)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, steward.Invalid("STEWARD_PII_KEY", "hash and encrypt need a key in STEWARD_PII_KEY or STEWARD_PII_KEY_FILE")
	}
	if k, err := hex.DecodeString(s); err == nil && len(k) == pii.KeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == pii.KeySize {
		return k, nil
	}
	return nil, steward.Invalid("STEWARD_PII_KEY", "the key must be 32 bytes, as 64 hex digits or base64")
}

// piiInput opens FILE, or standard input for "" and "-".
func (c *cli) piiInput(name string) (io.Reader, func(), error) {
	if name == "" || name == "-" {
		return c.stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, steward.Errorf(steward.EINVALID, "cannot open %s", name)
	}
	return f, func() { f.Close() }, nil
}

// piiEval evaluates the default scanner on the generated corpus.
func (c *cli) piiEval(args []string) int {
	fs := flag.NewFlagSet("pii eval", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	seed := fs.Uint64("seed", 1, "corpus seed")
	samples := fs.Int("samples", 3000, "samples with personal data")
	negatives := fs.Int("negatives", 1500, "hard-negative samples")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	if *samples < 1 || *negatives < 0 || *samples > 1_000_000 || *negatives > 1_000_000 {
		fmt.Fprintln(c.stderr, "steward pii eval: --samples must be 1..1000000 and --negatives 0..1000000")
		return 2
	}
	scanner, err := pii.New()
	if err != nil {
		return c.piiFail(err)
	}
	rep := corpus.Evaluate(scanner.Scan, corpus.Generate(*seed, *samples), corpus.HardNegatives(*seed, *negatives))
	if *asJSON {
		if code := c.piiJSON(rep); code != 0 {
			return code
		}
	} else if err := rep.Write(c.stdout); err != nil {
		return c.piiFail(err)
	}
	if fails := rep.Failures(); len(fails) > 0 {
		for _, f := range fails {
			fmt.Fprintln(c.stderr, "target missed:", f)
		}
		return 1
	}
	return 0
}

func (c *cli) piiJSON(v any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return c.piiFail(err)
	}
	return 0
}

// piiFail prints a coded error's safe message and returns the exit code.
func (c *cli) piiFail(err error) int {
	var e *steward.Error
	if errors.As(err, &e) {
		fmt.Fprintf(c.stderr, "steward pii: %s\n", e.Message)
		return 1
	}
	fmt.Fprintln(c.stderr, "steward pii: internal error")
	return 1
}

func nonNil(fs []pii.Finding) []pii.Finding {
	if fs == nil {
		return []pii.Finding{}
	}
	return fs
}
