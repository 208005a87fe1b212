package workflows

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// Batch defaults, chosen so one run's history stays far below Temporal's 10,000-event advice:
// each contact costs the batch three child events plus at most three workflow-task events.
const (
	DefaultConcurrency    = 20
	DefaultPageSize       = 100
	DefaultContactsPerRun = 500
)

// SyncContactsInput configures a batch run. The zero value syncs every checked contact with
// the defaults; the Carried fields are filled in by the workflow when it continues as new.
type SyncContactsInput struct {
	Concurrency    int           `json:"concurrency,omitempty"`    // children in flight at once
	PageSize       int           `json:"pageSize,omitempty"`       // contacts listed per search call (≤ 200)
	ContactsPerRun int           `json:"contactsPerRun,omitempty"` // contacts per run before continue-as-new
	StepTimeout    time.Duration `json:"stepTimeout,omitempty"`    // passed to each SyncContact
	// DryRun plans every contact's sync without writing; the result lists the plans.
	DryRun bool `json:"dryRun,omitempty"`

	Carried *BatchProgress `json:"carried,omitempty"`
}

// BatchProgress is what a batch has done so far, carried across continue-as-new.
type BatchProgress struct {
	AfterID string                   `json:"afterId,omitempty"` // contacts up to this id are done
	Total   int                      `json:"total"`
	Counts  map[syncplan.Outcome]int `json:"counts"`
	Runs    int                      `json:"runs"`
	// Planned are the dry-run children's results, in completion order (dry runs only).
	Planned []SyncContactResult `json:"planned,omitempty"`
}

// SyncContactsResult counts what the batch did, by outcome.
type SyncContactsResult struct {
	Total  int                      `json:"total"`
	Counts map[syncplan.Outcome]int `json:"counts"`
	Runs   int                      `json:"runs"` // executions in the continue-as-new chain
	// Planned lists, for a dry run, what each contact's sync would do.
	Planned []SyncContactResult `json:"planned,omitempty"`
}

// ProgressQuery is the name of the query on SyncContacts that returns its Progress, e.g.
// `temporal workflow query --workflow-id sync-contacts --type progress`.
const ProgressQuery = "progress"

// Progress is where a batch stands, across continue-as-new runs.
type Progress struct {
	Done     int `json:"done"`     // contacts synced, whatever the outcome
	Listed   int `json:"listed"`   // contacts listed so far (done + in flight + queued)
	InFlight int `json:"inFlight"` // contact syncs running now
	// AllListed is true once the last page has been read: Listed is then the total.
	AllListed bool                     `json:"allListed"`
	Counts    map[syncplan.Outcome]int `json:"counts"`
	Run       int                      `json:"run"` // this execution's place in the continue-as-new chain
}

// SyncContacts syncs every contact whose checkbox is checked: it pages through them in id order
// and runs one SyncContact child per contact, at most Concurrency at a time, continuing as new
// every ContactsPerRun contacts so no history grows large.
func SyncContacts(ctx workflow.Context, in SyncContactsInput) (SyncContactsResult, error) {
	in = withBatchDefaults(in)
	var a *activities.Activities
	p := in.Carried
	p.Runs++
	childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		// Children finish their move even if the batch is cancelled or terminated.
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	})
	inFlight := 0
	listed, allListed := p.Total, false
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) {
		// The answer is encoded as soon as the handler returns, so sharing the map is safe.
		return Progress{Done: p.Total, Listed: listed, InFlight: inFlight, AllListed: allListed, Counts: p.Counts, Run: p.Runs}, nil
	}); err != nil {
		return SyncContactsResult{}, err
	}
	selector := workflow.NewSelector(ctx)
	startChild := func(contactID string, deals *PrefetchedDeals) {
		opts := workflow.GetChildWorkflowOptions(childCtx)
		opts.WorkflowID = ContactWorkflowID(contactID)
		opts.StaticSummary = ContactSummary(contactID)
		// Searchable while it runs; the child adds its outcome and client when it ends.
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(HubSpotContactIDKey.ValueSet(contactID))
		if in.DryRun {
			// A plan is not a sync: its own id, and no search attributes to be found by.
			opts.WorkflowID = DryRunContactWorkflowID(contactID)
			opts.StaticSummary = "dry run: " + opts.StaticSummary
			opts.TypedSearchAttributes = temporal.SearchAttributes{}
		}
		f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(childCtx, opts), SyncContact,
			SyncContactInput{HubSpotContactID: contactID, StepTimeout: in.StepTimeout, Deals: deals, DryRun: in.DryRun})
		inFlight++
		selector.AddFuture(f, func(f workflow.Future) {
			inFlight--
			p.Total++
			r, outcome := childOutcome(ctx, f)
			p.Counts[outcome]++
			if in.DryRun {
				p.Planned = append(p.Planned, r)
			}
		})
	}

	for doneThisRun := 0; ; {
		var page activities.CheckedPage
		listCtx := readOptions(ctx, in.StepTimeout, fmt.Sprintf("list checked HubSpot contacts after id %q", p.AfterID))
		if err := workflow.ExecuteActivity(listCtx, a.ListCheckedContacts, p.AfterID, in.PageSize).Get(ctx, &page); err != nil {
			return SyncContactsResult{}, err
		}
		listed += len(page.IDs)
		allListed = page.LastID == ""
		for _, id := range page.IDs {
			for inFlight >= in.Concurrency {
				selector.Select(ctx)
			}
			// With the associations resolver the page carries each contact's deals, read in one
			// batch call; the property resolver leaves page.Deals nil and the input as it was.
			var deals *PrefetchedDeals
			if page.Deals != nil {
				deals = &PrefetchedDeals{IDs: page.Deals[id]}
			}
			startChild(id, deals)
		}
		doneThisRun += len(page.IDs)
		last := page.LastID == ""
		if !last {
			p.AfterID = page.LastID
		}
		if last || doneThisRun >= in.ContactsPerRun {
			for inFlight > 0 {
				selector.Select(ctx)
			}
			if last {
				return SyncContactsResult{Total: p.Total, Counts: p.Counts, Runs: p.Runs, Planned: p.Planned}, nil
			}
			in.Carried = p
			return SyncContactsResult{}, workflow.NewContinueAsNewError(ctx, SyncContacts, in)
		}
	}
}

// childOutcome reads a finished child's outcome; a failed child counts as Failed and a child
// refused because a sync of the same contact is already running counts as AlreadyRunning.
func childOutcome(ctx workflow.Context, f workflow.Future) (SyncContactResult, syncplan.Outcome) {
	var r SyncContactResult
	err := f.Get(ctx, &r)
	var running *temporal.ChildWorkflowExecutionAlreadyStartedError
	switch {
	case errors.As(err, &running):
		return r, syncplan.AlreadyRunning
	case err != nil:
		workflow.GetLogger(ctx).Warn("contact sync failed", "error", err)
		return r, syncplan.Failed
	}
	return r, r.Outcome
}

func withBatchDefaults(in SyncContactsInput) SyncContactsInput {
	if in.Concurrency <= 0 {
		in.Concurrency = DefaultConcurrency
	}
	if in.PageSize <= 0 || in.PageSize > 200 {
		in.PageSize = DefaultPageSize
	}
	if in.ContactsPerRun <= 0 {
		in.ContactsPerRun = DefaultContactsPerRun
	}
	if in.Carried == nil {
		in.Carried = &BatchProgress{}
	}
	if in.Carried.Counts == nil {
		in.Carried.Counts = map[syncplan.Outcome]int{}
	}
	return in
}
