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
//
// It reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE from the environment.
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
  starter trigger                      start a scheduled run now (skipped if one is running)`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string) error {
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	var batch workflows.SyncContactsInput
	if cmd == "batch" || cmd == "schedule" {
		fs.IntVar(&batch.Concurrency, "concurrency", workflows.DefaultConcurrency, "contact syncs in flight at once")
		fs.IntVar(&batch.PageSize, "page-size", workflows.DefaultPageSize, "contacts listed per HubSpot search (max 200)")
		// The schedule is incremental unless told otherwise; a manual batch is full unless told.
		fs.BoolVar(&batch.Incremental, "incremental", cmd == "schedule", "only contacts modified since the previous completed batch (a full batch every -full-every)")
		fs.DurationVar(&batch.FullEvery, "full-every", workflows.DefaultFullEvery, "incremental: run a full batch when the last one started this long ago")
		fs.DurationVar(&batch.Overlap, "overlap", workflows.DefaultOverlap, "incremental: look this far before the previous batch's start (HubSpot search lags)")
		fs.BoolVar(&batch.CheckEveryContact, "check-every-contact", false, "start a contact sync for every listed contact, even one the page plan finds in line")
	}
	every := fs.Duration("every", 0, "schedule: run the batch at this interval, e.g. 1h")
	cron := fs.String("cron", "", "schedule: run the batch on this cron expression instead")
	paused := fs.Bool("paused", false, "schedule: create or leave the schedule paused")
	dryRun := fs.Bool("dry-run", false, "checkbox, clients: list the changes, write nothing")
	catchup := fs.Duration("catchup", starting.DefaultCatchupWindow, "schedule: how late a missed run may still start")
	note := fs.String("note", "", "pause/unpause: why, shown in the Web UI")
	quiet := fs.Bool("quiet", false, "batch: no progress bar")
	if err := fs.Parse(args); err != nil {
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

	switch cmd {
	case "contact":
		if fs.NArg() != 1 {
			return fmt.Errorf("contact takes one HubSpot contact id\n%s", usage)
		}
		res, err := starting.SyncContact(ctx, c, tcfg.TaskQueue, workflows.SyncContactInput{HubSpotContactID: fs.Arg(0)})
		if err != nil {
			return err
		}
		return printJSON(res)
	case "batch":
		wr, err := starting.StartBatch(ctx, c, tcfg.TaskQueue, batch)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "batch run %s started; waiting for it to finish\n", wr.GetID())
		done := make(chan struct{})
		watched := make(chan struct{})
		show := progressPrinter(os.Stderr)
		go func() {
			defer close(watched)
			if !*quiet {
				starting.WatchBatch(ctx, c, wr.GetID(), 500*time.Millisecond, done, show)
			}
		}()
		var res workflows.SyncContactsResult
		err = wr.Get(ctx, &res)
		close(done)
		<-watched
		if !*quiet {
			if p, qerr := starting.QueryProgress(ctx, c, wr.GetID()); qerr == nil {
				show(p) // the finished state, so the bar ends full
			}
			fmt.Fprintln(os.Stderr)
		}
		if err != nil {
			return fmt.Errorf("batch run %s: %w", wr.GetID(), err)
		}
		return printJSON(res)
	case "clients":
		res, err := starting.SyncClients(ctx, c, tcfg.TaskQueue, workflows.SyncClientsInput{DryRun: *dryRun})
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
	case "checkbox":
		res, err := starting.MaintainCheckbox(ctx, c, tcfg.TaskQueue, workflows.MaintainContactCheckboxInput{DryRun: *dryRun})
		if err != nil {
			return err
		}
		return printJSON(res)
	case "schedule":
		created, err := starting.EnsureSchedule(ctx, c, tcfg.TaskQueue, starting.ScheduleSpec{Every: *every, Cron: *cron, Paused: *paused, CatchupWindow: *catchup, Input: batch})
		if err != nil {
			return err
		}
		verb := "updated"
		if created {
			verb = "created"
		}
		fmt.Printf("schedule %s %s\n", workflows.ScheduleID, verb)
		return nil
	case "pause":
		if err := starting.PauseSchedule(ctx, c, *note); err != nil {
			return err
		}
		fmt.Printf("schedule %s paused\n", workflows.ScheduleID)
		return nil
	case "unpause":
		if err := starting.UnpauseSchedule(ctx, c, *note); err != nil {
			return err
		}
		fmt.Printf("schedule %s unpaused\n", workflows.ScheduleID)
		return nil
	case "trigger":
		if err := starting.TriggerSchedule(ctx, c); err != nil {
			return err
		}
		fmt.Printf("schedule %s triggered\n", workflows.ScheduleID)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
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
