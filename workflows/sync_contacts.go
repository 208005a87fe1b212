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
	DefaultPageSize       = 200 // HubSpot search's largest page: fewest search calls
	DefaultContactsPerRun = 500
	// DefaultFullEvery is how often an incremental batch still syncs every checked contact, to
	// catch what a contact's lastmodifieddate does not show (a client created in ClientSuccess,
	// a record edited there, a deal renamed).
	DefaultFullEvery = 7 * 24 * time.Hour
	// DefaultOverlap is how far before the watermark an incremental batch looks: HubSpot search
	// shows a written record only after a few seconds.
	DefaultOverlap = 5 * time.Minute
)

// SyncContactsInput configures a batch run. The zero value syncs every checked contact with
// the defaults; the Carried fields are filled in by the workflow when it continues as new.
type SyncContactsInput struct {
	Concurrency    int           `json:"concurrency,omitempty"`    // children in flight at once
	PageSize       int           `json:"pageSize,omitempty"`       // contacts listed per search call (≤ 200)
	ContactsPerRun int           `json:"contactsPerRun,omitempty"` // contacts per run before continue-as-new
	StepTimeout    time.Duration `json:"stepTimeout,omitempty"`    // passed to each SyncContact
	RetryFor       time.Duration `json:"retryFor,omitempty"`       // bounds a step's retries; passed to each SyncContact
	// DryRun plans every contact's sync without writing; the result lists the plans.
	DryRun bool `json:"dryRun,omitempty"`
	// CheckEveryContact starts a SyncContact for every listed contact, even one the page plan
	// finds in line; slower, but it also finds copies of a contact made by hand on other clients.
	CheckEveryContact bool `json:"checkEveryContact,omitempty"`

	// Incremental lists only checked contacts modified since the previous completed batch on
	// this task queue started (less Overlap), and runs a full batch instead when there is no
	// such batch or the last full one started FullEvery or more ago. Off: every checked contact.
	Incremental bool          `json:"incremental,omitempty"`
	FullEvery   time.Duration `json:"fullEvery,omitempty"` // 0 means DefaultFullEvery
	// NewClients are the external ids of clients created just before this batch (ScheduledSync
	// passes SyncClients' creates). An incremental batch also lists the checked contacts of these
	// clients, which may not have been edited since the last batch (see PagePlanInput).
	NewClients []string `json:"newClients,omitempty"`
	// PendingClients (dry runs only) are the clients a dry-run client sync would create, passed
	// to each contact's plan (see SyncContactInput).
	PendingClients []string      `json:"pendingClients,omitempty"`
	Overlap        time.Duration `json:"overlap,omitempty"` // 0 means DefaultOverlap

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
	// Window is what the chain lists, decided by its first run.
	Window Window `json:"window,omitzero"`
}

// Window is the part of the checked contacts a batch lists, and the watermarks it carries on.
type Window struct {
	// StartedAt is when the chain's first run started: the next batch's watermark.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Since, when set, limits the listing to contacts with lastmodifieddate ≥ Since (the
	// previous batch's watermark less the overlap); zero lists every checked contact.
	Since time.Time `json:"since,omitzero"`
	// Watermark is the previous batch's NextWatermark this run started from (incremental only).
	Watermark time.Time `json:"watermark,omitzero"`
	// LastFull is when the latest full batch started (this one, when it is full).
	LastFull time.Time `json:"lastFull,omitzero"`
	// Why says in words why the batch is full or incremental.
	Why string `json:"why,omitempty"`
}

// SyncContactsResult counts what the batch did, by outcome.
type SyncContactsResult struct {
	Total  int                      `json:"total"`
	Counts map[syncplan.Outcome]int `json:"counts"`
	Runs   int                      `json:"runs"` // executions in the continue-as-new chain

	// Incremental is true when only contacts modified since Since were listed.
	Incremental bool      `json:"incremental,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	Watermark   time.Time `json:"watermark,omitzero"` // the previous batch's watermark used
	// NextWatermark is where the next incremental batch starts: this batch's start, or, when a
	// contact sync failed, the watermark this batch started from (zero after a full batch), so
	// the failed contact is listed again. LastFull is the start of the latest full batch.
	NextWatermark time.Time `json:"nextWatermark,omitzero"`
	LastFull      time.Time `json:"lastFull,omitzero"`
	Why           string    `json:"why,omitempty"`
	// Planned lists, for a dry run, what each contact's sync would do.
	Planned []SyncContactResult `json:"planned,omitempty"`
	// DryRun marks a batch that only planned: the next incremental batch ignores it.
	DryRun bool `json:"dryRun,omitempty"`
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
	first := in.Carried == nil
	in = withBatchDefaults(in)
	p := in.Carried
	p.Runs++
	if first {
		// Reading the clock records nothing in history; the look-up below exists only in
		// histories of incremental batches, which older code never started.
		p.Window = Window{StartedAt: workflow.Now(ctx), Why: "full batch requested"}
		p.Window.LastFull = p.Window.StartedAt
		if in.Incremental {
			var prev activities.PreviousBatch
			if err := workflow.ExecuteActivity(stepOptions(ctx, in.StepTimeout, in.RetryFor, "find the watermark of the previous completed batch"),
				a.FindPreviousBatch).Get(ctx, &prev); err != nil {
				return SyncContactsResult{}, err
			}
			p.Window = chooseWindow(in, prev, p.Window.StartedAt)
		}
	}
	childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		// Children finish their move even if the batch is cancelled or terminated.
		ParentClosePolicy:     abandon,
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
			SyncContactInput{HubSpotContactID: contactID, StepTimeout: in.StepTimeout, RetryFor: in.RetryFor, Deals: deals, DryRun: in.DryRun, PendingClients: in.PendingClients})
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

	// Histories from before the page plan list ids only and start a child for every contact.
	planPages := workflow.GetVersion(ctx, pagePlanChange, workflow.DefaultVersion, 1) == 1 && !in.CheckEveryContact
	for doneThisRun := 0; ; {
		var page contactPage
		var err error
		if planPages {
			page, err = planPage(ctx, in, p)
		} else {
			page, err = listPage(ctx, in, p)
		}
		if err != nil {
			return SyncContactsResult{}, err
		}
		for _, c := range page.inLine {
			p.addInLine(c, in.DryRun)
		}
		if len(page.inLine) > 0 && !in.DryRun {
			// Counted as their SyncContacts would have counted them (replay-safe).
			workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"outcome": string(syncplan.Unchanged)}).
				Counter(SyncsMetric).Inc(int64(len(page.inLine)))
		}
		listed += page.listed
		allListed = page.lastID == ""
		for _, id := range page.toSync {
			for inFlight >= in.Concurrency {
				selector.Select(ctx)
			}
			// With the associations resolver the page carries each contact's deals, read in one
			// batch call; the property resolver leaves page.deals nil and the input as it was.
			var deals *PrefetchedDeals
			if page.deals != nil {
				deals = &PrefetchedDeals{IDs: page.deals[id]}
			}
			startChild(id, deals)
		}
		doneThisRun += page.listed
		last := page.lastID == ""
		if !last {
			p.AfterID = page.lastID
		}
		if last || doneThisRun >= in.ContactsPerRun {
			for inFlight > 0 {
				selector.Select(ctx)
			}
			if last {
				return batchResult(p, in.DryRun), nil
			}
			in.Carried = p
			return SyncContactsResult{}, workflow.NewContinueAsNewError(ctx, SyncContacts, in)
		}
	}
}

// pagePlanChange is the workflow.GetVersion change id of the page plan.
const pagePlanChange = "page-plan"

// contactPage is one listed page: the contacts to start a SyncContact for, and those the page plan
// found in line (none without the plan).
type contactPage struct {
	toSync []string
	deals  map[string][]string
	inLine []activities.InLineContact
	listed int
	lastID string
}

// planPage lists and plans the next page (PlanContactsPage).
func planPage(ctx workflow.Context, in SyncContactsInput, p *BatchProgress) (contactPage, error) {
	what := fmt.Sprintf("list and plan checked HubSpot contacts after id %q", p.AfterID)
	if since := p.Window.Since; !since.IsZero() {
		what = fmt.Sprintf("list and plan checked HubSpot contacts modified since %s after id %q", since.UTC().Format(time.RFC3339), p.AfterID)
		if len(in.NewClients) > 0 {
			what = fmt.Sprintf("list and plan checked HubSpot contacts modified since %s or of the %d new clients, after id %q",
				since.UTC().Format(time.RFC3339), len(in.NewClients), p.AfterID)
		}
	}
	var page activities.PlannedPage
	err := workflow.ExecuteActivity(stepOptions(ctx, in.StepTimeout, in.RetryFor, what), a.PlanContactsPage,
		activities.PagePlanInput{Since: p.Window.Since, NewClients: in.NewClients, AfterID: p.AfterID, Limit: in.PageSize}).Get(ctx, &page)
	return contactPage{toSync: page.ToSync, deals: page.Deals, inLine: page.InLine, listed: page.Listed(), lastID: page.LastID}, err
}

// listPage lists the next page's ids, every one to be synced by its own SyncContact.
func listPage(ctx workflow.Context, in SyncContactsInput, p *BatchProgress) (contactPage, error) {
	var list workflow.Future
	if since := p.Window.Since; !since.IsZero() {
		listCtx := stepOptions(ctx, in.StepTimeout, in.RetryFor, fmt.Sprintf("list checked HubSpot contacts modified since %s after id %q", since.UTC().Format(time.RFC3339), p.AfterID))
		list = workflow.ExecuteActivity(listCtx, a.ListChangedContacts, activities.ChangedContactsInput{Since: since, NewClients: in.NewClients, AfterID: p.AfterID, Limit: in.PageSize})
	} else {
		listCtx := stepOptions(ctx, in.StepTimeout, in.RetryFor, fmt.Sprintf("list checked HubSpot contacts after id %q", p.AfterID))
		list = workflow.ExecuteActivity(listCtx, a.ListCheckedContacts, p.AfterID, in.PageSize)
	}
	var page activities.CheckedPage
	err := list.Get(ctx, &page)
	return contactPage{toSync: page.IDs, deals: page.Deals, listed: len(page.IDs), lastID: page.LastID}, err
}

// addInLine counts a contact the page plan found in line as unchanged, as its SyncContact would
// have; a dry run lists it among the plans.
func (p *BatchProgress) addInLine(c activities.InLineContact, dryRun bool) {
	p.Total++
	p.Counts[syncplan.Unchanged]++
	if dryRun {
		p.Planned = append(p.Planned, SyncContactResult{HubSpotContactID: c.ID, Outcome: syncplan.Unchanged, DealID: c.DealID, CompanyID: c.CompanyID,
			ClientID: c.ClientID, ClientName: c.ClientName, DryRun: true,
			Reason: fmt.Sprintf("dry run: already in line on client %s (%d); nothing written", c.ClientName, c.ClientID)})
	}
}

// chooseWindow decides, at the start of an incremental batch, whether it lists only the contacts
// modified since the previous batch's watermark (less the overlap) or every checked contact.
func chooseWindow(in SyncContactsInput, prev activities.PreviousBatch, now time.Time) Window {
	w := Window{StartedAt: now, LastFull: now}
	switch {
	case !prev.Found:
		w.Why = "full: no completed batch with a watermark on this task queue"
	case prev.LastFull.IsZero() || now.Sub(prev.LastFull) >= in.FullEvery:
		w.Why = fmt.Sprintf("full: the last full batch is more than %s old", in.FullEvery)
	default:
		w.Watermark, w.LastFull = prev.NextWatermark, prev.LastFull
		w.Since = prev.NextWatermark.Add(-in.Overlap)
		w.Why = fmt.Sprintf("incremental: contacts modified since %s (batch %s's start less %s)",
			w.Since.UTC().Format(time.RFC3339), prev.WorkflowID, in.Overlap)
	}
	return w
}

// batchResult is the chain's result; a failed contact holds the watermark back so the next
// incremental batch lists it again, and a dry run, which wrote nothing, carries none on.
func batchResult(p *BatchProgress, dryRun bool) SyncContactsResult {
	w := p.Window
	r := SyncContactsResult{Total: p.Total, Counts: p.Counts, Runs: p.Runs, Planned: p.Planned,
		Incremental: !w.Since.IsZero(), Since: w.Since, Watermark: w.Watermark, Why: w.Why, DryRun: dryRun}
	if dryRun {
		return r
	}
	r.NextWatermark, r.LastFull = w.StartedAt, w.LastFull
	if p.Counts[syncplan.Failed] > 0 {
		r.NextWatermark = w.Watermark
	}
	return r
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
	if in.FullEvery <= 0 {
		in.FullEvery = DefaultFullEvery
	}
	if in.Overlap <= 0 {
		in.Overlap = DefaultOverlap
	}
	if in.Carried == nil {
		in.Carried = &BatchProgress{}
	}
	if in.Carried.Counts == nil {
		in.Carried.Counts = map[syncplan.Outcome]int{}
	}
	return in
}
