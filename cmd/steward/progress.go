package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/steward-privacy/steward/vault"
)

// isTerminal reports whether w is a terminal (the default of cli.tty).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar returns a bar drawn on w for a long operation of max steps
// (bytes when asBytes; -1 when the size is unknown), or nil when w is not a
// terminal: callers then print plain lines, which scripts and tests read.
func (c *cli) progressBar(w io.Writer, max int64, what string, asBytes bool) *progressbar.ProgressBar {
	if c.tty == nil || !c.tty(w) {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	if asBytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionShowCount())
	}
	return progressbar.NewOptions64(max, opts...)
}

// rotationView shows a key rotation on w: on a terminal a bar per key being
// rewrapped; otherwise the plain line "WHAT: version V, rewrapping D/T keys
// (elapsed)" at every step. The closing lines (done, versions destroyed
// and kept) are printed either way.
type rotationView struct {
	c       *cli
	w       io.Writer
	started time.Time
	bar     *progressbar.ProgressBar
	barFor  string
}

func (c *cli) newRotationView(w io.Writer) *rotationView {
	return &rotationView{c: c, w: w, started: time.Now()}
}

// show is the vault's progress callback.
func (r *rotationView) show(p vault.Progress) {
	what := "master key"
	if p.Kind == "tenant" {
		what = "tenant " + p.TenantID
	}
	if !p.Finished && p.Total > 0 {
		if r.bar == nil || r.barFor != what {
			r.bar, r.barFor = r.c.progressBar(r.w, int64(p.Total), fmt.Sprintf("%s: version %d, rewrapping", what, p.Version), false), what
		}
		if r.bar != nil {
			if p.Done > p.Total { // keys written while it ran are rewrapped too
				r.bar.ChangeMax(p.Done)
			}
			_ = r.bar.Set(p.Done)
			return
		}
	}
	if r.bar != nil && p.Finished {
		_ = r.bar.Finish()
		r.bar = nil
	}
	state := "rewrapping"
	if p.Finished {
		state = "done"
	}
	fmt.Fprintf(r.w, "%s: version %d, %s %d/%d keys (%s)\n", what, p.Version, state, p.Done, p.Total,
		time.Since(r.started).Round(time.Millisecond))
	if p.Finished && len(p.Retired) > 0 {
		fmt.Fprintf(r.w, "%s: destroyed old versions %v\n", what, p.Retired)
	}
	if p.Finished && len(p.Kept) > 0 {
		fmt.Fprintf(r.w, "%s: kept old versions %v (still in use)\n", what, p.Kept)
	}
}
