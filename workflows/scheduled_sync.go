package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// ScheduledSyncInput configures one scheduled run: the client sync, then the contact batch.
type ScheduledSyncInput struct {
	Clients  SyncClientsInput  `json:"clients"`
	Contacts SyncContactsInput `json:"contacts"`
}

// ScheduledSyncResult is what both parts of the run did.
type ScheduledSyncResult struct {
	Clients SyncClientsResult `json:"clients"`
	// ClientsError says why the client sync failed; the contact batch ran anyway.
	ClientsError string             `json:"clientsError,omitempty"`
	Contacts     SyncContactsResult `json:"contacts"`
}

// ScheduledSync is the run the schedule starts: SyncClients first, then SyncContacts, each as a
// child workflow, so a contact whose deal (or company) was just checked finds its new client in
// the same run (an incremental batch also lists the contacts of the clients just created). A dry
// run (Contacts.DryRun or Clients.DryRun) plans both parts and writes nothing; its contact plans
// put contacts on the clients it would create (the first MaxCreatedListed of them).
// When the client sync fails the contact batch still runs, for every contact whose client
// exists, and the run then fails naming the client sync's error.
func ScheduledSync(ctx workflow.Context, in ScheduledSyncInput) (ScheduledSyncResult, error) {
	dry := in.Clients.DryRun || in.Contacts.DryRun
	in.Clients.DryRun, in.Contacts.DryRun = dry, dry
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	var res ScheduledSyncResult

	workflow.SetCurrentDetails(ctx, "syncing clients")
	clientsErr := syncClientsOnce(ctx, in.Clients, dry, &res.Clients)
	workflow.SetCurrentDetails(ctx, "clients: "+countsText(res.Clients.Counts)+"; syncing contacts (see "+ScheduledContactsWorkflowID(id)+")")
	if clientsErr != nil {
		res.ClientsError = clientsErr.Error()
		workflow.GetLogger(ctx).Error("client sync failed; syncing contacts anyway", "error", clientsErr)
	}

	if n := res.Clients.Counts[syncplan.Created]; n > 0 && in.Contacts.Incremental {
		// The new clients' contacts may not have been edited since the last batch: list them too,
		// or, when there are too many to name, list every checked contact.
		if res.Clients.CreatedAll() {
			in.Contacts.NewClients = res.Clients.Created
		} else {
			in.Contacts.Incremental = false
		}
	}
	if dry {
		// The contact plans see the clients this dry run would create, as the real run would.
		in.Contacts.PendingClients = res.Clients.Created
	}
	contactsCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:    ScheduledContactsWorkflowID(id),
		StaticSummary: dryRunPrefix(dry) + "sync every checked HubSpot contact",
	})
	if err := workflow.ExecuteChildWorkflow(contactsCtx, SyncContacts, in.Contacts).Get(ctx, &res.Contacts); err != nil {
		return res, err
	}
	workflow.SetCurrentDetails(ctx, "clients: "+countsText(res.Clients.Counts)+"; contacts: "+countsText(res.Contacts.Counts))
	if clientsErr != nil {
		return res, fmt.Errorf("contacts synced, but the client sync failed: %w", clientsErr)
	}
	return res, nil
}

// countsText says outcome counts in words, in a fixed order: "2 created, 1 failed", or "none".
func countsText(counts map[syncplan.Outcome]int) string {
	outcomes := make([]string, 0, len(counts))
	// Sorted below, so the order the map gives does not matter.
	//workflowcheck:ignore
	for o := range counts {
		outcomes = append(outcomes, string(o))
	}
	slices.Sort(outcomes)
	var parts []string
	for _, o := range outcomes {
		if n := counts[syncplan.Outcome(o)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func dryRunPrefix(dry bool) string {
	if dry {
		return "dry run: "
	}
	return ""
}

// syncClientsOnce runs the client sync as a child under the one id every client sync shares
// (ClientsWorkflowID), so a manual and a scheduled client sync never run at once and race to
// create the same client: when one is running already, this waits for it and takes its result.
// A client sync that failed still reports the clients it created.
func syncClientsOnce(ctx workflow.Context, in SyncClientsInput, dry bool, out *SyncClientsResult) error {
	id := ClientsWorkflowID
	if dry {
		id = DryRunClientsWorkflowID
	}
	clientsCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		StaticSummary:         dryRunPrefix(dry) + "sync ClientSuccess clients from checked HubSpot deals or companies",
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	})
	err := workflow.ExecuteChildWorkflow(clientsCtx, SyncClients, in).Get(ctx, out)
	var running *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &running) {
		var joined activities.AwaitedClients
		wait := withHeartbeat(stepOptions(ctx, 2*time.Hour, max(in.RetryFor, 2*time.Hour), "wait for the client sync already running"))
		if err := workflow.ExecuteActivity(wait, a.AwaitClientSync, id).Get(ctx, &joined); err != nil {
			return err
		}
		out.Enabled, out.Created, out.Counts = true, joined.Created, joined.Counts
		if joined.Failed != "" {
			return errors.New(joined.Failed)
		}
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == ClientSyncFailed && appErr.HasDetails() {
		_ = appErr.Details(out) // what it created before it stopped
	}
	return err
}
