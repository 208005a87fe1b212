package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/syncplan"
)

// SyncContactInput names the HubSpot contact to sync.
type SyncContactInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	// StepTimeout bounds one attempt of one step; 0 means DefaultStepTimeout.
	StepTimeout time.Duration `json:"stepTimeout,omitempty"`
	// RetryFor bounds how long a step retries transient failures (429, 5xx, timeouts) before the
	// sync ends as failed; 0 means DefaultRetryFor.
	RetryFor time.Duration `json:"retryFor,omitempty"`
	// Deals are the contact's associated deal ids when a batch read them already (associations
	// resolver only); nil means SyncContact reads them itself.
	Deals *PrefetchedDeals `json:"deals,omitempty"`
	// Known are places a batch's census of every client found the contact's records.
	Known []activities.Location `json:"known,omitempty"`
	// AlsoOwns are ids a batch read found HubSpot merged into this contact, beyond those its
	// hs_merged_object_ids lists: their records are this contact's too.
	AlsoOwns []string `json:"alsoOwns,omitempty"`
	// DryRun plans the sync without writing anything: the result's Outcome and Changes say what a
	// real run would do.
	DryRun bool `json:"dryRun,omitempty"`
	// PendingClients (dry runs only) are the external ids of the clients the same dry run would
	// create (ScheduledSync's client sync), so a contact whose deal or primary company is one of
	// them is planned onto that client instead of waiting for it, as the real run would do.
	PendingClients []string `json:"pendingClients,omitempty"`
}

// PrefetchedDeals is a contact's associated deal ids, read by SyncContacts in one batch call.
type PrefetchedDeals struct {
	IDs []string `json:"ids"`
}

// Change is one write the sync made in ClientSuccess.
type Change struct {
	Action    string `json:"action"` // created, updated, removed, undone
	ClientID  int64  `json:"clientId"`
	ContactID int64  `json:"contactId"`
}

// SyncContactResult says what happened to the contact, in words and as a list of writes.
type SyncContactResult struct {
	HubSpotContactID string           `json:"hubspotContactId"`
	Outcome          syncplan.Outcome `json:"outcome"`
	Reason           string           `json:"reason,omitempty"`
	DealID           string           `json:"dealId,omitempty"`
	ClientID         int64            `json:"clientId,omitempty"`
	ClientName       string           `json:"clientName,omitempty"`
	Changes          []Change         `json:"changes,omitempty"`
	// Records are where the contact's own ClientSuccess records are after the sync, as far as it
	// knows (recorded in the ClientSuccessRecords search attribute for the next sync).
	Records []activities.Location `json:"records,omitempty"`
	// MergedInto is the survivor's id when HubSpot merged this contact into another.
	MergedInto string `json:"mergedInto,omitempty"`
	// Status is what the status write to HubSpot did, when a status mapping is configured.
	Status *activities.PushStatusResult `json:"status,omitempty"`
	// Mapped is what an extended field mapping wrote (or would write): ClientSuccess fields
	// changed, HubSpot properties written, and values that could not be carried.
	Mapped *activities.MappedResult `json:"mapped,omitempty"`
	// DryRun marks a planned result: nothing was written.
	DryRun bool `json:"dryRun,omitempty"`
	// CompanyID is the contact's primary company, whose client it belongs on (CLIENT_SOURCE=companies).
	CompanyID string `json:"companyId,omitempty"`
}

// SyncContact brings one HubSpot contact's ClientSuccess record in line: read the contact and
// check the checkbox, resolve its client, find every record it owns (whatever emails say), then
// write in an order that cannot lose it: the record on its client is updated or created first,
// and only then are its other records removed. Every step is an activity, so a crash at any point
// resumes on replay; a failure, or a cancel, puts ClientSuccess back to one record of the contact
// after looking at what actually landed.
//
// A ChangedSignal (a HubSpot webhook event) that reports a change made after the sync read HubSpot
// makes it run once more, as a new run of the same workflow: however many such events arrive, one
// more sync follows, and it reads the latest state.
func SyncContact(ctx workflow.Context, in SyncContactInput) (SyncContactResult, error) {
	workflow.SetCurrentDetails(ctx, "syncing HubSpot contact "+in.HubSpotContactID)
	changes := workflow.GetSignalChannel(ctx, ChangedSignal)
	// Changes already reported (the one that started this sync) happened before this run reads
	// HubSpot, which sends an event only after the change: the read covers them.
	_, merged := takeChanges(changes, time.Time{})
	in.AlsoOwns = appendNew(in.AlsoOwns, merged...)
	s := &contactSync{ctx: ctx, in: in, res: SyncContactResult{HubSpotContactID: in.HubSpotContactID, DryRun: in.DryRun}}
	readAt := workflow.Now(ctx)
	err := s.run()
	recordOutcome(ctx, s.res, err)
	recordEventLatency(ctx, s.res)
	if again, merged := takeChanges(changes, readAt); again && !in.DryRun {
		next := in
		next.AlsoOwns = appendNew(in.AlsoOwns, merged...)
		return s.res, workflow.NewContinueAsNewError(ctx, SyncContact, next)
	}
	return s.res, err
}

// ChangedSignal tells a contact's sync that HubSpot reported a change to the contact.
const ChangedSignal = "hubspot-changed"

// HubSpotChange is what a HubSpot event says about a contact.
type HubSpotChange struct {
	// OccurredAt is when HubSpot says the change happened.
	OccurredAt time.Time `json:"occurredAt"`
	// Event is its subscription type, e.g. "contact.propertyChange".
	Event string `json:"event,omitempty"`
	// MergedIDs are, for a contact.merge, the ids merged into this contact.
	MergedIDs []string `json:"mergedIds,omitempty"`
}

// changeMargin is how far before its read a reported change still makes the sync run again:
// HubSpot's clock and Temporal's are not the same clock.
const changeMargin = 5 * time.Second

// takeChanges takes every change reported so far and says whether one happened after the sync
// read HubSpot at readAt (less the margin), with the merged ids any of them named.
func takeChanges(changes workflow.ReceiveChannel, readAt time.Time) (again bool, merged []string) {
	var c HubSpotChange
	for changes.ReceiveAsync(&c) {
		again = again || c.OccurredAt.After(readAt.Add(-changeMargin))
		merged = appendNew(merged, c.MergedIDs...)
	}
	return again, merged
}

// appendNew appends the ids list does not hold yet.
func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// MoveUndone is the error type of a sync that put the contact back where it was after its move
// could not finish: it is on its old client, whole.
const MoveUndone = "MoveUndone"

// contactSync is one run of SyncContact: its input, what it learned, and what it wrote.
type contactSync struct {
	ctx     workflow.Context
	in      SyncContactInput
	res     SyncContactResult
	contact activities.Contact
	owner   syncplan.Owner
	target  activities.Target
	located activities.Located
	// own are the contact's records as they stand now: found, then created and removed.
	own []activities.Location
}

func (s *contactSync) run() error {
	id := s.in.HubSpotContactID
	if _, err := syncplan.ParseDealID(id); err != nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("hubspotContactId %q is not a HubSpot record id", syncplan.Clip(id, 40)), "InvalidInput", nil)
	}
	if err := s.step("read HubSpot contact "+id, a.ReadContact, id, &s.contact); err != nil {
		return err
	}
	s.owner = s.contact.Owner()
	for _, id := range s.in.AlsoOwns {
		if !s.owner.Owns(id) && id != s.owner.ID {
			s.owner.MergedIDs = append(s.owner.MergedIDs, id)
		}
	}
	switch {
	case s.contact.MergedInto != "":
		return s.merged()
	case !s.contact.Found:
		return s.deleted()
	case !s.contact.Checked:
		return s.done(syncplan.NotChecked, "sync checkbox is not checked; nothing written")
	}
	if err := s.resolve(); err != nil || s.res.Outcome != "" {
		return err
	}
	if s.contact.Invalid != "" {
		return s.done(syncplan.InvalidContact, s.contact.Invalid+"; nothing written")
	}
	if err := s.locate(s.target.Client.ID, s.contact.Fields.Email); err != nil {
		return err
	}
	plan := syncplan.Decide(s.owner, s.target.Client.ID, s.contact.Fields.Email, s.located.Records)
	if plan.Conflict != nil {
		return s.done(syncplan.Conflict, fmt.Sprintf("client %s already has contact %d with the contact's email, not created by the sync; nothing written",
			clientLabel(s.target.Client.Name, s.target.Client.ID), plan.Conflict.ContactID))
	}
	if s.in.DryRun {
		return s.dryRun(plan)
	}
	return s.apply(plan)
}

// resolve finds the contact's client and, with the associations resolver's write-back, writes the
// chosen deal id into HubSpot. A contact without a client ends here with the resolver's outcome.
func (s *contactSync) resolve() error {
	in := activities.ResolveInput{HubSpotContactID: s.in.HubSpotContactID, DealIDValue: s.contact.DealIDValue}
	if s.in.Deals != nil {
		in.DealIDs = &s.in.Deals.IDs
	}
	if s.in.DryRun {
		in.PendingClients = s.in.PendingClients
	}
	if err := s.step(fmt.Sprintf("find the ClientSuccess client of %s by %s", s.who(), resolverWords[s.contact.Resolver]), a.ResolveClient, in, &s.target); err != nil {
		return err
	}
	s.res.DealID, s.res.CompanyID = s.target.DealID, s.target.CompanyID
	if !s.target.Client.Found {
		return s.done(s.target.Outcome, s.target.Reason)
	}
	s.res.ClientID, s.res.ClientName = s.target.Client.ID, s.target.Client.Name
	if s.target.WriteDealID == "" || s.in.DryRun {
		return nil
	}
	return s.step(fmt.Sprintf("write deal id %s into contact %s", s.target.WriteDealID, s.in.HubSpotContactID),
		a.WriteDealID, activities.WriteDealIDInput{HubSpotContactID: s.in.HubSpotContactID, DealID: s.target.WriteDealID}, nil)
}

// locate finds the contact's records on its client and wherever else it owns one.
func (s *contactSync) locate(targetClientID int64, email string) error {
	in := activities.LocateInput{Owner: s.owner, Email: email, TargetClientID: targetClientID, Known: s.in.Known}
	if err := s.step("find every ClientSuccess record of "+s.who(), a.LocateRecords, in, &s.located); err != nil {
		return err
	}
	for _, r := range s.located.Records {
		if s.owner.Owns(r.ExternalID) {
			s.own = append(s.own, activities.Location{ClientID: r.ClientID, ContactID: r.ContactID})
		}
	}
	s.res.Records = s.own
	return nil
}

// apply writes the plan: the record on the target client first, then the removals. A failure or
// a cancel after a create puts ClientSuccess back to the contact's original record (compensate).
func (s *contactSync) apply(plan syncplan.Plan) error {
	client := s.target.Client
	var written activities.WriteResult
	switch {
	case plan.Keep != nil:
		in := activities.UpdateInput{Owner: s.owner, ClientID: client.ID, ContactID: plan.Keep.ContactID, Fields: s.contact.Fields, HubSpot: s.contact.Mapped,
			FillFrom: folded(plan)}
		if err := s.step(fmt.Sprintf("update %s on client %s", s.who(), clientLabel(client.Name, client.ID)),
			a.UpdateContact, in, &written); err != nil {
			return s.failed(err)
		}
	default:
		var err error
		if written, err = s.create(plan); err != nil {
			return err
		}
	}
	if written.Action != syncplan.Unchanged {
		s.change(string(written.Action), client.ID, written.ContactID)
	}
	for _, r := range plan.Remove {
		removed, err := s.remove(r, plan.Source != nil && r.ContactID == plan.Source.ContactID)
		if err != nil {
			return s.undo(plan, err)
		}
		if removed.Record != nil {
			if err := s.verifyMove(plan, *removed.Record); err != nil {
				return err
			}
		}
	}
	s.res.Mapped = written.Mapped
	if err := s.writeBack(written); err != nil {
		return err
	}
	if plan.Moves() {
		return s.done(syncplan.Moved, fmt.Sprintf("moved to client %s", clientLabel(client.Name, client.ID)))
	}
	if len(plan.Remove) > 0 && written.Action == syncplan.Unchanged {
		written.Action = syncplan.Updated // only copies elsewhere were removed
	}
	return s.done(written.Action, fmt.Sprintf("%s on client %s", written.Action, clientLabel(client.Name, client.ID)))
}

// create makes the contact's record on its client, carrying the source's fields in a move. A create
// that failed or was cancelled may still have landed (its answer lost): what is on the target is
// read before the sync gives up, and a record that landed counts as created.
func (s *contactSync) create(plan syncplan.Plan) (activities.WriteResult, error) {
	client := s.target.Client
	in := activities.CreateInput{Owner: s.owner, ClientID: client.ID, Fields: s.contact.Fields, HubSpot: s.contact.Mapped, Source: location(plan.Source),
		FillFrom: folded(plan)}
	var written activities.WriteResult
	err := s.step(fmt.Sprintf("add %s to client %s", s.who(), clientLabel(client.Name, client.ID)),
		a.CreateContact, in, &written)
	if err == nil {
		s.own = append(s.own, activities.Location{ClientID: client.ID, ContactID: written.ContactID})
		return written, nil
	}
	st, ierr := s.inspect(plan)
	switch {
	case ierr != nil:
		return written, s.failed(fmt.Errorf("%w; and what the create left could not be read: %v", err, ierr))
	case st.OnTarget == nil:
		return written, s.failed(err) // nothing landed: the contact is where it was
	}
	s.own = append(s.own, *st.OnTarget)
	written = activities.WriteResult{Action: syncplan.Created, ContactID: st.OnTarget.ContactID}
	if temporal.IsCanceledError(err) {
		s.change(string(syncplan.Created), client.ID, written.ContactID)
		return written, s.undo(plan, err)
	}
	return written, nil // the create landed though its answer was lost: go on with the move
}

// remove deletes one of the contact's other records; for the source of a move it keeps the record
// as it was, to put it back should the move's new record be gone.
func (s *contactSync) remove(r syncplan.Record, source bool) (activities.Removed, error) {
	label := s.clientName(r.ClientID)
	in := activities.RemoveInput{Owner: s.owner, ClientID: r.ClientID, ContactID: r.ContactID, Return: source}
	var removed activities.Removed
	if err := s.step(fmt.Sprintf("remove %s from client %s", s.who(), label), a.RemoveContact, in, &removed); err != nil {
		return removed, err
	}
	s.forget(activities.Location{ClientID: r.ClientID, ContactID: r.ContactID})
	// A record already gone (an earlier attempt deleted it and its answer was lost) counts as removed.
	s.change("removed", r.ClientID, r.ContactID)
	return removed, nil
}

// verifyMove looks, once the source of a move is removed, that the new record is still there: a
// CSM may have deleted the new client, and its contacts with it, meanwhile. If it is gone, the
// source is put back where it was, whole, so the contact is never on no client.
func (s *contactSync) verifyMove(plan syncplan.Plan, source clientsuccess.Contact) error {
	st, err := s.inspect(plan)
	if err != nil || st.OnTarget != nil {
		return err
	}
	dctx, _ := workflow.NewDisconnectedContext(s.ctx)
	in := activities.CreateInput{Owner: s.owner, ClientID: plan.Source.ClientID, Fields: s.contact.Fields, HubSpot: s.contact.Mapped, Body: &source}
	var back activities.WriteResult
	if err := s.stepIn(dctx, fmt.Sprintf("put %s back on client %s: its new record is gone", s.who(), s.clientName(plan.Source.ClientID)),
		a.CreateContact, in, &back); err != nil {
		return s.failed(fmt.Errorf("the new record vanished during the move and putting the contact back failed: %w", err))
	}
	s.own = []activities.Location{{ClientID: plan.Source.ClientID, ContactID: back.ContactID}}
	s.change("restored", plan.Source.ClientID, back.ContactID)
	return s.failed(temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("the contact's new record on client %d vanished during the move (client deleted?); put back on client %d",
			s.target.Client.ID, plan.Source.ClientID), MoveUndone, nil))
}

// undo runs when a removal fails, or the sync is cancelled, after a record was created on the
// target: if the source record of the move is still there, the new record is removed again, so
// the contact is back on one client with everything it had. It runs on a context the cancel does
// not reach, and looks at what is there before it acts.
func (s *contactSync) undo(plan syncplan.Plan, cause error) error {
	created, ok := s.createdHere()
	if !ok || plan.Source == nil {
		return s.failed(cause)
	}
	st, err := s.inspect(plan)
	switch {
	case err != nil:
		return s.failed(fmt.Errorf("%w; and what the move left could not be read: %v", cause, err))
	case !st.SourceExists || st.OnTarget == nil:
		return s.failed(cause) // the move finished as far as it could: the record on the target stays
	}
	dctx, _ := workflow.NewDisconnectedContext(s.ctx)
	in := activities.RemoveInput{Owner: s.owner, ClientID: created.ClientID, ContactID: st.OnTarget.ContactID}
	if err := s.stepIn(dctx, fmt.Sprintf("undo: remove %s's new record from client %s", s.who(), clientLabel(s.target.Client.Name, created.ClientID)),
		a.RemoveContact, in, nil); err != nil {
		return s.failed(fmt.Errorf("%w; and undoing the move failed too, so the contact is on two clients until the next sync: %v", cause, err))
	}
	s.forget(*st.OnTarget)
	s.change("undone", created.ClientID, st.OnTarget.ContactID)
	return s.failed(temporal.NewApplicationErrorWithOptions(fmt.Sprintf("move undone, the contact stays on client %d: %v", plan.Source.ClientID, cause),
		MoveUndone, temporal.ApplicationErrorOptions{NonRetryable: true, Cause: cause}))
}

// inspect reads both ends of a move, on a context a cancel does not reach.
func (s *contactSync) inspect(plan syncplan.Plan) (activities.MoveState, error) {
	dctx, _ := workflow.NewDisconnectedContext(s.ctx)
	var st activities.MoveState
	in := activities.InspectInput{Owner: s.owner, TargetClientID: s.target.Client.ID, Source: location(plan.Source)}
	summary := fmt.Sprintf("check that %s is on client %s", s.who(), clientLabel(s.target.Client.Name, s.target.Client.ID))
	err := s.stepIn(dctx, summary, a.InspectMove, in, &st)
	return st, err
}

// who names the contact for a step's summary: "Brian Halligan (51)", or its id alone.
func (s *contactSync) who() string {
	if name := s.contact.Fields.Name(); name != "" {
		return fmt.Sprintf("%s (%s)", name, s.in.HubSpotContactID)
	}
	return "contact " + s.in.HubSpotContactID
}

// clientName names a client the contact's records were found on.
func (s *contactSync) clientName(id int64) string { return clientLabel(s.located.ClientNames[id], id) }

// resolverWords say how a resolver finds a contact's client, for a step's summary.
var resolverWords = map[string]string{
	activities.ResolverProperty:     "its deal id property",
	activities.ResolverAssociations: "its deal associations",
	activities.ResolverCompanies:    "its primary company",
}

// createdHere is the record this run created on the target, if it did.
func (s *contactSync) createdHere() (activities.Location, bool) {
	for _, c := range s.res.Changes {
		if c.Action == string(syncplan.Created) {
			return activities.Location{ClientID: c.ClientID, ContactID: c.ContactID}, true
		}
	}
	return activities.Location{}, false
}

// writeBack writes what ClientSuccess holds into HubSpot: an extended mapping's to_hubspot fields
// and the contact's status, when configured.
func (s *contactSync) writeBack(written activities.WriteResult) error {
	id := s.in.HubSpotContactID
	if m := written.Mapped; m != nil && len(m.HubSpot) > 0 {
		in := activities.WritePropertiesInput{HubSpotContactID: id, Properties: m.HubSpot}
		if err := s.step(fmt.Sprintf("write contact %s's mapped fields into HubSpot", id), a.WriteContactProperties, in, nil); err != nil {
			return s.failed(err)
		}
		m.HubSpotWritten = true
	}
	if s.contact.StatusProperty == "" {
		return nil
	}
	var st activities.PushStatusResult
	in := activities.PushStatusInput{HubSpotContactID: id, ClientID: s.target.Client.ID, ContactID: written.ContactID,
		Property: s.contact.StatusProperty, StatusKnown: true, StatusID: written.StatusID}
	if err := s.step(fmt.Sprintf("write contact %s's ClientSuccess status into HubSpot %s", id, s.contact.StatusProperty),
		a.PushContactStatus, in, &st); err != nil {
		return s.failed(err)
	}
	s.res.Status = &st
	return nil
}

// merged ends the sync of an id HubSpot merged into another contact: its records are the
// survivor's, so the survivor's sync runs (started here, unless one is running already).
func (s *contactSync) merged() error {
	survivor := s.contact.MergedInto
	s.res.MergedInto = survivor
	reason := fmt.Sprintf("HubSpot merged contact %s into %s; its records are synced as %s's", s.in.HubSpotContactID, survivor, survivor)
	if s.in.DryRun {
		return s.done(syncplan.Merged, reason)
	}
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:        ContactWorkflowID(survivor),
		StaticSummary:     ContactSummary(survivor),
		ParentClosePolicy: abandon,
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(s.ctx, opts), SyncContact,
		SyncContactInput{HubSpotContactID: survivor, StepTimeout: s.in.StepTimeout, RetryFor: s.in.RetryFor})
	var started workflow.Execution
	err := child.GetChildWorkflowExecution().Get(s.ctx, &started)
	var running *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err != nil && !errors.As(err, &running) {
		return s.failed(err)
	}
	return s.done(syncplan.Merged, reason)
}

// deleted handles a contact HubSpot no longer has (deleted, or never there): its records are
// found by their externalId and kept (reported as orphans) or removed, as DELETED_CONTACTS says.
func (s *contactSync) deleted() error {
	if err := s.locate(0, s.contact.Fields.Email); err != nil {
		return err
	}
	plan := syncplan.DecideOrphan(s.owner, s.located.Records)
	switch {
	case len(plan.Remove) == 0:
		return s.done(syncplan.ContactNotFound, "HubSpot has no contact "+s.in.HubSpotContactID+" and ClientSuccess no record of it")
	case !s.contact.RemoveWhenDeleted || s.in.DryRun:
		return s.done(syncplan.Orphaned, fmt.Sprintf("HubSpot contact %s is deleted; its %d ClientSuccess record(s) are kept (DELETED_CONTACTS=%s)",
			s.in.HubSpotContactID, len(plan.Remove), deletedPolicy(s.contact.RemoveWhenDeleted)))
	}
	for _, r := range plan.Remove {
		if _, err := s.remove(r, false); err != nil {
			return s.failed(err)
		}
	}
	return s.done(syncplan.Removed, fmt.Sprintf("HubSpot contact %s is deleted; its %d ClientSuccess record(s) were removed (DELETED_CONTACTS=remove)",
		s.in.HubSpotContactID, len(plan.Remove)))
}

func deletedPolicy(remove bool) string {
	if remove {
		return "remove"
	}
	return "keep"
}

// step runs one activity with the sync's retry bound.
func (s *contactSync) step(summary string, activity, input, result any) error {
	return s.stepIn(s.ctx, summary, activity, input, result)
}

func (s *contactSync) stepIn(ctx workflow.Context, summary string, activity, input, result any) error {
	f := workflow.ExecuteActivity(stepOptions(ctx, s.in.StepTimeout, s.in.RetryFor, summary), activity, input)
	return f.Get(ctx, result)
}

func (s *contactSync) change(action string, clientID, contactID int64) {
	s.res.Changes = append(s.res.Changes, Change{Action: action, ClientID: clientID, ContactID: contactID})
}

// forget drops a removed record from the contact's records.
func (s *contactSync) forget(l activities.Location) {
	own := s.own[:0]
	for _, o := range s.own {
		if o != l {
			own = append(own, o)
		}
	}
	s.own = own
}

func (s *contactSync) done(o syncplan.Outcome, reason string) error {
	s.res.Outcome, s.res.Reason, s.res.Records = o, reason, s.own
	return nil
}

// failed records the failure and returns it: the sync ends failed, with the contact where the
// writes left it (never lost: nothing is removed before its record on the target holds).
func (s *contactSync) failed(err error) error {
	s.res.Outcome, s.res.Reason, s.res.Records = syncplan.Failed, err.Error(), s.own
	return err
}

func location(r *syncplan.Record) *activities.Location {
	if r == nil {
		return nil
	}
	return &activities.Location{ClientID: r.ClientID, ContactID: r.ContactID}
}

// folded locates the records the plan removes beside a move's source: the kept or new record
// takes what they hold and it leaves blank.
func folded(plan syncplan.Plan) []activities.Location {
	var out []activities.Location
	for _, r := range plan.Folded() {
		out = append(out, *location(&r))
	}
	return out
}

// clientLabel names a client for a timeline: "Fake First Test (9001)", "9001" when the name is
// unknown, or the name alone for a client a dry run would create.
func clientLabel(name string, id int64) string {
	switch {
	case name == "":
		return fmt.Sprint(id)
	case id == 0: // a client a dry run would create
		return name
	}
	return fmt.Sprintf("%s (%d)", name, id)
}

// dryRun reports what the plan would write, without writing: the create or update on the target
// (an update only when fields differ), the removals, and the status write when a status mapping is
// on and the record already exists on the target. Create and update steps plan without writing.
func (s *contactSync) dryRun(plan syncplan.Plan) error {
	client := s.target.Client
	action := syncplan.Created
	var written activities.WriteResult
	var err error
	switch {
	case client.ID == 0: // a client this dry run would create: nothing on it to compare
	case plan.Keep != nil:
		in := activities.UpdateInput{Owner: s.owner, ClientID: client.ID, ContactID: plan.Keep.ContactID, Fields: s.contact.Fields, HubSpot: s.contact.Mapped,
			FillFrom: folded(plan), DryRun: true}
		err = s.step(fmt.Sprintf("plan the update of contact %s on client %s", s.in.HubSpotContactID, clientLabel(client.Name, client.ID)), a.UpdateContact, in, &written)
		action = written.Action
	default:
		in := activities.CreateInput{Owner: s.owner, ClientID: client.ID, Fields: s.contact.Fields, HubSpot: s.contact.Mapped, Source: location(plan.Source),
			FillFrom: folded(plan), DryRun: true}
		err = s.step(fmt.Sprintf("plan the create of contact %s on client %s", s.in.HubSpotContactID, clientLabel(client.Name, client.ID)), a.CreateContact, in, &written)
	}
	if err != nil {
		return s.failed(err)
	}
	s.res.Mapped = written.Mapped
	if action != syncplan.Unchanged {
		contactID := written.ContactID
		if plan.Keep != nil {
			contactID = plan.Keep.ContactID
		}
		s.change(string(action), client.ID, contactID)
	}
	for _, r := range plan.Remove {
		s.change("removed", r.ClientID, r.ContactID)
	}
	if s.contact.StatusProperty != "" && plan.Keep != nil {
		var st activities.PushStatusResult
		in := activities.PushStatusInput{HubSpotContactID: s.in.HubSpotContactID, ClientID: client.ID, ContactID: plan.Keep.ContactID,
			Property: s.contact.StatusProperty, DryRun: true}
		if err := s.step(fmt.Sprintf("plan the status write of contact %s into HubSpot %s", s.in.HubSpotContactID, s.contact.StatusProperty),
			a.PushContactStatus, in, &st); err != nil {
			return s.failed(err)
		}
		s.res.Status = &st
	}
	switch {
	case plan.Moves():
		action = syncplan.Moved
	case len(plan.Remove) > 0 && action == syncplan.Unchanged:
		action = syncplan.Updated
	}
	return s.done(action, fmt.Sprintf("dry run: would be %s on client %s; nothing written", action, clientLabel(client.Name, client.ID)))
}
