package training

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// errAbandoned ends the files of an export whose build failed.
var errAbandoned = steward.Errorf(steward.EINTERNAL, "training export abandoned")

// De-identification methods.
const (
	Pseudonymize = "pseudonymize"
	Redact       = "redact"
	Aggregate    = "aggregate"
)

// Bounds of an export.
const (
	DefaultShards = 8
	MaxShards     = 64
	DefaultK      = 10
	pageSize      = 500
)

// NewExport asks for a training export.
type NewExport struct {
	Model      string   `json:"model,omitempty" doc:"mdl_...: the model the data trains (its purpose is used); aggregate exports may name a purpose instead"`
	Purpose    string   `json:"purpose,omitempty" doc:"aggregate exports without a model: a declared purpose with aggregate_only"`
	Categories []string `json:"categories" doc:"declared categories the purpose may use"`
	Deidentify string   `json:"deidentify" doc:"pseudonymize, redact or aggregate (aggregate_only purposes: aggregate; redact_pii purposes: redact or aggregate)"`
	Shards     int      `json:"shards,omitempty" doc:"1 to 64, default 8 (SISA-style sharded training)"`
	K          int      `json:"k,omitempty" doc:"aggregate: the minimum group size, at least 2, default 10"`
}

// CreateExport checks a training export and starts building it in the
// background (scope training:export): every subject of the tenant the
// policy allows for the purpose now, de-identified, in shards, with its
// lineage. It returns the export running; GET shows its progress (people
// read so far) until it is completed or failed. Refusals export nothing.
func (s *Service) CreateExport(ctx context.Context, in *NewExport) (*steward.TrainingExport, error) {
	c, err := steward.Require(ctx, steward.ScopeTrainingExport)
	if err != nil {
		return nil, err
	}
	e, err := s.check(ctx, c, in)
	if err != nil {
		return nil, err
	}
	if err := s.c.Store.CreateTrainingExport(ctx, e); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.ActionTrainingExport, e.ID, "purpose:"+e.Purpose, "deidentify:"+e.Deidentify); err != nil {
		return nil, err
	}
	started := *e
	bg := context.WithoutCancel(ctx)
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		if err := s.build(bg, e); err != nil {
			e.Status, e.Error = steward.ExportFailed, steward.ErrorCode(err)
			now := s.c.Now().UTC()
			e.CompletedAt = &now
			_ = s.c.Store.UpdateTrainingExport(bg, e)
		}
	}()
	return &started, nil
}

// Wait returns once every export started so far is built (for a clean
// shutdown, and tests).
func (s *Service) Wait() { s.running.Wait() }

// Recover marks the exports a stopped server left running as failed
// (interrupted): their rows were never complete. Call it at start.
func (s *Service) Recover(ctx context.Context) error {
	return s.c.Store.FailRunningExports(ctx, s.c.Now().UTC())
}

// check validates a request against the policy in force and returns the
// export to build.
func (s *Service) check(ctx context.Context, c *steward.Caller, in *NewExport) (*steward.TrainingExport, error) {
	cur := s.c.Policies.Current()
	e := &steward.TrainingExport{ID: steward.NewID("trx"), TenantID: c.TenantID, Deidentify: in.Deidentify, Shards: in.Shards,
		K: in.K, Status: steward.ExportRunning, PolicyVersion: cur.Version.Version, RunID: newUUID(), CreatedAt: s.c.Now().UTC()}
	switch {
	case in.Model != "":
		m, err := s.c.Store.Model(ctx, c.TenantID, in.Model)
		if err != nil {
			if steward.ErrorCode(err) == steward.ENOTFOUND {
				return nil, steward.Invalid("model", "no such model in this tenant")
			}
			return nil, err
		}
		e.ModelID, e.Purpose = m.ID, m.Purpose
	case in.Deidentify == Aggregate && in.Purpose != "":
		e.Purpose = in.Purpose
	default:
		return nil, steward.Invalid("model", "is required (an aggregate export may name a purpose instead)")
	}
	var pur *policy.Purpose
	for i := range cur.Policy.Purposes {
		if cur.Policy.Purposes[i].Key == e.Purpose {
			pur = &cur.Policy.Purposes[i]
		}
	}
	if pur == nil {
		return nil, s.prohibitedOr(e.Purpose, in.Categories, steward.Invalid("purpose", "is not a purpose the policy declares"))
	}
	switch in.Deidentify {
	case Pseudonymize, Redact, Aggregate:
	default:
		return nil, steward.Invalid("deidentify", "must be pseudonymize, redact or aggregate")
	}
	if pur.Aggregate && in.Deidentify != Aggregate {
		return nil, steward.Invalid("deidentify", "the purpose uses only aggregated data (aggregate_only): aggregate")
	}
	if pur.RedactPII && in.Deidentify == Pseudonymize {
		return nil, steward.Invalid("deidentify", "the purpose has personal data redacted (redact_pii): redact or aggregate")
	}
	if e.Shards == 0 {
		e.Shards = DefaultShards
	}
	if e.Shards < 1 || e.Shards > MaxShards {
		return nil, steward.Invalid("shards", "must be between 1 and 64")
	}
	if in.Deidentify == Aggregate {
		if e.K == 0 {
			e.K = DefaultK
		}
		if e.K < 2 {
			return nil, steward.Invalid("k", "must be at least 2: a group of one names its person")
		}
	}
	if len(in.Categories) == 0 || len(in.Categories) > 64 {
		return nil, steward.Invalid("categories", "name 1 to 64 categories")
	}
	readable := cur.Decider.CategoriesFor(e.Purpose)
	for _, k := range in.Categories {
		if !slices.ContainsFunc(readable, func(r string) bool {
			return k == r || strings.HasPrefix(k, r+".") || strings.HasPrefix(r, k+".")
		}) {
			return nil, steward.Invalid("categories", "the purpose may not use every category named")
		}
	}
	e.Categories = slices.Clone(in.Categories)
	// A prohibition (training on user content, say) refuses the export
	// whatever the people chose.
	d := cur.Decider.Decide(&policy.Request{Purpose: e.Purpose, Categories: e.Categories, Actor: policy.ActorService,
		Aggregate: in.Deidentify == Aggregate, At: s.c.Now()})
	if d.Reasons.Has(policy.ReasonProhibited) {
		return nil, &steward.Error{Code: steward.EFORBIDDEN, Message: d.Sentence(), Reasons: d.Codes()}
	}
	return e, nil
}

// row is one line of an export.
type row struct {
	Shard    int    `json:"shard"`
	Person   string `json:"person,omitempty"`
	Category string `json:"category"`
	Value    any    `json:"value"`
}

// group is one aggregate line.
type group struct {
	Category string `json:"category"`
	Class    string `json:"class"`
	Count    int    `json:"count"`
}

// build reads every subject of the tenant for the purpose (the vault
// decides and audits each read), writes the de-identified rows into the
// stored export, and the lineage.
func (s *Service) build(ctx context.Context, e *steward.TrainingExport) error {
	sys := steward.WithCaller(ctx, &steward.Caller{TenantID: e.TenantID, Kind: steward.ActorSystem, ID: Actor,
		Scopes: steward.Scopes{steward.ScopeRecordsRead}})
	k, err := crypt.NewKey(1, s.keyed("export", e.ID))
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := s.c.Files.Put(ctx, blobKey(e), pr)
		pr.CloseWithError(err)
		done <- err
	}()
	ew, err := crypt.NewEncryptWriter(pw, k, exportAAD(e))
	if err != nil {
		pw.CloseWithError(err)
		<-done
		return err
	}
	cw := &counting{w: ew}
	bw := bufio.NewWriterSize(cw, 64<<10)
	enc := json.NewEncoder(bw)
	pseudo := newPseudonym(s.keyed("pseudonym", e.ID))
	groups := map[[2]string]int{}
	lineage := make([][][]byte, e.Shards)
	// Pages of subjects are read and de-identified by a producer while the
	// previous page is written, so the two overlap.
	z := &filesZip{s: s, e: e}
	defer z.close(errAbandoned) // on an early return; a no-op once closed
	pages := s.pages(sys, e, pseudo)
	defer func() {
		for range pages { // on an early return, let the producer finish
		}
	}()
	for pg := range pages {
		if pg.err != nil {
			pw.CloseWithError(pg.err)
			<-done
			return pg.err
		}
		for _, p := range pg.items {
			if p.err != nil {
				pw.CloseWithError(p.err)
				<-done
				return p.err
			}
			if p.skip {
				e.Skipped++
				continue
			}
			lineage[p.shard] = append(lineage[p.shard], p.hash)
			e.Subjects++
			for _, g := range p.groups {
				groups[g]++
			}
			for _, r := range p.rows {
				if err := enc.Encode(r); err != nil {
					pw.CloseWithError(err)
					<-done
					return z.close(err)
				}
				e.Rows++
			}
			for _, f := range p.files {
				if err := z.add(sys, f, p.shard, pseudo.key); err != nil {
					pw.CloseWithError(err)
					<-done
					return z.close(err)
				}
				e.Files++
			}
		}
		// Progress, and the page's lineage now, so memory stays flat for any
		// size.
		if err := s.c.Store.UpdateTrainingExport(ctx, e); err != nil {
			pw.CloseWithError(err)
			<-done
			return err
		}
		for shard, hs := range lineage {
			if len(hs) == 0 {
				continue
			}
			if err := s.c.Store.AddLineage(ctx, e.TenantID, e.ID, shard, hs); err != nil {
				pw.CloseWithError(err)
				<-done
				return err
			}
			lineage[shard] = hs[:0]
		}
	}
	if e.Deidentify == Aggregate {
		keys := make([][2]string, 0, len(groups))
		for g := range groups {
			keys = append(keys, g)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
		for _, g := range keys {
			if groups[g] < e.K {
				e.Suppressed++
				continue
			}
			if err := enc.Encode(group{Category: g[0], Class: g[1], Count: groups[g]}); err != nil {
				pw.CloseWithError(err)
				<-done
				return err
			}
			e.Rows++
		}
	}
	err = bw.Flush()
	if cerr := ew.Close(); err == nil {
		err = cerr
	}
	pw.CloseWithError(err)
	if perr := <-done; err == nil {
		err = perr
	}
	if err = z.close(err); err != nil {
		return err
	}
	now := s.c.Now().UTC()
	e.Status, e.Bytes, e.CompletedAt = steward.ExportCompleted, cw.n, &now
	return s.c.Store.UpdateTrainingExport(ctx, e)
}

// page is one page of prepared subjects, or the error that ended them.
type page struct {
	items []prepared
	err   error
}

// pages reads the tenant's subjects a page at a time and prepares each
// page in parallel, sending the pages in order.
func (s *Service) pages(ctx context.Context, e *steward.TrainingExport, pseudo pseudonym) <-chan page {
	out := make(chan page, 1)
	go func() {
		defer close(out)
		after := ""
		for {
			ids, err := s.c.Store.SubjectIDs(ctx, e.TenantID, after, pageSize)
			if err != nil {
				out <- page{err: err}
				return
			}
			items := make([]prepared, len(ids))
			parallel(len(ids), func(i int) { items[i] = s.prepare(ctx, e, ids[i], pseudo) })
			out <- page{items: items}
			if len(ids) < pageSize {
				return
			}
			after = ids[len(ids)-1]
		}
	}()
	return out
}

// prepared is one subject's part of an export, computed in parallel.
type prepared struct {
	skip   bool
	hash   []byte
	shard  int
	rows   []row
	groups [][2]string
	files  []*steward.FileMeta
	err    error
}

// prepare reads one subject for the export's purpose (the vault decides
// and audits) and de-identifies their values.
func (s *Service) prepare(ctx context.Context, e *steward.TrainingExport, id string, pseudo pseudonym) prepared {
	values, err := s.c.Vault.GetRecords(ctx, id, vault.Access{Purpose: e.Purpose, Aggregate: e.Deidentify == Aggregate})
	values = only(values, e.Categories)
	if slices.ContainsFunc(values, func(v vault.Value) bool { return slices.Contains(v.Obligations, "review_age") }) {
		// Below the policy's minimum age (flagged, not refused): never in
		// a training set.
		return prepared{skip: true}
	}
	if err != nil || len(values) == 0 {
		if err != nil && steward.ErrorCode(err) != steward.EFORBIDDEN && steward.ErrorCode(err) != steward.ENOTFOUND {
			return prepared{err: err}
		}
		return prepared{skip: true}
	}
	p := prepared{hash: s.subjectHash(e.TenantID, id)}
	if p.files, err = s.exportFiles(ctx, e, id); err != nil {
		return prepared{err: err}
	}
	p.shard = int(p.hash[0]) % e.Shards
	person := ""
	if e.Deidentify == Pseudonymize {
		person = "p_" + hex.EncodeToString(keyedBytes(pseudo.key, id)[:8])
	}
	for _, v := range values {
		if e.Deidentify == Aggregate {
			p.groups = append(p.groups, [2]string{v.Category, class(v.Value)})
			continue
		}
		p.rows = append(p.rows, row{Shard: p.shard, Person: person, Category: v.Category, Value: s.deidentify(v.Value, e.Deidentify, pseudo)})
	}
	return p
}

// parallel runs fn(0..n-1) on as many goroutines as there are CPUs.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// only keeps the values of the exported categories (and those below).
func only(values []vault.Value, cats []string) []vault.Value {
	out := values[:0:0]
	for _, v := range values {
		if slices.ContainsFunc(cats, func(c string) bool { return v.Category == c || strings.HasPrefix(v.Category, c+".") }) {
			out = append(out, v)
		}
	}
	return out
}

// deidentify returns a value with the personal data in its text replaced
// (pseudonyms stable within the export) or removed.
func (s *Service) deidentify(raw json.RawMessage, how string, pseudo pseudonym) any {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	text, ok := v.(string)
	if !ok {
		return v
	}
	var op pii.Operator = pii.Redact{}
	if how == Pseudonymize {
		op = pseudo
	}
	out, err := pii.Apply(text, s.c.Scanner.Scan(text), op)
	if err != nil {
		return nil
	}
	return out
}

// pseudonym replaces a personal value by its entity type and a keyed hash
// under the export's key: stable within the export, unlinkable across
// exports. Values recur (names, addresses): their pseudonyms are
// remembered for the export, up to maxRemembered.
type pseudonym struct {
	key  []byte
	mu   *sync.Mutex
	seen map[string]string
}

// maxRemembered bounds the pseudonyms an export remembers.
const maxRemembered = 1 << 16

func newPseudonym(key []byte) pseudonym {
	return pseudonym{key: key, mu: &sync.Mutex{}, seen: map[string]string{}}
}

func (p pseudonym) Transform(f pii.Finding, value string) (string, error) {
	k := string(f.Entity) + "\x00" + value
	p.mu.Lock()
	out, ok := p.seen[k]
	p.mu.Unlock()
	if ok {
		return out, nil
	}
	out = "<" + string(f.Entity) + "_" + hex.EncodeToString(keyedBytes(p.key, k)[:6]) + ">"
	p.mu.Lock()
	if len(p.seen) < maxRemembered {
		p.seen[k] = out
	}
	p.mu.Unlock()
	return out, nil
}

// class is the value class of an aggregate group: the JSON type, and for
// text its length as a decade (text:1-9, text:10-99, ...).
func class(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "invalid"
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		lo := 1
		for lo*10 <= n {
			lo *= 10
		}
		if n == 0 {
			return "text:empty"
		}
		return "text:" + strconv.Itoa(lo) + "-" + strconv.Itoa(lo*10-1)
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "list"
	}
	return "object"
}

// counting counts the bytes written through it.
type counting struct {
	w io.Writer
	n int64
}

func (c *counting) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// blobKey is where an export's rows are stored, sealed.
func blobKey(e *steward.TrainingExport) string { return e.TenantID + "/training/" + e.ID }

func exportAAD(e *steward.TrainingExport) []byte {
	return crypt.AAD{Tenant: e.TenantID, Kind: crypt.KindFile, Name: e.ID, Ref: "training"}.Bytes()
}

// newUUID returns a random (version 4) UUID, as OpenLineage wants run ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}
