package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/steward-privacy/steward/client"
)

// policyStage stages a policy file on the running server and follows the
// notices of its material changes.
func (c *cli) policyStage(args []string) int {
	f := c.serverFlagSet("policy stage")
	effective := f.fs.String("effective", "", "the date the policy applies, YYYY-MM-DD (the file's organisation.effective)")
	wait := f.fs.Duration("wait", time.Hour, "follow the notices this long at most (0: return at once)")
	pos, err := f.parse(args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) != 1 || *effective == "" {
		fmt.Fprintln(c.stderr, "usage: steward policy stage FILE --effective YYYY-MM-DD [--server URL] [--api-key-file F] [--wait 1h] [--json]")
		return 2
	}
	src, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(c.stderr, "steward policy stage: %v\n", err)
		return 1
	}
	api, err := c.requestsClient(f)
	if err != nil {
		fmt.Fprintf(c.stderr, "steward policy stage: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	up, err := api.StagePolicy(ctx, client.StagePolicy{Source: string(src), Effective: *effective})
	cancel()
	if err != nil {
		return c.serverError("policy stage", err)
	}
	if *wait > 0 && up.Notices != nil {
		if up, err = c.followNotices(api, up, *wait); err != nil {
			return c.serverError("policy stage", err)
		}
	}
	if *f.asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(up); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintf(c.stdout, "staged: version %s replaces %s on %s (%d changes, %d material)\n", up.Version, up.From, up.Effective,
		up.Changes, len(up.Material))
	for _, m := range up.Material {
		fmt.Fprintf(c.stdout, "  - %s\n", m)
	}
	fmt.Fprintf(c.stdout, "new notice: %s\n", up.NoticeURL)
	if n := up.Notices; n != nil {
		fmt.Fprintf(c.stdout, "notices: %d people; %d sent, %d without email, %d erased, %d failed, %d pending\n",
			n.Total, n.Sent, n.NoEmail, n.Erased, n.Failed, n.Pending)
	} else {
		fmt.Fprintln(c.stdout, "notices: none (nothing material changed)")
	}
	return 0
}

// followNotices polls the staged policy until its notices are all
// attempted (or wait passed), drawing a bar on a terminal and a line per
// change otherwise.
func (c *cli) followNotices(api *client.Client, up *client.Upcoming, wait time.Duration) (*client.Upcoming, error) {
	ctx, cancel := context.WithTimeout(c.ctx, wait)
	defer cancel()
	var bar *progressbar.ProgressBar
	shown := -1
	for up.Notices != nil && !up.Notices.Done {
		n := up.Notices
		if done := n.Total - n.Pending; done != shown {
			shown = done
			if bar == nil {
				bar = c.progressBar(c.stderr, int64(n.Total), "notices of "+up.Version, false)
			}
			if bar != nil {
				_ = bar.Set(done)
			} else {
				fmt.Fprintf(c.stderr, "notices of %s: %d/%d\n", up.Version, done, n.Total)
			}
		}
		select {
		case <-ctx.Done():
			return up, fmt.Errorf("the notices are still being sent after %s (%d of %d pending)", wait, n.Pending, n.Total)
		case <-time.After(500 * time.Millisecond):
		}
		next, err := api.UpcomingPolicy(ctx)
		if err != nil {
			return nil, err
		}
		up = next
	}
	if bar != nil {
		_ = bar.Finish()
	}
	return up, nil
}

// serverError prints a server's problem (with its field messages, such as
// a policy file's FILE:LINE:COL problems) and returns exit status 1.
func (c *cli) serverError(cmd string, err error) int {
	var ce *client.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(c.stderr, "steward %s: %s (%s)\n", cmd, ce.Detail, ce.Code)
		for _, fe := range ce.Fields {
			fmt.Fprintf(c.stderr, "  %s: %s\n", fe.Path, fe.Message)
		}
		return 1
	}
	fmt.Fprintf(c.stderr, "steward %s: %v\n", cmd, err)
	return 1
}
