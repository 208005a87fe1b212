// Command starter starts syncs and manages the batch schedule:
//
//	starter contact 51              sync one HubSpot contact and print the outcome
//	starter batch [-concurrency N]  sync every checked contact and print the counts
//	starter batch -incremental      sync the checked contacts modified since the last batch
//	starter clients [-dry-run]      sync clients from checked deals or companies and print the counts
//	starter schedule -every 1h      schedule clients then contacts, incremental by default (idempotent)
//	starter checkbox [-dry-run]     tick and untick contacts' sync checkbox by the configured rule
//	starter pause|unpause [-note …] pause or unpause the schedule
//	starter trigger                 run the scheduled sync (clients, then contacts) now
//	starter attention               list the contacts whose last sync failed, and why
//
// It reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE from the environment, and
// the same TLS, API key and payload codec settings as the worker (docs/temporal-connection.md).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/logging"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/workerapp"
	"github.com/cssync/cssync/workflows"
)

const usage = `usage:
  starter contact HUBSPOT_CONTACT_ID   sync one contact, wait, print the result
  starter batch [flags]                sync every checked contact, wait, print the counts
  starter clients [-dry-run]           sync clients from checked deals or companies, wait, print the counts
  starter schedule [flags]             create or update the schedule (clients, then the contact batch)
  starter checkbox [-dry-run]          run MaintainContactCheckbox, wait, print the changes
  starter pause [-note TEXT]           pause the schedule
  starter unpause [-note TEXT]         unpause the schedule
  starter trigger                      start a scheduled run now (skipped if one is running)
  starter attention                    list the contacts whose last sync failed: why, since when, next retry`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1], os.Args[2:])
	var usageErr usageError
	switch {
	case errors.As(err, &usageErr):
		fmt.Fprintf(os.Stderr, "starter: %s\n%s\n", usageErr, usage)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "starter:", logging.Line(err))
		os.Exit(1)
	}
}

// usageError is a command line that cannot run; it is printed with the usage.
type usageError string

func (e usageError) Error() string { return string(e) }

// action is what a subcommand does once its flags are read and Temporal is connected.
type action func(ctx context.Context, c client.Client, taskQueue string) error

// commands read their own flags and arguments, before anything connects.
var commands = map[string]func(fs *flag.FlagSet, args []string) (action, error){
	"contact": contact, "batch": batch, "clients": clients, "checkbox": checkbox,
	"schedule": schedule, "pause": pause, "unpause": unpause, "trigger": trigger, "attention": attention,
}

func run(ctx context.Context, cmd string, args []string) error {
	parse, ok := commands[cmd]
	if !ok {
		return usageError(fmt.Sprintf("unknown command %q", cmd))
	}
	act, err := parse(flag.NewFlagSet(cmd, flag.ExitOnError), args)
	if err != nil {
		return err
	}
	tcfg, err := config.LoadTemporal()
	if err != nil {
		return err
	}
	logCfg, err := config.LoadLog()
	if err != nil {
		return err
	}
	c, err := workerapp.Dial(tcfg, logging.New(logCfg, os.Stderr))
	if err != nil {
		return err
	}
	defer c.Close()
	return act(ctx, c, tcfg.TaskQueue)
}

// contact syncs one contact and prints the result.
func contact(fs *flag.FlagSet, args []string) (action, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, usageError("contact takes one HubSpot contact id")
	}
	in := workflows.SyncContactInput{HubSpotContactID: fs.Arg(0)}
	return func(ctx context.Context, c client.Client, queue string) error {
		res, err := starting.SyncContact(ctx, c, queue, in)
		if err != nil {
			return err
		}
		return printJSON(res)
	}, nil
}

// batchFlags are the batch input's flags, shared by batch and schedule; the schedule is
// incremental unless told otherwise, a manual batch is full unless told.
func batchFlags(fs *flag.FlagSet, incremental bool) *workflows.SyncContactsInput {
	var in workflows.SyncContactsInput
	fs.IntVar(&in.Concurrency, "concurrency", workflows.DefaultConcurrency, "contact syncs in flight at once")
	fs.IntVar(&in.PageSize, "page-size", workflows.DefaultPageSize, "contacts listed per HubSpot search (max 200)")
	fs.BoolVar(&in.Incremental, "incremental", incremental,
		"only contacts modified since the previous completed batch (a full batch every -full-every)")
	fs.DurationVar(&in.FullEvery, "full-every", workflows.DefaultFullEvery,
		"incremental: run a full batch when the last one started this long ago")
	fs.DurationVar(&in.Overlap, "overlap", workflows.DefaultOverlap,
		"incremental: look this far before the previous batch's start (HubSpot search lags)")
	fs.BoolVar(&in.CheckEveryContact, "check-every-contact", false,
		"start a contact sync for every listed contact, even one the page plan finds in line")
	fs.DurationVar(&in.RetryFor, "retry-for", workflows.DefaultRetryFor,
		"how long a step retries passing failures (429, 5xx, timeouts) before the contact's sync ends failed")
	return &in
}

// attention prints the contacts whose last sync failed, as the running batch (or the last
// completed one) holds them.
func attention(fs *flag.FlagSet, args []string) (action, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, queue string) error {
		list, from, err := starting.Attention(ctx, c, queue)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%d contacts need attention (from %s)\n", len(list), from)
		return printJSON(list)
	}, nil
}

// batch syncs every checked contact, showing progress, and prints the counts.
func batch(fs *flag.FlagSet, args []string) (action, error) {
	in := batchFlags(fs, false)
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, queue string) error {
		wr, err := starting.StartBatch(ctx, c, queue, *in)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "batch run %s started; waiting for it to finish\n", wr.GetID())
		var res workflows.SyncContactsResult
		if err := waitWithProgress(ctx, c, wr, &res, !*quiet); err != nil {
			return fmt.Errorf("batch run %s: %w", wr.GetID(), err)
		}
		return printJSON(res)
	}, nil
}

// waitWithProgress waits for a batch's result, drawing its progress bar on stderr when show.
func waitWithProgress(ctx context.Context, c client.Client, wr client.WorkflowRun, res *workflows.SyncContactsResult, show bool) error {
	if !show {
		return wr.Get(ctx, res)
	}
	done, watched := make(chan struct{}), make(chan struct{})
	draw := progressPrinter(os.Stderr)
	go func() {
		defer close(watched)
		starting.WatchBatch(ctx, c, wr.GetID(), 500*time.Millisecond, done, draw)
	}()
	err := wr.Get(ctx, res)
	close(done)
	<-watched
	if p, qerr := starting.QueryProgress(ctx, c, wr.GetID()); qerr == nil {
		draw(p) // the finished state, so the bar ends full
	}
	fmt.Fprintln(os.Stderr)
	return err
}

// clients syncs clients from checked deals or companies and prints the counts.
func clients(fs *flag.FlagSet, args []string) (action, error) {
	dryRun := fs.Bool("dry-run", false, "list the creates and renames, write nothing")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, queue string) error {
		res, err := starting.SyncClients(ctx, c, queue, workflows.SyncClientsInput{DryRun: *dryRun})
		if err != nil {
			return err
		}
		if err := printJSON(res); err != nil {
			return err
		}
		if !res.Enabled {
			return errors.New(res.Reason) // names the variable that turns it on
		}
		return nil
	}, nil
}

// checkbox runs MaintainContactCheckbox and prints the changes.
func checkbox(fs *flag.FlagSet, args []string) (action, error) {
	dryRun := fs.Bool("dry-run", false, "list the contacts to tick and untick, write nothing")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, queue string) error {
		res, err := starting.MaintainCheckbox(ctx, c, queue, workflows.MaintainContactCheckboxInput{DryRun: *dryRun})
		if err != nil {
			return err
		}
		return printJSON(res)
	}, nil
}

// schedule creates or updates the schedule: clients, then the contact batch.
func schedule(fs *flag.FlagSet, args []string) (action, error) {
	in := batchFlags(fs, true)
	var spec starting.ScheduleSpec
	fs.DurationVar(&spec.Every, "every", 0, "run the batch at this interval, e.g. 1h")
	fs.StringVar(&spec.Cron, "cron", "", "run the batch on this cron expression instead")
	fs.BoolVar(&spec.Paused, "paused", false, "create or leave the schedule paused")
	fs.DurationVar(&spec.CatchupWindow, "catchup", starting.DefaultCatchupWindow, "how late a missed run may still start")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, queue string) error {
		spec.Input = *in
		created, err := starting.EnsureSchedule(ctx, c, queue, spec)
		if err != nil {
			return err
		}
		verb := "updated"
		if created {
			verb = "created"
		}
		fmt.Printf("schedule %s %s\n", workflows.ScheduleID, verb)
		return nil
	}, nil
}

// pause stops scheduled runs until unpause.
func pause(fs *flag.FlagSet, args []string) (action, error) {
	return scheduleToggle(fs, args, "paused", starting.PauseSchedule)
}

// unpause lets scheduled runs start again.
func unpause(fs *flag.FlagSet, args []string) (action, error) {
	return scheduleToggle(fs, args, "unpaused", starting.UnpauseSchedule)
}

// scheduleToggle pauses or unpauses the schedule with a note, and says done.
func scheduleToggle(fs *flag.FlagSet, args []string, done string, toggle func(context.Context, client.Client, string) error) (
	action, error) {
	note := fs.String("note", "", "why, shown in the Web UI")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, _ string) error {
		if err := toggle(ctx, c, *note); err != nil {
			return err
		}
		fmt.Printf("schedule %s %s\n", workflows.ScheduleID, done)
		return nil
	}, nil
}

// trigger starts a scheduled run now (skipped if one is running).
func trigger(fs *flag.FlagSet, args []string) (action, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c client.Client, _ string) error {
		if err := starting.TriggerSchedule(ctx, c); err != nil {
			return err
		}
		fmt.Printf("schedule %s triggered\n", workflows.ScheduleID)
		return nil
	}, nil
}

// progressPrinter redraws one progress line on a terminal, and prints a line per change elsewhere.
func progressPrinter(w *os.File) func(workflows.Progress) {
	st, err := w.Stat()
	terminal := err == nil && st.Mode()&os.ModeCharDevice != 0
	last := ""
	return func(p workflows.Progress) {
		line := starting.ProgressBar(p, 30)
		switch {
		case terminal:
			fmt.Fprintf(w, "\r\033[K%s", line)
		case line != last:
			fmt.Fprintln(w, line)
		}
		last = line
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
