package audit

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/filelock"
)

// A journal is a folder of append-only files in which a single server makes
// audit events durable before it answers, at the cost of one write per
// group of events, and from which the appender chains them into the store
// in large transactions a few milliseconds later. The transaction that
// stores them also stores a mark naming the last journal file it covers
// (steward.AuditJournalMark), so a replay after a crash stores every event
// exactly once.
//
// Files are named by generation (00000000000000000001.journal, ...); the
// appender starts a new generation before each transfer to the store, so
// that a mark covers whole files. Each file is a sequence of frames: a
// 4-byte big-endian length, the CRC-32C of the payload, and the payload,
// the event's canonical encoding (AppendCanonical, sequence number 0).
// Durability equals SQLite's in WAL mode with synchronous=NORMAL, which
// steward uses: written to the operating system, not synced, so it survives
// a crash of the process but not necessarily of the machine.
type journal struct {
	dir  string
	id   string         // names this journal's mark in the store
	lock *filelock.Lock // held while open: one process per journal
	f    *os.File       // the current generation's file
	gen  int64          // the current generation
	buf  []byte
	sync bool // Options.JournalSync: a file is synced when rotate ends it, the folder when one is created
}

const (
	journalExt      = ".journal"
	journalIDFile   = "id"
	journalLockFile = "lock"
	// maxJournalFrame bounds one frame: an event is far smaller (every
	// field is a short identifier), so a larger length means corruption.
	maxJournalFrame = 1 << 20
)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// openJournal opens (creating if needed, mode 0700) the journal folder and
// locks it. It does not start a generation: replay first.
func openJournal(dir string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	lock, err := filelock.Acquire(filepath.Join(dir, journalLockFile))
	if errors.Is(err, filelock.ErrLocked) {
		return nil, fmt.Errorf("audit journal %s is in use by another steward process (one server per data folder)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	id, err := journalID(dir)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &journal{dir: dir, id: id, lock: lock}, nil
}

// journalID reads the journal's id, creating it on first use.
func journalID(dir string) (string, error) {
	path := filepath.Join(dir, journalIDFile)
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if len(id) != 32 {
			return "", fmt.Errorf("audit journal: %s is damaged (want 32 hex digits)", path)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("audit journal: %w", err)
	}
	raw := make([]byte, 16)
	rand.Read(raw) // never fails (crypto/rand)
	id := hex.EncodeToString(raw)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("audit journal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("audit journal: %w", err)
	}
	return id, nil
}

// generations lists the generations that have files, oldest first.
func (j *journal) generations() ([]int64, error) {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	var gens []int64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), journalExt)
		if !ok {
			continue
		}
		g, err := strconv.ParseInt(name, 10, 64)
		if err != nil || g <= 0 {
			return nil, fmt.Errorf("audit journal: unexpected file %s", filepath.Join(j.dir, e.Name()))
		}
		gens = append(gens, g)
	}
	slices.Sort(gens)
	return gens, nil
}

func (j *journal) path(gen int64) string {
	return filepath.Join(j.dir, fmt.Sprintf("%020d%s", gen, journalExt))
}

// start makes gen the current generation, in a new file (with sync, its
// folder entry synced too).
func (j *journal) start(gen int64) error {
	f, err := os.OpenFile(j.path(gen), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	if j.sync {
		if err := syncDir(j.dir); err != nil {
			f.Close()
			os.Remove(j.path(gen))
			return err
		}
	}
	if j.f != nil {
		j.f.Close()
	}
	j.f, j.gen = f, gen
	return nil
}

// syncDir makes a folder's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	return nil
}

// frames encodes events as journal frames, in j's reused buffer.
func (j *journal) frames(events []*steward.AuditEvent) []byte {
	b := j.buf[:0]
	for _, e := range events {
		at := len(b)
		b = append(b, make([]byte, 8)...)
		b = AppendCanonical(b, e)
		payload := b[at+8:]
		binary.BigEndian.PutUint32(b[at:], uint32(len(payload)))
		binary.BigEndian.PutUint32(b[at+4:], crc32.Checksum(payload, crc32c))
	}
	j.buf = b
	return b
}

// write appends events to the current file in one write.
func (j *journal) write(events ...*steward.AuditEvent) error {
	if _, err := j.f.Write(j.frames(events)); err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	return nil
}

// rotate starts the next generation and returns the one it ended: every
// event written so far is in a file of that generation or older. With
// sync, the ended file is synced first; if that fails the rotation still
// happens (the ended file's events are on their way to the store, and a
// journal whose file failed is best left) and unsynced says why.
func (j *journal) rotate() (done int64, unsynced, err error) {
	done = j.gen
	if j.sync && j.f != nil {
		if err := j.f.Sync(); err != nil {
			unsynced = fmt.Errorf("audit journal: %w", err)
		}
	}
	if err := j.start(done + 1); err != nil {
		return 0, nil, err
	}
	return done, unsynced, nil
}

// remove deletes the files of generations up to done. done is always below
// the current generation (rotate started a newer one; replay removes before
// start), so it needs no lock against the writer.
func (j *journal) remove(done int64) error {
	gens, err := j.generations()
	if err != nil {
		return err
	}
	for _, g := range gens {
		if g <= done {
			if err := os.Remove(j.path(g)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("audit journal: %w", err)
			}
		}
	}
	return nil
}

// close closes the current file and releases the lock; with empty set, the
// current file (which holds no event that is not stored) is removed first.
func (j *journal) close(empty bool) {
	if j.f != nil {
		j.f.Close()
		if empty {
			os.Remove(j.path(j.gen))
		}
		j.f = nil
	}
	j.lock.Close()
}

// readJournal reads a generation's events. A torn last frame (a write cut
// short by a crash of the machine) ends the file: the events before it are
// returned with torn set. Any other damage is an error.
func readJournal(path string) (events []*steward.AuditEvent, torn bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("audit journal: %w", err)
	}
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			return events, true, nil
		}
		n := int(binary.BigEndian.Uint32(b[off:]))
		sum := binary.BigEndian.Uint32(b[off+4:])
		if n > maxJournalFrame {
			return nil, false, fmt.Errorf("audit journal: %s: frame at byte %d is too long", path, off)
		}
		if len(b)-off-8 < n {
			return events, true, nil
		}
		payload := b[off+8 : off+8+n]
		if crc32.Checksum(payload, crc32c) != sum {
			if off+8+n == len(b) {
				return events, true, nil // the last frame, partly written
			}
			return nil, false, fmt.Errorf("audit journal: %s: frame at byte %d fails its checksum", path, off)
		}
		e, err := parseCanonical(payload)
		if err != nil {
			return nil, false, fmt.Errorf("audit journal: %s: frame at byte %d: %w", path, off, err)
		}
		events = append(events, e)
		off += 8 + n
	}
	return events, false, nil
}

// parseCanonical decodes AppendCanonical's encoding.
func parseCanonical(b []byte) (*steward.AuditEvent, error) {
	d := decoder{b: b}
	if v := d.byte(); v != encodingVersion {
		return nil, fmt.Errorf("unknown encoding version %d", v)
	}
	e := &steward.AuditEvent{}
	e.TenantID = d.string()
	e.Seq = int64(d.uint64())
	e.Time = time.UnixMicro(int64(d.uint64())).UTC()
	e.Actor = d.string()
	e.Action = d.string()
	e.SubjectID = d.string()
	e.Categories = d.list()
	e.Purpose = d.string()
	e.Decision = d.string()
	e.Reasons = d.list()
	e.Justification = d.string()
	e.RequestID = d.string()
	e.ClientIP = d.string()
	e.Target = d.string()
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errors.New("trailing bytes after the event")
	}
	return e, nil
}

// decoder reads the canonical encoding; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || len(d.b) < n {
		if d.err == nil {
			d.err = io.ErrUnexpectedEOF
		}
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) uint32() int {
	if v := d.take(4); v != nil {
		return int(binary.BigEndian.Uint32(v))
	}
	return 0
}

func (d *decoder) string() string {
	return string(d.take(d.uint32()))
}

func (d *decoder) list() []string {
	n := d.uint32()
	if n > len(d.b)/4 { // each element takes at least its length
		if d.err == nil {
			d.err = errors.New("list longer than the event")
		}
		return nil
	}
	var l []string
	for range n {
		l = append(l, d.string())
	}
	return l
}
