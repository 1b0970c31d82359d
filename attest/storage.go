package attest

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-privacy/steward/crypt"
)

// checkEncryption: every stored value (records, file digests, identifiers)
// and every subject's wrapped data key is an AES-256-GCM envelope of the
// crypt format; nothing is stored in clear.
func checkEncryption(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "encryption_at_rest", Says: "personal data is encrypted at rest with " + string(r.pol.Security.EncryptionAtRest)}
	counts := map[string]int{}
	var bad []string
	err := r.c.Store.ScanSealed(ctx, r.tenant, func(kind, id string, sealed []byte) error {
		counts[kind]++
		if _, err := crypt.EnvelopeKeyID(sealed); err != nil {
			bad = append(bad, kind+":"+id)
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	keys := 0
	err = r.c.Store.SubjectKeys(ctx, r.tenant, func(id string, wrapped []byte) error {
		keys++
		if _, err := crypt.EnvelopeKeyID(wrapped); err != nil {
			bad = append(bad, "subject_key:"+id)
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
	l.Evidence = fmt.Sprintf("%d record values, %d file digests and %d identifier sets are AES-256-GCM envelopes; %d subjects each have their own wrapped data key; file contents are written only through the encrypting stream",
		counts["record"], counts["file"], counts["identifiers"], keys)
	return l, nil
}

// checkRetention: no record is held past its category's limit (plus the
// grace of the retention job), and the retention job ran successfully.
func checkRetention(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "retention", Says: "data is deleted when its retention period ends"}
	ages, err := r.c.Store.RecordAges(ctx, r.tenant)
	if err != nil {
		return l, err
	}
	var bad []string
	limited := 0
	for _, a := range ages {
		ret, ok := r.dec.Retention(a.Category)
		if !ok {
			continue
		}
		limit, ok := ret.Limit()
		if !ok {
			continue
		}
		if limit == 0 {
			limit = r.c.Settings.EphemeralTTL
		}
		limited++
		cutoff := r.now.Add(-limit - r.c.Settings.Grace)
		if a.Oldest.Before(cutoff) {
			ids, err := r.c.Store.RecordsOlderThan(ctx, r.tenant, a.Category, cutoff, maxBreaking)
			if err != nil {
				return l, err
			}
			for _, id := range ids {
				bad = append(bad, id+":"+a.Category)
			}
		}
	}
	last, jobErr, err := lastRun(ctx, r, "retention.records")
	if err != nil {
		return l, err
	}
	switch {
	case limited > 0 && last.IsZero():
		bad = append(bad, "job:retention.records:never_ran")
	case jobErr != "":
		bad = append(bad, "job:retention.records:failed")
	}
	l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
	l.Evidence = fmt.Sprintf("%d categories with a retention limit hold records; none older than its limit plus %s", limited, r.c.Settings.Grace)
	if len(bad) > 0 {
		l.Evidence = fmt.Sprintf("%d categories with a retention limit hold records; %d items are past their limit or the job failed", limited, len(bad))
	}
	if !last.IsZero() {
		l.Evidence += "; last retention run " + last.UTC().Format(time.RFC3339)
	}
	return l, nil
}

// lastRun returns when a job last ran and its last error.
func lastRun(ctx context.Context, r *run, name string) (time.Time, string, error) {
	jobs, err := r.c.Store.Jobs(ctx)
	if err != nil {
		return time.Time{}, "", err
	}
	for _, j := range jobs {
		if j.Name == name && j.LastRun != nil {
			return *j.LastRun, j.LastError, nil
		}
	}
	return time.Time{}, "", nil
}

// checkEphemeral: no ephemeral file outlives its lifetime.
func checkEphemeral(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "ephemeral_files", Says: "files used once are deleted after use or after " + r.c.Settings.EphemeralTTL.String()}
	ids, err := r.c.Store.FilesCreatedBefore(ctx, r.tenant, r.now.Add(-r.c.Settings.EphemeralTTL-r.c.Settings.Grace), true, maxBreaking)
	if err != nil {
		return l, err
	}
	l.Status, l.Broken, l.Breaking = verdict(len(ids)), len(ids), ids
	l.Evidence = fmt.Sprintf("%d ephemeral files older than %s", len(ids), r.c.Settings.EphemeralTTL+r.c.Settings.Grace)
	return l, nil
}

// checkRequestLog: the private request log keeps nothing past its
// retention.
func checkRequestLog(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "request_logs", Says: "request logs are deleted after " + r.c.Settings.RequestLogRetention.String()}
	n, err := r.c.Store.RequestLogBefore(ctx, r.now.Add(-r.c.Settings.RequestLogRetention-r.c.Settings.Grace))
	if err != nil {
		return l, err
	}
	l.Status, l.Broken = verdict(int(n)), int(n)
	if n > 0 {
		l.Breaking = []string{fmt.Sprintf("request_log:%d_entries", n)}
	}
	l.Evidence = fmt.Sprintf("%d request log entries older than %s", n, r.c.Settings.RequestLogRetention+r.c.Settings.Grace)
	return l, nil
}
