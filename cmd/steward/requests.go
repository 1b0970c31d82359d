package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/steward-privacy/steward/client"
)

// The rights request commands talk to a running server through its API
// (the approval rules, audit and events live there), as the key's holder.
const (
	envServer = "STEWARD_SERVER_URL"
	envAPIKey = "STEWARD_API_KEY"
)

func (c *cli) requestsCmd(args []string) int {
	return c.dispatch("requests", args, requestsUsage, map[string]func([]string) int{
		"list": c.requestsList, "show": c.requestsShow, "approve": c.requestsApprove,
		"deny": c.requestsDeny, "extend": c.requestsExtend})
}

func requestsUsage(w io.Writer) {
	fmt.Fprintln(w, `usage: steward requests <subcommand> [flags]

  list [--status S] [--type T] [--overdue] [--json]   the tenant's rights requests, newest first
  show ID [--json] [--wait 10m]                         one request with its history; --wait follows it while
                                                        it runs, with a progress bar as its export is built
  approve ID                                            let a request awaiting approval run (or one staff verified)
  deny ID --reason TEXT                                 refuse it; the reasons are told to the person
  extend ID --reason TEXT [--until YYYY-MM-DD]          extend its deadline once, within the jurisdiction's bound

Every subcommand takes --server URL (default $`+envServer+`, else http://127.0.0.1:8080) and
authenticates with the API key in $`+envAPIKey+` or --api-key-file FILE (requests:manage; list and
show also accept requests:write).`)
}

// requestFlags are the flags every requests subcommand takes.
type requestFlags struct {
	fs      *flag.FlagSet
	server  *string
	keyFile *string
	asJSON  *bool
}

func (c *cli) requestFlagSet(name string) requestFlags {
	return c.serverFlagSet("requests " + name)
}

// serverFlagSet returns the flags of a command that talks to a running
// server: its URL, the API key file, JSON output.
func (c *cli) serverFlagSet(name string) requestFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	def := c.getenv(envServer)
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	return requestFlags{fs: fs, server: fs.String("server", def, "the steward server's URL"),
		keyFile: fs.String("api-key-file", "", "a file holding the API key (default $"+envAPIKey+")"),
		asJSON:  fs.Bool("json", false, "print JSON")}
}

// parse parses args, allowing flags after the positional arguments, and
// returns the positional ones.
func (f requestFlags) parse(args []string) ([]string, error) {
	if err := f.fs.Parse(args); err != nil {
		return nil, err
	}
	var pos []string
	for rest := f.fs.Args(); len(rest) > 0; rest = f.fs.Args() {
		pos = append(pos, rest[0])
		if err := f.fs.Parse(rest[1:]); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

// client returns an API client of the server with the key.
func (c *cli) requestsClient(f requestFlags) (*client.Client, error) {
	key := c.getenv(envAPIKey)
	if *f.keyFile != "" {
		b, err := os.ReadFile(*f.keyFile)
		if err != nil {
			return nil, err
		}
		key = strings.TrimSpace(string(b))
	}
	if key == "" {
		return nil, fmt.Errorf("no API key: set %s or give --api-key-file", envAPIKey)
	}
	return client.New(*f.server, client.WithAPIKey(key), client.WithUserAgent("steward-cli"))
}

// run parses a subcommand taking want positional arguments and calls fn
// with a client and them.
func (c *cli) requestsRun(name string, args []string, want int, extra func(*flag.FlagSet),
	fn func(ctx context.Context, api *client.Client, f requestFlags, pos []string) error) int {
	f := c.requestFlagSet(name)
	if extra != nil {
		extra(f.fs)
	}
	pos, err := f.parse(args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) != want {
		requestsUsage(c.stderr)
		return 2
	}
	api, err := c.requestsClient(f)
	if err == nil {
		ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
		defer cancel()
		err = fn(ctx, api, f, pos)
	}
	if err != nil {
		return c.serverError("requests "+name, err)
	}
	return 0
}

func (c *cli) requestsList(args []string) int {
	var status, typ *string
	var overdue *bool
	return c.requestsRun("list", args, 0, func(fs *flag.FlagSet) {
		status = fs.String("status", "", "only this status")
		typ = fs.String("type", "", "only this type")
		overdue = fs.Bool("overdue", false, "only open requests past their deadline")
	}, func(ctx context.Context, api *client.Client, f requestFlags, _ []string) error {
		l, err := api.ListRequests(ctx, client.RequestFilter{Status: *status, Type: *typ, Overdue: *overdue})
		if err != nil {
			return err
		}
		if *f.asJSON {
			return c.printJSON(l)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tRECEIVED\tDEADLINE\t")
		for _, r := range l {
			due := r.Deadline.Format(time.DateOnly)
			if r.Overdue {
				due += " (overdue)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Type, r.Status, r.ReceivedAt.Format(time.DateOnly), due)
		}
		return tw.Flush()
	})
}

func (c *cli) requestsShow(args []string) int {
	var wait *time.Duration
	return c.requestsRun("show", args, 1, func(fs *flag.FlagSet) {
		wait = fs.Duration("wait", 0, "follow a request until it leaves in_progress (or this long), with a progress bar while an export package is built")
	}, func(ctx context.Context, api *client.Client, f requestFlags, pos []string) error {
		r, err := api.GetRequest(ctx, pos[0])
		if err != nil {
			return err
		}
		if *wait > 0 {
			if r, err = c.followRequest(api, r, *wait); err != nil {
				return err
			}
		}
		return c.showRequest(r, *f.asJSON)
	})
}

// followRequest polls a request while it is open (verified, in progress)
// for at most wait, drawing the progress of its work on stderr: a bar on a
// terminal, otherwise a line "building: DONE/TOTAL bytes" per change.
func (c *cli) followRequest(api *client.Client, r *client.RightsRequest, wait time.Duration) (*client.RightsRequest, error) {
	ctx, cancel := context.WithTimeout(c.ctx, wait)
	defer cancel()
	var bar *progressbar.ProgressBar
	var shown int64 = -1
	for r.Status == "verified" || r.Status == "in_progress" {
		if p := r.Progress; p != nil && p.Done != shown {
			shown = p.Done
			if bar == nil {
				bar = c.progressBar(c.stderr, p.Total, "building "+r.ID, true)
			}
			if bar != nil {
				_ = bar.Set64(p.Done)
			} else {
				fmt.Fprintf(c.stderr, "building %s: %d/%d bytes\n", r.ID, p.Done, p.Total)
			}
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("the request is still %s after %s", r.Status, wait)
		case <-time.After(250 * time.Millisecond):
		}
		next, err := api.GetRequest(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		r = next
	}
	if bar != nil {
		_ = bar.Finish()
	}
	return r, nil
}

func (c *cli) requestsApprove(args []string) int {
	return c.requestsRun("approve", args, 1, nil, func(ctx context.Context, api *client.Client, f requestFlags, pos []string) error {
		r, err := api.ApproveRequest(ctx, pos[0])
		if err != nil {
			return err
		}
		return c.showRequest(r, *f.asJSON)
	})
}

func (c *cli) requestsDeny(args []string) int {
	var reason *string
	return c.requestsRun("deny", args, 1, func(fs *flag.FlagSet) {
		reason = fs.String("reason", "", "the reasons, told to the person (required)")
	}, func(ctx context.Context, api *client.Client, f requestFlags, pos []string) error {
		r, err := api.DenyRequest(ctx, pos[0], *reason)
		if err != nil {
			return err
		}
		return c.showRequest(r, *f.asJSON)
	})
}

func (c *cli) requestsExtend(args []string) int {
	var reason, until *string
	return c.requestsRun("extend", args, 1, func(fs *flag.FlagSet) {
		reason = fs.String("reason", "", "the reasons for the delay, told to the person (required)")
		until = fs.String("until", "", "the new deadline, YYYY-MM-DD or RFC 3339 (default: the latest the jurisdiction allows)")
	}, func(ctx context.Context, api *client.Client, f requestFlags, pos []string) error {
		in := client.RequestReason{Reason: *reason}
		if *until != "" {
			t, err := time.Parse(time.RFC3339, *until)
			if err != nil {
				d, derr := time.Parse(time.DateOnly, *until)
				if derr != nil {
					return fmt.Errorf("--until: want YYYY-MM-DD or an RFC 3339 time")
				}
				t = d.Add(24*time.Hour - time.Second) // the end of that day, UTC
			}
			in.Until = &t
		}
		r, err := api.ExtendRequest(ctx, pos[0], in)
		if err != nil {
			return err
		}
		return c.showRequest(r, *f.asJSON)
	})
}

// showRequest prints a request and its history.
func (c *cli) showRequest(r *client.RightsRequest, asJSON bool) error {
	if asJSON {
		return c.printJSON(r)
	}
	w := c.stdout
	fmt.Fprintf(w, "request %s: %s (%s), %s\n", r.ID, r.Type, r.Jurisdiction, r.Status)
	fmt.Fprintf(w, "  subject   %s\n  received  %s\n  deadline  %s", r.SubjectID, r.ReceivedAt.Format(time.RFC3339),
		r.Deadline.Format(time.RFC3339))
	if r.Extended {
		fmt.Fprintf(w, " (extended: %s)", r.ExtensionReason)
	}
	if r.Overdue {
		fmt.Fprint(w, " OVERDUE")
	}
	fmt.Fprintln(w)
	if r.VerifiedBy != "" {
		fmt.Fprintf(w, "  verified  by %s\n", r.VerifiedBy)
	}
	if r.Reason != "" {
		fmt.Fprintf(w, "  reason    %s\n", r.Reason)
	}
	if len(r.Result) > 0 {
		fmt.Fprintf(w, "  result    %s\n", r.Result)
	}
	fmt.Fprintf(w, "  next      %s\n", r.Next)
	for _, h := range r.History {
		fmt.Fprintf(w, "  %s  %s -> %s  %s  %s\n", h.At.Format(time.RFC3339), h.From, h.To, h.Reason, h.Actor)
	}
	return nil
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
