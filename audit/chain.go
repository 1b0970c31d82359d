package audit

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/steward-privacy/steward"
)

// Verification is split in two: segments check runs of consecutive events
// (each hash, each link, and that every checkpoint and pin met matches the
// event it names), possibly several segments in parallel; then one pass
// joins the segments and checks what needs the whole picture (where the
// chain ends, the checkpoints' signatures and spacing). The earliest fault
// wins.

// errStop ends a segment's scan (its range is done, or it found a fault).
var errStop = errors.New("audit: verification stopped")

// fault is one thing wrong, at a sequence number.
type fault struct {
	seq int64
	msg string
}

// faults keeps the earliest fault added (the first one on a tie).
type faults struct{ first *fault }

func (fs *faults) add(seq int64, format string, args ...any) {
	if fs.first == nil || seq < fs.first.seq {
		fs.first = &fault{seq: seq, msg: fmt.Sprintf(format, args...)}
	}
}

// pin is an event known from elsewhere (the chain head row, or an anchor an
// auditor kept from an earlier verification) that the chain must contain.
type pin struct {
	steward.AuditHead
	what string
}

// pinHead returns the pin for a recorded chain head, if it has events.
func pinHead(h steward.AuditHead, what string) []pin {
	if h.Seq == 0 {
		return nil
	}
	return []pin{{AuditHead: h, what: what}}
}

// plan is what every segment checks events against.
type plan struct {
	tenant string
	every  int64 // the checkpoint interval assumed before the first checkpoint
	keys   PublicKeys
	cps    []*steward.AuditCheckpoint // sorted by seq
	bySeq  map[int64]*steward.AuditCheckpoint
	pins   []pin
}

func newPlan(tenant string, keys PublicKeys, cps []*steward.AuditCheckpoint, every int64, pins []pin) *plan {
	if every <= 0 {
		every = DefaultEvery
	}
	p := &plan{tenant: tenant, every: every, keys: keys, cps: slices.Clone(cps), bySeq: map[int64]*steward.AuditCheckpoint{}, pins: pins}
	slices.SortFunc(p.cps, func(a, b *steward.AuditCheckpoint) int { return int(a.Seq - b.Seq) })
	for _, cp := range p.cps {
		p.bySeq[cp.Seq] = cp
	}
	return p
}

// segment checks the events after seq lo, up to and including hi (hi < 0:
// to the end of the chain).
type segment struct {
	p         *plan
	lo, hi    int64
	count     int64
	firstSeq  int64
	firstPrev []byte
	last      int64
	prev      []byte
	h         *hasher
	sum       []byte
	faults    faults
}

func newSegment(p *plan, lo, hi int64) *segment {
	return &segment{p: p, lo: lo, hi: hi, h: newHasher(), sum: make([]byte, 0, HashSize), prev: make([]byte, 0, HashSize)}
}

func (s *segment) fail(seq int64, format string, args ...any) error {
	s.faults.add(seq, format, args...)
	return errStop
}

// event checks the next event of the segment.
func (s *segment) event(e *steward.AuditEvent) error {
	if s.hi >= 0 && e.Seq > s.hi {
		return errStop
	}
	if e.TenantID != s.p.tenant {
		return s.fail(e.Seq, "event belongs to another tenant")
	}
	if s.count == 0 {
		s.firstSeq, s.firstPrev = e.Seq, slices.Clone(e.PrevHash)
	} else {
		switch want := s.last + 1; {
		case e.Seq > want:
			return s.fail(want, "event %d is missing (the next stored event is %d)", want, e.Seq)
		case e.Seq < want:
			return s.fail(e.Seq, "event %d is stored twice or out of order", e.Seq)
		case !bytes.Equal(e.PrevHash, s.prev):
			return s.fail(e.Seq, "prev_hash does not match the hash of event %d", e.Seq-1)
		}
	}
	s.sum = s.h.sum(s.sum[:0], e.PrevHash, e)
	if !bytes.Equal(s.sum, e.Hash) {
		return s.fail(e.Seq, "hash does not match the event's contents (the event was altered)")
	}
	if cp := s.p.bySeq[e.Seq]; cp != nil && !bytes.Equal(cp.Hash, e.Hash) {
		return s.fail(e.Seq, "the signed checkpoint does not match the chain (the chain was rewritten)")
	}
	for _, p := range s.p.pins {
		if e.Seq == p.Seq && !bytes.Equal(e.Hash, p.Hash) {
			return s.fail(e.Seq, "%s records another hash for this event (the chain was rewritten)", p.what)
		}
	}
	s.prev = append(s.prev[:0], e.Hash...)
	s.last, s.count = e.Seq, s.count+1
	return nil
}

// join puts the segments (in order) together, checks what needs the whole
// chain and returns the report.
func (p *plan) join(segs []*segment) *Report {
	var fs faults
	end, endHash := int64(0), make([]byte, HashSize) // the first event's prev_hash is all zeros
	var events int64
	for _, s := range segs {
		// The link into the segment first, as a single pass would meet it.
		if s.firstSeq != 0 {
			if s.firstSeq != end+1 {
				fs.add(end+1, "event %d is missing (the next stored event is %d)", end+1, s.firstSeq)
			} else if !bytes.Equal(s.firstPrev, endHash) {
				fs.add(s.firstSeq, "prev_hash does not match the hash of event %d", end)
			}
		}
		if s.faults.first != nil {
			fs.add(s.faults.first.seq, "%s", s.faults.first.msg)
		}
		if s.count > 0 {
			end, endHash, events = s.last, s.prev, events+s.count
		}
	}
	r := &Report{TenantID: p.tenant, OK: true, Events: events, LastSeq: end}
	if end > 0 {
		r.LastHash = slices.Clone(endHash)
	}
	lastCP, every := int64(0), p.every
	for _, cp := range p.cps {
		switch {
		case cp.TenantID != p.tenant:
			fs.add(cp.Seq, "checkpoint belongs to another tenant")
		case p.keys.Check(cp) != "":
			fs.add(cp.Seq, "%s", p.keys.Check(cp))
		case cp.Seq > end:
			fs.add(end+1, "a signed checkpoint names event %d, which is missing (the tail was cut off)", cp.Seq)
		case cp.Seq-lastCP > cp.Every:
			fs.add(lastCP+1, "%d events without a checkpoint, more than the interval of %d (checkpoints were removed)", cp.Seq-lastCP, cp.Every)
		}
		if cp.Seq <= end {
			lastCP, every, r.LastCheckpoint = cp.Seq, cp.Every, cp
		}
	}
	for _, pn := range p.pins {
		if pn.Seq > end {
			fs.add(end+1, "%s names event %d but the chain ends at %d (the tail was cut off)", pn.what, pn.Seq, end)
		}
	}
	r.Unsigned = end - lastCP
	if r.Unsigned > every {
		fs.add(lastCP+1, "%d events without a checkpoint, more than the interval of %d (checkpoints were removed)", r.Unsigned, every)
	}
	if f := fs.first; f != nil {
		r.OK, r.BadSeq, r.Problem = false, f.seq, f.msg
	}
	return r
}
