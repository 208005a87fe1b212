// Package starting starts sync workflows and manages the batch schedule through the Temporal
// client; the starter command and the demo share it.
package starting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	workflowpb "go.temporal.io/api/workflow/v1"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// SyncContact starts (or joins, if one is running) the sync of one contact and waits for it.
func SyncContact(ctx context.Context, c client.Client, taskQueue string, in workflows.SyncContactInput) (workflows.SyncContactResult, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.ContactWorkflowID(in.HubSpotContactID),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            workflows.ContactSummary(in.HubSpotContactID),
		TypedSearchAttributes:    temporal.NewSearchAttributes(workflows.HubSpotContactIDKey.ValueSet(in.HubSpotContactID)),
	}, workflows.SyncContact, in)
	if err != nil {
		return workflows.SyncContactResult{}, fmt.Errorf("starting sync of contact %s: %w", in.HubSpotContactID, err)
	}
	var res workflows.SyncContactResult
	if err := run.Get(ctx, &res); err != nil {
		return res, fmt.Errorf("sync of contact %s (workflow %s): %w", in.HubSpotContactID, run.GetID(), err)
	}
	return res, nil
}

// StartBatch starts a batch run (or joins the one running) and returns its handle.
func StartBatch(ctx context.Context, c client.Client, taskQueue string, in workflows.SyncContactsInput) (client.WorkflowRun, error) {
	id, summary := workflows.BatchWorkflowID, "sync every checked HubSpot contact"
	if in.DryRun { // its own id, so a plan never joins a run that writes
		id, summary = workflows.DryRunBatchWorkflowID, "dry run: plan the sync of every checked HubSpot contact"
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            summary,
	}, workflows.SyncContacts, in)
	if err != nil {
		return nil, fmt.Errorf("starting batch run: %w", err)
	}
	return run, nil
}

// MaintainCheckbox runs the contact checkbox maintainer (or joins the run in progress) and waits
// for it. A dry run has its own workflow id, so it never joins a run that writes.
func MaintainCheckbox(ctx context.Context, c client.Client, taskQueue string, in workflows.MaintainContactCheckboxInput) (workflows.MaintainContactCheckboxResult, error) {
	id, summary := workflows.CheckboxWorkflowID, "tick and untick contacts' sync checkbox by the rule"
	if in.DryRun {
		id, summary = workflows.CheckboxWorkflowID+"-dry-run", "list the contact checkbox changes the rule wants (dry run)"
	}
	return runOnce[workflows.MaintainContactCheckboxResult](ctx, c, taskQueue, id, summary, "checkbox maintenance", workflows.MaintainContactCheckbox, in)
}

// SyncClients runs a client sync (or joins the one running) and waits for it. A dry run has its
// own workflow id, so it never joins a run that writes.
func SyncClients(ctx context.Context, c client.Client, taskQueue string, in workflows.SyncClientsInput) (workflows.SyncClientsResult, error) {
	id, summary := workflows.ClientsWorkflowID, "sync ClientSuccess clients from checked HubSpot deals or companies"
	if in.DryRun {
		id, summary = workflows.DryRunClientsWorkflowID, "dry run: plan the client sync"
	}
	return runOnce[workflows.SyncClientsResult](ctx, c, taskQueue, id, summary, "client sync", workflows.SyncClients, in)
}

// StartClientSync starts a client sync, or joins the one running, without waiting for it: for
// callers that only need it under way, such as the webhook receiver. The summary says why.
func StartClientSync(ctx context.Context, c client.Client, taskQueue, summary string) error {
	_, err := startOnce(ctx, c, taskQueue, workflows.ClientsWorkflowID, summary, "client sync",
		workflows.SyncClients, workflows.SyncClientsInput{})
	return err
}

// StartCheckbox starts the checkbox maintainer, or joins the run in progress, without waiting.
func StartCheckbox(ctx context.Context, c client.Client, taskQueue, summary string) error {
	_, err := startOnce(ctx, c, taskQueue, workflows.CheckboxWorkflowID, summary, "checkbox maintenance",
		workflows.MaintainContactCheckbox, workflows.MaintainContactCheckboxInput{})
	return err
}

// startOnce starts workflow wf under id, or joins the run with that id in progress; errors name
// what it was starting.
func startOnce(ctx context.Context, c client.Client, taskQueue, id, summary, what string, wf, in any) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            summary,
	}, wf, in)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", what, err)
	}
	return run, nil
}

// runOnce starts workflow wf under id (or joins the run with that id in progress) and waits for
// its result; errors name what ran and its workflow id.
func runOnce[R any](ctx context.Context, c client.Client, taskQueue, id, summary, what string, wf, in any) (R, error) {
	var res R
	run, err := startOnce(ctx, c, taskQueue, id, summary, what, wf, in)
	if err != nil {
		return res, err
	}
	if err := run.Get(ctx, &res); err != nil {
		return res, fmt.Errorf("%s (workflow %s): %w", what, run.GetID(), err)
	}
	return res, nil
}

// ScheduleSpec is how often the batch runs.
type ScheduleSpec struct {
	Every  time.Duration // interval; used when Cron is empty
	Cron   string        // cron expression, e.g. "0 * * * *"
	Paused bool
	// CatchupWindow is how late a missed run (server down) may still start; 0 means one hour.
	CatchupWindow time.Duration
	Input         workflows.SyncContactsInput
}

// DefaultCatchupWindow is the schedule's catch-up window when ScheduleSpec leaves it 0.
const DefaultCatchupWindow = time.Hour

// EnsureSchedule creates the schedule of ScheduledSync (clients, then the contact batch), or updates it in place when it exists, so running
// it twice gives one schedule. Overlapping runs are skipped: a batch still running when the next
// is due simply lets that one go.
func EnsureSchedule(ctx context.Context, c client.Client, taskQueue string, spec ScheduleSpec) (created bool, err error) {
	calendar := client.ScheduleSpec{}
	switch {
	case spec.Cron != "":
		calendar.CronExpressions = []string{spec.Cron}
	case spec.Every > 0:
		calendar.Intervals = []client.ScheduleIntervalSpec{{Every: spec.Every}}
	default:
		return false, errors.New("schedule needs an interval or a cron expression")
	}
	catchup := spec.CatchupWindow
	if catchup <= 0 {
		catchup = DefaultCatchupWindow
	}
	// The schedule runs ScheduledSync: clients first, then the contact batch with spec.Input, so a
	// contact whose deal or company was just checked finds its client in the same run.
	action := &client.ScheduleWorkflowAction{
		ID:        workflows.ScheduledSyncWorkflowID,
		Workflow:  workflows.ScheduledSync,
		Args:      []any{workflows.ScheduledSyncInput{Contacts: spec.Input}},
		TaskQueue: taskQueue,
		// Each run's id is this plus the scheduled time, so runs never collide with a manual batch.
		StaticSummary: "scheduled sync of clients, then of every checked HubSpot contact",
	}
	if spec.Input.Incremental {
		action.StaticSummary = "scheduled sync of clients, then of the checked HubSpot contacts modified since the last batch (all of them every " + spec.Input.FullEvery.String() + ")"
	}
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:            workflows.ScheduleID,
		Spec:          calendar,
		Action:        action,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: catchup,
		Paused:        spec.Paused,
		Note:          "HubSpot → ClientSuccess contact sync",
	})
	var exists *serviceerror.AlreadyExists
	if err == nil {
		return true, nil
	}
	if !errors.As(err, &exists) && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return false, fmt.Errorf("creating schedule %s: %w", workflows.ScheduleID, err)
	}
	h := c.ScheduleClient().GetHandle(ctx, workflows.ScheduleID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := in.Description.Schedule
		s.Spec = &calendar
		s.Action = action
		s.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
		s.Policy.CatchupWindow = catchup
		s.State.Paused = spec.Paused
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
	if err != nil {
		return false, fmt.Errorf("updating schedule %s: %w", workflows.ScheduleID, err)
	}
	return false, nil
}

// PauseSchedule stops the schedule from starting runs until it is unpaused; the note says why
// and shows in the Web UI.
func PauseSchedule(ctx context.Context, c client.Client, note string) error {
	if err := c.ScheduleClient().GetHandle(ctx, workflows.ScheduleID).Pause(ctx, client.SchedulePauseOptions{Note: note}); err != nil {
		return fmt.Errorf("pausing schedule %s: %w", workflows.ScheduleID, err)
	}
	return nil
}

// UnpauseSchedule lets the schedule start runs again.
func UnpauseSchedule(ctx context.Context, c client.Client, note string) error {
	if err := c.ScheduleClient().GetHandle(ctx, workflows.ScheduleID).Unpause(ctx, client.ScheduleUnpauseOptions{Note: note}); err != nil {
		return fmt.Errorf("unpausing schedule %s: %w", workflows.ScheduleID, err)
	}
	return nil
}

// TriggerSchedule starts a scheduled run (clients, then contacts) now, under the schedule's overlap policy: with a run still
// going, Skip means nothing new starts.
func TriggerSchedule(ctx context.Context, c client.Client) error {
	err := c.ScheduleClient().GetHandle(ctx, workflows.ScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	if err != nil {
		return fmt.Errorf("triggering schedule %s: %w", workflows.ScheduleID, err)
	}
	return nil
}

// Attention returns the contacts whose last sync failed, from the batch running on the task queue
// (asked with its attention query) or else from the last one that completed, and names which.
func Attention(ctx context.Context, c client.Client, taskQueue string) (syncplan.Attentions, string, error) {
	// The latest to start (running) or to close (completed) of the most recent batches.
	find := func(status string) (*workflowpb.WorkflowExecutionInfo, error) {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 20, Query: fmt.Sprintf(
			"WorkflowType = 'SyncContacts' AND ExecutionStatus = '%s' AND TaskQueue = %q", status, taskQueue)})
		if err != nil || len(resp.GetExecutions()) == 0 {
			return nil, err
		}
		return slices.MaxFunc(resp.GetExecutions(), func(a, b *workflowpb.WorkflowExecutionInfo) int {
			return cmp.Or(a.GetCloseTime().AsTime().Compare(b.GetCloseTime().AsTime()), a.GetStartTime().AsTime().Compare(b.GetStartTime().AsTime()))
		}), nil
	}
	if running, err := find("Running"); err != nil {
		return nil, "", fmt.Errorf("listing the batches on task queue %s: %w", taskQueue, err)
	} else if running != nil {
		id := running.GetExecution().GetWorkflowId()
		v, err := c.QueryWorkflow(ctx, id, "", workflows.AttentionQuery)
		if err != nil {
			return nil, "", fmt.Errorf("asking batch %s: %w", id, err)
		}
		var list syncplan.Attentions
		return list, "running batch " + id, v.Get(&list)
	}
	done, err := find("Completed")
	if err != nil || done == nil {
		return nil, "no batch yet", err
	}
	var res workflows.SyncContactsResult
	id := done.GetExecution().GetWorkflowId()
	if err := c.GetWorkflow(ctx, id, done.GetExecution().GetRunId()).Get(ctx, &res); err != nil {
		return nil, "", fmt.Errorf("reading batch %s: %w", id, err)
	}
	return res.Attention, "completed batch " + id, nil
}
