package workflows

import (
	"errors"
	"fmt"
	"slices"
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
	// maxOrphansListed bounds the deleted contacts with records a result names.
	maxOrphansListed = 50
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
	// finds in line.
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
	// Attention are the contacts whose last sync failed, inherited from the previous batch and
	// kept up to date as this one goes.
	Attention syncplan.Attentions `json:"attention,omitempty"`
	// Listed are the ids of Attention contacts this chain listed already (so a full run can drop
	// entries of contacts no longer checked, and an incremental one retries the others).
	Listed []string `json:"listed,omitempty"`
	// HoldWatermark says a contact could not be followed up (a sync still running, a failure the
	// Attention list could not hold): the next incremental batch starts from this one's watermark.
	HoldWatermark bool `json:"holdWatermark,omitempty"`
	// Census is the session the full run's census lives on, to recreate it after continue-as-new.
	Census []byte `json:"census,omitempty"`
	// Orphans are deleted HubSpot contacts whose records were kept; OrphanCount counts them all.
	Orphans     []string `json:"orphans,omitempty"`
	OrphanCount int      `json:"orphanCount,omitempty"`
	// FollowedUp counts contacts whose sync was already running: waited for, then synced again.
	FollowedUp int `json:"followedUp,omitempty"`
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
	// contact could not be followed up, the watermark this batch started from. LastFull is the
	// start of the latest full batch.
	NextWatermark time.Time `json:"nextWatermark,omitzero"`
	LastFull      time.Time `json:"lastFull,omitzero"`
	Why           string    `json:"why,omitempty"`
	// Attention lists the contacts whose last sync failed: why, since when, how many attempts, and
	// when the next batch tries again (at once if they change in HubSpot).
	Attention syncplan.Attentions `json:"attention,omitempty"`
	// Orphans names deleted HubSpot contacts whose ClientSuccess records were kept
	// (DELETED_CONTACTS=keep); OrphanCount counts them all.
	Orphans     []string `json:"orphans,omitempty"`
	OrphanCount int      `json:"orphanCount,omitempty"`
	// FollowedUp counts contacts whose sync was already running: waited for, then synced again.
	FollowedUp int `json:"followedUp,omitempty"`
	// Planned lists, for a dry run, what each contact's sync would do.
	Planned []SyncContactResult `json:"planned,omitempty"`
	// DryRun marks a batch that only planned: the next incremental batch ignores it.
	DryRun bool `json:"dryRun,omitempty"`
}

// ProgressQuery is the name of the query on SyncContacts that returns its Progress, e.g.
// `temporal workflow query --workflow-id sync-contacts --type progress`.
const ProgressQuery = "progress"

// AttentionQuery is the name of the query on SyncContacts that returns the contacts whose last
// sync failed (syncplan.Attentions).
const AttentionQuery = "attention"

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
// and runs one SyncContact child per contact that needs one, at most Concurrency at a time,
// continuing as new every ContactsPerRun contacts so no history grows large. A full run first
// takes a census of ClientSuccess, judges every contact against it (so a contact's records are
// found on any client whatever emails say), and ends by sweeping what no checked contact
// accounted for: merged and deleted contacts. Contacts whose sync failed are carried to the next
// batch and retried with growing intervals, or at once when they change in HubSpot.
func SyncContacts(ctx workflow.Context, in SyncContactsInput) (SyncContactsResult, error) {
	b, err := newBatch(ctx, in)
	if err != nil {
		return SyncContactsResult{}, err
	}
	defer b.closeCensus()
	for doneThisRun := 0; ; {
		page, err := b.nextPage()
		if err != nil {
			return SyncContactsResult{}, err
		}
		b.take(page)
		doneThisRun += page.listed
		last := page.lastID == ""
		if !last {
			b.p.AfterID = page.lastID
		}
		if last {
			if err := b.finish(); err != nil {
				return SyncContactsResult{}, err
			}
			b.drain()
			return b.result(), nil
		}
		if doneThisRun >= b.in.ContactsPerRun {
			b.drain()
			b.in.Carried = b.p
			return SyncContactsResult{}, workflow.NewContinueAsNewError(ctx, SyncContacts, b.in)
		}
	}
}

// batch is one run of SyncContacts: its input, its progress, and its children in flight.
type batch struct {
	ctx      workflow.Context
	in       SyncContactsInput
	p        *BatchProgress
	selector workflow.Selector
	inFlight int
	listed   int
	all      bool // the last page has been read
	// census is the session context the full run's page steps run in; nil without a census.
	census workflow.Context
}

func newBatch(ctx workflow.Context, in SyncContactsInput) (*batch, error) {
	first := in.Carried == nil
	in = withBatchDefaults(in)
	b := &batch{ctx: ctx, in: in, p: in.Carried, selector: workflow.NewSelector(ctx)}
	b.p.Runs++
	b.listed = b.p.Total
	if first {
		if err := b.chooseWindow(); err != nil {
			return nil, err
		}
	}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (Progress, error) {
		// The answer is encoded as soon as the handler returns, so sharing the map is safe.
		return b.progress(), nil
	}); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, AttentionQuery, func() (syncplan.Attentions, error) { return b.p.Attention, nil }); err != nil {
		return nil, err
	}
	if b.full() {
		if err := b.openCensus(); err != nil {
			return nil, err
		}
	}
	b.showProgress()
	return b, nil
}

// chooseWindow decides, at the start of the chain, what it lists, and inherits the previous
// batch's attention list.
func (b *batch) chooseWindow() error {
	now := workflow.Now(b.ctx)
	b.p.Window = Window{StartedAt: now, LastFull: now, Why: "full batch requested"}
	if !b.in.Incremental {
		return nil
	}
	var prev activities.PreviousBatch
	if err := workflow.ExecuteActivity(stepOptions(b.ctx, b.in.StepTimeout, b.in.RetryFor, "find the watermark of the previous completed batch"),
		a.FindPreviousBatch).Get(b.ctx, &prev); err != nil {
		return err
	}
	b.p.Window = chooseWindow(b.in, prev, now)
	b.p.Attention = prev.Attention
	return nil
}

// full reports whether this run takes a census: a full listing planned page by page.
func (b *batch) full() bool { return b.p.Window.Since.IsZero() && !b.in.CheckEveryContact }

// Census session settings: how long a full run may keep its census worker, how long a worker has
// to take the session on, and how soon a dead census worker is noticed.
const (
	censusSession   = 24 * time.Hour
	sessionCreation = time.Minute
	sessionAlive    = 10 * time.Second
)

// openCensus recreates, after continue-as-new, the session the census lives in; failing that (its
// worker is gone), it starts a new session, retrying while no worker can take it, and takes the
// census there.
func (b *batch) openCensus() error {
	opts := &workflow.SessionOptions{CreationTimeout: sessionCreation, ExecutionTimeout: censusSession, HeartbeatTimeout: sessionAlive}
	if b.p.Census != nil {
		ctx, err := workflow.RecreateSession(b.ctx, b.p.Census, opts)
		if err == nil {
			b.census = ctx
			return nil
		}
	}
	giveUp := workflow.Now(b.ctx).Add(b.in.RetryFor)
	for {
		ctx, err := workflow.CreateSession(b.ctx, opts)
		if err == nil {
			// The token is the session's host queue, JSON-encoded: the same on every replay.
			b.census, b.p.Census = ctx, workflow.GetSessionInfo(ctx).GetRecreateToken() //workflowcheck:ignore
			if err = b.takeCensus(); !b.censusLost(err) {
				return err
			}
			b.closeCensus() // its worker went away while it counted: start over on another
		}
		if !workflow.Now(b.ctx).Before(giveUp) {
			return fmt.Errorf("no worker took the census session for %s: %w", b.in.RetryFor, err)
		}
		if err := workflow.Sleep(b.ctx, sessionAlive); err != nil {
			return err
		}
	}
}

func (b *batch) takeCensus() error {
	ctx := withHeartbeat(stepOptions(b.census, censusStepTimeout, b.in.RetryFor, "take a census of every ClientSuccess client's contacts"))
	return workflow.ExecuteActivity(ctx, a.TakeCensus, activities.CensusInput{Run: b.censusKey()}).Get(b.ctx, nil)
}

// censusStepTimeout bounds one attempt at the census: one call per client, paced.
const censusStepTimeout = 2 * time.Hour

// censusKey names the chain's census on the worker that holds it.
func (b *batch) censusKey() string {
	return workflow.GetInfo(b.ctx).WorkflowExecution.ID + "@" + b.p.Window.StartedAt.UTC().Format(time.RFC3339Nano)
}

// censusLost reports whether a step failed because the census worker went away.
func (b *batch) censusLost(err error) bool {
	return err != nil && b.census != nil &&
		(errors.Is(err, workflow.ErrSessionFailed) || workflow.GetSessionInfo(b.census).SessionState == workflow.SessionStateFailed)
}

func (b *batch) closeCensus() {
	if b.census != nil {
		workflow.CompleteSession(b.census)
	}
}

// contactPage is one listed page: the contacts to start a SyncContact for, and those the page plan
// found in line (none without the plan).
type contactPage struct {
	toSync   []string
	deals    map[string][]string
	known    map[string][]activities.Location
	modified map[string]time.Time
	inLine   []activities.InLineContact
	listed   int
	lastID   string
}

// nextPage lists the next page: planned, or (CheckEveryContact) ids only.
func (b *batch) nextPage() (contactPage, error) {
	if b.in.CheckEveryContact {
		return b.listPage()
	}
	for {
		page, err := b.planPage()
		if err != nil || !page.CensusMissing {
			return contactPage{toSync: page.ToSync, deals: page.Deals, known: page.Known, modified: page.Modified, inLine: page.InLine,
				listed: page.Listed(), lastID: page.LastID}, err
		}
		// The census worker went away: take the census again, on a new session.
		b.closeCensus()
		b.p.Census = nil
		if err := b.openCensus(); err != nil {
			return contactPage{}, err
		}
	}
}

// planPage lists and plans the next page (PlanContactsPage), in the census session when there is one.
func (b *batch) planPage() (activities.PlannedPage, error) {
	in := activities.PagePlanInput{Since: b.p.Window.Since, NewClients: b.in.NewClients, AfterID: b.p.AfterID, Limit: b.in.PageSize}
	ctx := b.ctx
	if b.census != nil {
		ctx, in.Census = b.census, b.censusKey()
	}
	var page activities.PlannedPage
	err := workflow.ExecuteActivity(stepOptions(ctx, b.in.StepTimeout, b.in.RetryFor, b.pageSummary("list and plan")), a.PlanContactsPage, in).Get(b.ctx, &page)
	if b.censusLost(err) {
		return activities.PlannedPage{CensusMissing: true}, nil
	}
	return page, err
}

// listPage lists the next page's ids, every one to be synced by its own SyncContact.
func (b *batch) listPage() (contactPage, error) {
	var list workflow.Future
	if since := b.p.Window.Since; !since.IsZero() {
		list = workflow.ExecuteActivity(stepOptions(b.ctx, b.in.StepTimeout, b.in.RetryFor, b.pageSummary("list")), a.ListChangedContacts,
			activities.ChangedContactsInput{Since: since, NewClients: b.in.NewClients, AfterID: b.p.AfterID, Limit: b.in.PageSize})
	} else {
		list = workflow.ExecuteActivity(stepOptions(b.ctx, b.in.StepTimeout, b.in.RetryFor, b.pageSummary("list")), a.ListCheckedContacts,
			b.p.AfterID, b.in.PageSize)
	}
	var page activities.CheckedPage
	err := list.Get(b.ctx, &page)
	return contactPage{toSync: page.IDs, deals: page.Deals, listed: len(page.IDs), lastID: page.LastID}, err
}

// pageSummary names a page step for the timeline: which contacts, from where.
func (b *batch) pageSummary(verb string) string {
	what := "checked HubSpot contacts"
	if since := b.p.Window.Since; !since.IsZero() {
		what += " modified since " + since.UTC().Format(time.RFC3339)
		if len(b.in.NewClients) > 0 {
			what += fmt.Sprintf(" or of the %d new clients", len(b.in.NewClients))
		}
	}
	if b.p.AfterID == "" {
		return fmt.Sprintf("%s the first page of %s", verb, what)
	}
	return fmt.Sprintf("%s %s after id %s", verb, what, b.p.AfterID)
}

// take counts the page's in-line contacts and starts a sync for each other one, unless its last
// sync failed and it waits for its retry.
func (b *batch) take(page contactPage) {
	for _, c := range page.inLine {
		b.addInLine(c)
		b.p.Attention = b.p.Attention.Cleared(c.ID)
	}
	if len(page.inLine) > 0 && !b.in.DryRun {
		// Counted as their SyncContacts would have counted them (replay-safe).
		workflow.GetMetricsHandler(b.ctx).WithTags(map[string]string{"outcome": string(syncplan.Unchanged)}).
			Counter(SyncsMetric).Inc(int64(len(page.inLine)))
	}
	b.listed += page.listed
	b.all = page.lastID == ""
	now := workflow.Now(b.ctx)
	for _, id := range page.toSync {
		if _, ok := b.p.Attention.Find(id); ok {
			b.p.Listed = append(b.p.Listed, id)
		}
		if b.p.Attention.Defer(id, page.modified[id], now) {
			b.count(SyncContactResult{HubSpotContactID: id, Outcome: syncplan.Deferred})
			continue
		}
		var deals *PrefetchedDeals
		if page.deals != nil {
			deals = &PrefetchedDeals{IDs: page.deals[id]}
		}
		b.start(SyncContactInput{HubSpotContactID: id, Deals: deals, Known: page.known[id]}, true)
	}
	b.showProgress()
}

// start runs one contact's sync as a child, at most Concurrency at a time. When a sync of the
// contact is already running, the batch waits for it and then syncs the contact once more, so a
// change the batch saw after that sync read HubSpot is never skipped; should yet another sync be
// running by then, it started after the batch saw the change, and its outcome is the contact's.
func (b *batch) start(in SyncContactInput, followUp bool) {
	for b.inFlight >= b.in.Concurrency {
		b.selector.Select(b.ctx)
	}
	in.StepTimeout, in.RetryFor, in.DryRun = b.in.StepTimeout, b.in.RetryFor, b.in.DryRun
	if b.in.DryRun {
		in.PendingClients = b.in.PendingClients
	}
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(b.ctx, b.childOptions(in.HubSpotContactID)), SyncContact, in)
	b.inFlight++
	b.selector.AddFuture(f, func(f workflow.Future) {
		b.inFlight--
		var r SyncContactResult
		err := f.Get(b.ctx, &r)
		var running *temporal.ChildWorkflowExecutionAlreadyStartedError
		switch {
		case errors.As(err, &running):
			b.await(in, followUp)
			return
		case err != nil:
			r.Outcome, r.Reason = syncplan.Failed, err.Error()
		}
		r.HubSpotContactID = in.HubSpotContactID
		b.count(r)
	})
}

// await waits for the sync of the contact that was running, then syncs it once more (followUp),
// or counts how the running one ended.
func (b *batch) await(in SyncContactInput, followUp bool) {
	if followUp {
		b.p.FollowedUp++
	}
	id := b.childOptions(in.HubSpotContactID).WorkflowID
	ctx := withHeartbeat(stepOptions(b.ctx, 2*time.Hour, max(b.in.RetryFor, 2*time.Hour), "wait for the running sync of contact "+in.HubSpotContactID))
	f := workflow.ExecuteActivity(ctx, a.AwaitContactSync, id)
	b.inFlight++
	b.selector.AddFuture(f, func(f workflow.Future) {
		b.inFlight--
		var done activities.AwaitedSync
		err := f.Get(b.ctx, &done)
		switch {
		case followUp && err == nil:
			b.start(in, false)
		case err != nil:
			b.count(SyncContactResult{HubSpotContactID: in.HubSpotContactID, Outcome: syncplan.Failed, Reason: err.Error()})
		default:
			b.count(SyncContactResult{HubSpotContactID: in.HubSpotContactID, Outcome: done.Outcome, Reason: done.Reason, DealID: done.DealID})
		}
	})
}

func (b *batch) childOptions(contactID string) workflow.ChildWorkflowOptions {
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:    ContactWorkflowID(contactID),
		StaticSummary: ContactSummary(contactID),
		// Children finish their move even if the batch is cancelled or terminated.
		ParentClosePolicy:     abandon,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// Searchable while it runs; the child adds its outcome and client when it ends.
		TypedSearchAttributes: temporal.NewSearchAttributes(HubSpotContactIDKey.ValueSet(contactID)),
	}
	if b.in.DryRun {
		// A plan is not a sync: its own id, and no search attributes to be found by.
		opts.WorkflowID = DryRunContactWorkflowID(contactID)
		opts.StaticSummary = "dry run: " + opts.StaticSummary
		opts.TypedSearchAttributes = temporal.SearchAttributes{}
	}
	return opts
}

// count records a finished contact: its outcome, and whether it needs attention next time.
func (b *batch) count(r SyncContactResult) {
	b.p.Total++
	b.p.Counts[r.Outcome]++
	if b.in.DryRun {
		b.p.Planned = append(b.p.Planned, r)
	}
	switch {
	case b.in.DryRun || r.Outcome == syncplan.Deferred:
	case r.Outcome == syncplan.Failed || b.waitsForNewClient(r):
		reason := r.Reason
		if reason == "" {
			reason = string(r.Outcome)
		}
		var dropped bool
		b.p.Attention, dropped = b.p.Attention.Failed(r.HubSpotContactID, reason, workflow.Now(b.ctx))
		b.p.HoldWatermark = b.p.HoldWatermark || dropped
	default:
		b.p.Attention = b.p.Attention.Cleared(r.HubSpotContactID)
	}
	b.showProgress()
}

// waitsForNewClient reports a contact listed because its client was just created that still found
// no client: it is retried like a failure, since its HubSpot record may never change again.
func (b *batch) waitsForNewClient(r SyncContactResult) bool {
	return r.Outcome == syncplan.WaitingClient && len(b.in.NewClients) > 0 &&
		(slices.Contains(b.in.NewClients, r.DealID) || slices.Contains(b.in.NewClients, r.CompanyID))
}

// finish ends the listing: a full run sweeps its census (merged and deleted contacts) and drops
// attention entries of contacts no longer checked; an incremental run retries the failed contacts
// whose retry has come though HubSpot did not list them.
func (b *batch) finish() error {
	if b.census != nil {
		if err := b.sweep(); err != nil {
			return err
		}
	}
	var retry []string
	for _, e := range b.p.Attention {
		switch {
		case slices.Contains(b.p.Listed, e.ID):
		case b.p.Window.Since.IsZero():
			b.p.Attention = b.p.Attention.Cleared(e.ID) // not listed by a full run: no longer checked
		case !workflow.Now(b.ctx).Before(e.NextAttempt):
			retry = append(retry, e.ID)
		}
	}
	for _, id := range retry {
		b.start(SyncContactInput{HubSpotContactID: id}, true)
	}
	return nil
}

// sweep asks HubSpot about the census records no page accounted for: a merged-away id's records go
// to its survivor's sync, a deleted contact's are removed or reported, as DELETED_CONTACTS says.
func (b *batch) sweep() error {
	var res activities.SweepResult
	ctx := stepOptions(b.census, b.in.StepTimeout, b.in.RetryFor, "look up the contacts whose ClientSuccess records no checked contact accounted for")
	if err := workflow.ExecuteActivity(ctx, a.SweepCensus, activities.CensusInput{Run: b.censusKey()}).Get(b.ctx, &res); err != nil {
		if b.censusLost(err) {
			return nil // the census is gone with its worker: the next full run sweeps
		}
		return err
	}
	for _, m := range res.Merged {
		b.start(SyncContactInput{HubSpotContactID: m.Survivor, AlsoOwns: []string{m.ID}, Known: m.Records}, true)
	}
	if res.RemoveDeleted {
		for _, d := range res.Deleted {
			b.start(SyncContactInput{HubSpotContactID: d.ID, Known: d.Records}, true)
		}
		return nil
	}
	b.p.OrphanCount = res.DeletedCount
	for _, d := range res.Deleted {
		if len(b.p.Orphans) < maxOrphansListed {
			b.p.Orphans = append(b.p.Orphans, d.ID)
		}
	}
	return nil
}

// drain waits for every child in flight.
func (b *batch) drain() {
	for b.inFlight > 0 {
		b.selector.Select(b.ctx)
	}
}

func (b *batch) progress() Progress {
	return Progress{Done: b.p.Total, Listed: b.listed, InFlight: b.inFlight, AllListed: b.all, Counts: b.p.Counts, Run: b.p.Runs}
}

// showProgress puts the batch's progress where the Web UI shows it without a click.
func (b *batch) showProgress() {
	p := b.progress()
	listed := fmt.Sprintf("%d+", p.Listed)
	if p.AllListed {
		listed = fmt.Sprint(p.Listed)
	}
	workflow.SetCurrentDetails(b.ctx, fmt.Sprintf("%d of %s contacts done, %d in flight, %d need attention (run %d)",
		p.Done, listed, p.InFlight, len(b.p.Attention), p.Run))
}

// addInLine counts a contact the page plan found in line as unchanged, as its SyncContact would
// have; a dry run lists it among the plans.
func (b *batch) addInLine(c activities.InLineContact) {
	b.p.Total++
	b.p.Counts[syncplan.Unchanged]++
	if b.in.DryRun {
		b.p.Planned = append(b.p.Planned, SyncContactResult{HubSpotContactID: c.ID, Outcome: syncplan.Unchanged, DealID: c.DealID, CompanyID: c.CompanyID,
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

// result is the chain's result. Failed contacts travel in Attention, so they do not hold the
// watermark back; only a contact that could not be followed up does. A dry run carries none on.
func (b *batch) result() SyncContactsResult {
	p, w := b.p, b.p.Window
	r := SyncContactsResult{Total: p.Total, Counts: p.Counts, Runs: p.Runs, Planned: p.Planned,
		Incremental: !w.Since.IsZero(), Since: w.Since, Watermark: w.Watermark, Why: w.Why, DryRun: b.in.DryRun,
		Attention: p.Attention, Orphans: p.Orphans, OrphanCount: p.OrphanCount, FollowedUp: p.FollowedUp}
	if b.in.DryRun {
		r.Attention = nil
		return r
	}
	r.NextWatermark, r.LastFull = w.StartedAt, w.LastFull
	if p.HoldWatermark {
		r.NextWatermark = w.Watermark
	}
	metrics := workflow.GetMetricsHandler(b.ctx)
	metrics.Gauge(AttentionMetric).Update(float64(len(p.Attention)))
	if b.full() {
		metrics.Gauge(OrphansMetric).Update(float64(p.OrphanCount))
	}
	return r
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
	if in.RetryFor <= 0 {
		in.RetryFor = DefaultRetryFor
	}
	if in.Carried == nil {
		in.Carried = &BatchProgress{}
	}
	if in.Carried.Counts == nil {
		in.Carried.Counts = map[syncplan.Outcome]int{}
	}
	return in
}
