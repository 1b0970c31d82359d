// Package reconcile removes what a crash leaves in the file store: blobs
// with no file row (the server died between storing a blob and recording
// it, or between an erasure's commit and its blob deletions) and the
// partial uploads of interrupted Puts (the local store's ".tmp-*" files,
// S3's incomplete multipart uploads). Anything younger than a grace period
// is left alone, so an upload in progress, or one whose row is being
// written, is never touched. It runs as a background job under the job
// lease (one replica at a time) and reports what it removed: a log line, a
// metric and, per tenant, an audit event with the counts.
package reconcile

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/vault"
)

// Rows is what the sweeper asks the database: whether a file row exists.
// File returns ENOTFOUND when it does not.
type Rows interface {
	File(ctx context.Context, tenantID, id string) (*steward.FileMeta, error)
}

// Options configures a Sweeper.
type Options struct {
	Files blob.Store
	Rows  Rows
	Audit steward.AuditLog
	// Grace is the minimum age of a blob or partial upload before it is
	// removed. Default 1 hour.
	Grace    time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
	Registry *prometheus.Registry
}

// Sweeper removes crash leftovers from a file store.
type Sweeper struct {
	o       Options
	removed *prometheus.CounterVec
}

// New returns a sweeper.
func New(o Options) *Sweeper {
	if o.Grace <= 0 {
		o.Grace = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sweeper{o: o, removed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "steward_reconcile_removed_total",
		Help: "Crash leftovers removed from the file store, by kind (orphan_blob, partial_upload)."}, []string{"kind"})}
	if o.Registry != nil {
		o.Registry.MustRegister(s.removed)
	}
	return s
}

// Counts is what one pass removed, in total or for one tenant.
type Counts struct {
	OrphanBlobs    int
	PartialUploads int
	Bytes          int64
}

// Result is what one pass removed.
type Result struct {
	Counts
	Tenants map[string]*Counts
}

// Run makes one pass: it lists the store, deletes the blobs of steward's
// layout (vault.ParseBlobKey) older than the grace period that have no file
// row, removes partial uploads older than the grace period, and reports.
// Keys of any other shape are left alone.
func (s *Sweeper) Run(ctx context.Context) (*Result, error) {
	cutoff := s.o.Now().Add(-s.o.Grace)
	res := &Result{Tenants: map[string]*Counts{}}
	count := func(tenantID, kind string, size int64) {
		c := res.Tenants[tenantID]
		if c == nil {
			c = &Counts{}
			res.Tenants[tenantID] = c
		}
		for _, c := range []*Counts{&res.Counts, c} {
			if kind == "orphan_blob" {
				c.OrphanBlobs++
			} else {
				c.PartialUploads++
			}
			c.Bytes += size
		}
		s.removed.WithLabelValues(kind).Inc()
	}
	var orphans []blob.Info
	err := s.o.Files.List(ctx, "", func(i blob.Info) error {
		t, id, ok := vault.ParseBlobKey(i.Key)
		if !ok || !i.Modified.Before(cutoff) {
			return nil
		}
		_, err := s.o.Rows.File(ctx, t, id)
		switch steward.ErrorCode(err) {
		case "":
			return nil
		case steward.ENOTFOUND:
			orphans = append(orphans, i)
			return nil
		default:
			return err
		}
	})
	if err != nil {
		return res, err
	}
	defer s.report(ctx, res) // what was removed, even if a later step fails
	for _, i := range orphans {
		if err := s.o.Files.Delete(ctx, i.Key); err != nil {
			return res, err
		}
		t, _, _ := vault.ParseBlobKey(i.Key)
		count(t, "orphan_blob", i.Size)
	}
	err = s.o.Files.RemoveLeftovers(ctx, cutoff, func(l blob.Leftover) error {
		t, _, _ := strings.Cut(l.Key, "/")
		count(t, "partial_upload", l.Size)
		return nil
	})
	return res, err
}

// Job returns Run as a job function (see jobs.Job).
func (s *Sweeper) Job(ctx context.Context) error {
	_, err := s.Run(ctx)
	return err
}

// report logs the totals and records an audit event per tenant with
// removals: action files.reconcile, reasons orphan_blobs:N and
// partial_uploads:M (counts, never keys' contents).
func (s *Sweeper) report(ctx context.Context, res *Result) {
	if res.OrphanBlobs+res.PartialUploads == 0 {
		return
	}
	s.o.Logger.Info("crash leftovers removed", "orphan_blobs", res.OrphanBlobs, "partial_uploads", res.PartialUploads,
		"bytes", res.Bytes, "grace", s.o.Grace.String())
	if s.o.Audit == nil {
		return
	}
	for t, c := range res.Tenants {
		if t == "" {
			continue
		}
		e := &steward.AuditEvent{TenantID: t, Actor: string(steward.ActorSystem) + ":reconcile", Action: steward.ActionFilesReconcile,
			Decision: steward.DecisionAllow, Time: s.o.Now().UTC(),
			Reasons: []string{"orphan_blobs:" + strconv.Itoa(c.OrphanBlobs), "partial_uploads:" + strconv.Itoa(c.PartialUploads)}}
		if err := s.o.Audit.Append(context.WithoutCancel(ctx), e); err != nil {
			// A folder named like no tenant (put there by hand): nothing to chain to.
			s.o.Logger.Warn("crash leftovers: audit event not recorded", "tenant", t, "error", err.Error())
		}
	}
}
