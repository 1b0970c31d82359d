package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/steward-privacy/steward/sqlstore"
)

// channel is the LISTEN/NOTIFY channel of subject cache invalidations.
const channel = "steward_cache"

// Invalidations is the sqlstore.InvalidationStream of replicas sharing a
// PostgreSQL database: NOTIFY on one channel, heard by a connection of its
// own that LISTENs (reconnected with back-off when it drops).
type Invalidations struct {
	dsn string
	log *slog.Logger
}

var _ sqlstore.InvalidationStream = (*Invalidations)(nil)

// NewInvalidations returns the stream of the database named by dsn; it
// connects when Listen is called.
func NewInvalidations(dsn string, log *slog.Logger) *Invalidations {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Invalidations{dsn: dsn, log: log}
}

// NotifySQL sends its parameter on the channel (transactional: delivered
// at commit).
func (*Invalidations) NotifySQL() string { return `SELECT pg_notify('` + channel + `', $1)` }

// Listen listens on the channel until ctx ends, calling receive for every
// notification; up(true) once listening, up(false) when the connection
// is lost (then it reconnects: 100 ms, doubling up to 5 s).
func (n *Invalidations) Listen(ctx context.Context, receive func(string), up func(bool)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := n.listenOnce(ctx, receive, up, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		n.log.Warn("subject cache: the invalidation listener lost its connection; reconnecting", "error", redact(err).Error())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce connects, listens and receives until the connection fails:
// up(true) after LISTEN, up(false) when it ends.
func (n *Invalidations) listenOnce(ctx context.Context, receive func(string), up func(bool), connected func()) error {
	conn, err := pgx.Connect(ctx, n.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+channel); err != nil {
		return err
	}
	connected()
	up(true)
	defer up(false)
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		receive(note.Payload)
	}
}
