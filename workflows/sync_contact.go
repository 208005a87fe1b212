package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// SyncContactInput names the HubSpot contact to sync.
type SyncContactInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	// StepTimeout bounds one attempt of one step; 0 means DefaultStepTimeout.
	StepTimeout time.Duration `json:"stepTimeout,omitempty"`
	// Deals are the contact's associated deal ids when a batch read them already (associations
	// resolver only); nil means SyncContact reads them itself.
	Deals *PrefetchedDeals `json:"deals,omitempty"`
	// DryRun plans the sync without writing anything: the result's Outcome and Changes say what a
	// real run would do. Older histories (false) run the same steps as before.
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
	Action    string `json:"action"` // removed, created, updated, restored
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

// SyncContact brings one HubSpot contact's ClientSuccess record in line: check the checkbox,
// resolve the deal and its client, remove the contact from any other client, then create or
// update it on its own. Every step is an activity, so a crash at any point resumes on replay;
// nothing is written until the contact is known to be writable, and a move whose create fails
// for good puts the removed records back.
func SyncContact(ctx workflow.Context, in SyncContactInput) (SyncContactResult, error) {
	res, err := syncContact(ctx, in)
	recordOutcome(ctx, res, err)
	return res, err
}

func syncContact(ctx workflow.Context, in SyncContactInput) (SyncContactResult, error) {
	var a *activities.Activities
	id := in.HubSpotContactID
	res := SyncContactResult{HubSpotContactID: id, DryRun: in.DryRun}
	if _, err := syncplan.ParseDealID(id); err != nil {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("hubspotContactId %q is not a HubSpot record id", syncplan.Clip(id, 40)), "InvalidInput", nil)
	}
	done := func(o syncplan.Outcome, reason string) (SyncContactResult, error) {
		res.Outcome, res.Reason = o, reason
		return res, nil
	}

	var contact activities.Contact
	if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, "read HubSpot contact "+id),
		a.ReadContact, id).Get(ctx, &contact); err != nil {
		return res, err
	}
	name := contact.Fields.Name()
	switch {
	case !contact.Found:
		return done(syncplan.ContactNotFound, "HubSpot has no contact "+id)
	case !contact.Checked:
		return done(syncplan.NotChecked, "sync checkbox is not checked; nothing written")
	}
	var client activities.ClientRef
	if contact.Resolver == activities.ResolverCompanies {
		// Only histories whose ReadContact carried this resolver (CLIENT_SOURCE=companies) run
		// this step, so the other branches' histories replay unchanged.
		var r activities.CompanyResolution
		if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, "find the primary company of contact "+id+" and its client"),
			a.ResolveCompany, id).Get(ctx, &r); err != nil {
			return res, err
		}
		res.CompanyID = r.CompanyID
		switch {
		case r.CompanyID == "" && r.Associated == 0:
			return done(syncplan.NoCompany, "the contact is associated with no company; nothing written")
		case r.CompanyID == "":
			return done(syncplan.NoCompany, fmt.Sprintf("none of the contact's %d associated companies is its primary company; nothing written", r.Associated))
		case !r.Client.Found && in.pending(r.CompanyID):
			r.Client = activities.PendingClient("company", "", r.CompanyID)
		case !r.Client.Found:
			return done(syncplan.WaitingClient, fmt.Sprintf("client not in ClientSuccess: no client has externalId %s (primary company); nothing removed", r.CompanyID))
		}
		client = r.Client
	} else if contact.Resolver == activities.ResolverAssociations {
		r, err := resolveByAssociations(ctx, in, contact)
		if err != nil {
			return res, err
		}
		res.DealID = r.DealID
		switch {
		case r.Associated == 0:
			return done(syncplan.NoDeal, "the contact is associated with no deal; nothing written")
		case r.Existing == 0:
			return done(syncplan.DealNotFound, fmt.Sprintf("none of the contact's %d associated deals exists in HubSpot; nothing written", r.Associated))
		case !r.Found:
			return done(syncplan.WaitingClient, fmt.Sprintf("client not in ClientSuccess: none of the contact's %d associated deals has a client; nothing removed", r.Existing))
		}
		client = r.Client
	} else {
		dealID, err := syncplan.ParseDealID(contact.DealIDValue)
		switch {
		case errors.Is(err, syncplan.ErrNoDeal):
			return done(syncplan.NoDeal, "the deal id property is empty; nothing written")
		case err != nil:
			return done(syncplan.InvalidDealID, err.Error()+"; nothing written")
		}
		res.DealID = dealID

		var deal activities.Deal
		if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, "read HubSpot deal "+dealID),
			a.ReadDeal, dealID).Get(ctx, &deal); err != nil {
			return res, err
		}
		if !deal.Found {
			return done(syncplan.DealNotFound, "HubSpot has no deal "+dealID+"; nothing written")
		}
		if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, fmt.Sprintf("find ClientSuccess client for deal %s (%s)", deal.Name, dealID)),
			a.FindDealClient, dealID).Get(ctx, &client); err != nil {
			return res, err
		}
		switch {
		case !client.Found && in.pending(dealID):
			client = activities.PendingClient("deal", deal.Name, dealID)
		case !client.Found:
			return done(syncplan.WaitingClient, fmt.Sprintf("client not in ClientSuccess: no client has externalId %s (deal %s); nothing removed", dealID, deal.Name))
		}
	}
	res.ClientID, res.ClientName = client.ID, client.Name
	if contact.Invalid != "" {
		return done(syncplan.InvalidContact, contact.Invalid+"; nothing written")
	}

	var found activities.FoundRecords
	if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, fmt.Sprintf("find %s (%s) in ClientSuccess", name, id)),
		a.FindRecords, activities.FindRecordsInput{HubSpotContactID: id, Email: contact.Fields.Email, TargetClientID: client.ID}).Get(ctx, &found); err != nil {
		return res, err
	}
	plan := syncplan.Decide(client.ID, contact.Fields.Email, found.Records)
	if plan.Conflict != nil {
		return done(syncplan.Conflict, fmt.Sprintf("client %s (%d) already has contact %d with email %s, not created by the sync; nothing written",
			client.Name, client.ID, plan.Conflict.ContactID, contact.Fields.Email))
	}
	if in.DryRun {
		return dryRun(ctx, in, res, contact, client, plan, found)
	}

	var removed []syncplan.Record
	for _, r := range plan.Remove {
		// A record already gone (an earlier attempt deleted it and its answer was lost) counts
		// as removed: the plan saw it there, so a failed move must put it back.
		if err := workflow.ExecuteActivity(writeOptions(ctx, in.StepTimeout, fmt.Sprintf("remove %s (%s) from client %s", name, id, clientLabel(found.ClientNames[r.ClientID], r.ClientID))),
			a.RemoveContact, activities.RemoveInput{HubSpotContactID: id, ClientID: r.ClientID, ContactID: r.ContactID}).Get(ctx, nil); err != nil {
			return res, restore(ctx, in, &res, removed, found, err)
		}
		removed = append(removed, r)
		res.Changes = append(res.Changes, Change{Action: "removed", ClientID: r.ClientID, ContactID: r.ContactID})
	}

	upsert := upsertInput(id, client, contact, plan, found)
	verb := "add"
	if plan.Keep != nil {
		verb = "update"
	}
	var up activities.UpsertResult
	if err := workflow.ExecuteActivity(writeOptions(ctx, in.StepTimeout, fmt.Sprintf("%s %s (%s) on client %s", verb, name, id, clientLabel(client.Name, client.ID))),
		a.UpsertContact, upsert).Get(ctx, &up); err != nil {
		return res, restore(ctx, in, &res, removed, found, err)
	}
	if up.Action != syncplan.Unchanged {
		res.Changes = append(res.Changes, Change{Action: string(up.Action), ClientID: client.ID, ContactID: up.ContactID})
	}
	res.Mapped = up.Mapped
	// Only an extended mapping (configuration) plans HubSpot writes, so histories without one
	// never have this step.
	if up.Mapped != nil && len(up.Mapped.HubSpot) > 0 {
		if err := workflow.ExecuteActivity(writeOptions(ctx, in.StepTimeout, fmt.Sprintf("write %s (%s) mapped fields into HubSpot", name, id)),
			a.WriteContactProperties, activities.WritePropertiesInput{HubSpotContactID: id, Properties: up.Mapped.HubSpot}).Get(ctx, nil); err != nil {
			res.Outcome, res.Reason = syncplan.Failed, err.Error()
			return res, err
		}
		res.Mapped.HubSpotWritten = true
	}
	// Only histories whose ReadContact carried a status property (configuration, off by
	// default) have this step, so older histories replay unchanged.
	if contact.StatusProperty != "" {
		var st activities.PushStatusResult
		if err := workflow.ExecuteActivity(writeOptions(ctx, in.StepTimeout, fmt.Sprintf("write the ClientSuccess status of %s (%s) into HubSpot %s", name, id, contact.StatusProperty)),
			a.PushContactStatus, activities.PushStatusInput{HubSpotContactID: id, ClientID: client.ID, ContactID: up.ContactID, Property: contact.StatusProperty,
				StatusKnown: up.StatusKnown, StatusID: up.StatusID}).Get(ctx, &st); err != nil {
			res.Outcome, res.Reason = syncplan.Failed, err.Error()
			return res, err
		}
		res.Status = &st
	}
	if len(removed) > 0 {
		return done(syncplan.Moved, fmt.Sprintf("moved %s to client %s (%d)", name, client.Name, client.ID))
	}
	return done(up.Action, fmt.Sprintf("%s on client %s (%d)", up.Action, client.Name, client.ID))
}

// upsertInput is what the create-or-update step is asked to write: the contact's fields (or,
// with an extended mapping, its HubSpot values to plan from), and for a move the ClientSuccess-side
// fields of the record it replaces.
func upsertInput(id string, client activities.ClientRef, contact activities.Contact, plan syncplan.Plan, found activities.FoundRecords) activities.UpsertInput {
	upsert := activities.UpsertInput{HubSpotContactID: id, ClientID: client.ID, Fields: contact.Fields, HubSpot: contact.Mapped}
	if len(plan.Remove) > 0 && plan.Keep == nil {
		kept := found.Kept[plan.Remove[0].ContactID]
		upsert.Kept = &kept
		if contact.Mapped != nil {
			fields := plan.Remove[0].Fields
			upsert.KeptFields = &fields
		}
	}
	return upsert
}

// restore puts back the records a failed move removed, so a contact is never lost, and returns
// the error that stopped the move with what was restored.
func restore(ctx workflow.Context, in SyncContactInput, res *SyncContactResult, removed []syncplan.Record, found activities.FoundRecords, cause error) error {
	var a *activities.Activities
	res.Outcome, res.Reason = syncplan.Failed, cause.Error()
	if len(removed) == 0 {
		return cause
	}
	for _, r := range removed {
		k := found.Kept[r.ContactID]
		var up activities.UpsertResult
		err := workflow.ExecuteActivity(writeOptions(ctx, in.StepTimeout, fmt.Sprintf("restore %s (%s) on client %s", r.Fields.Name(), in.HubSpotContactID, clientLabel(found.ClientNames[r.ClientID], r.ClientID))),
			a.UpsertContact, activities.UpsertInput{HubSpotContactID: in.HubSpotContactID, ClientID: r.ClientID, Fields: r.Fields, Kept: &k}).Get(ctx, &up)
		if err != nil {
			return fmt.Errorf("move failed (%w) and restoring the contact on client %d failed too: %v", cause, r.ClientID, err)
		}
		res.Changes = append(res.Changes, Change{Action: "restored", ClientID: r.ClientID, ContactID: up.ContactID})
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("move failed, contact restored on its old client: %v", cause), "MoveRolledBack", cause)
}

// resolveByAssociations finds the contact's deal from its HubSpot associations (ResolveDeal) and,
// when write-back is on and the property differs, writes the chosen id into the deal id property.
func resolveByAssociations(ctx workflow.Context, in SyncContactInput, contact activities.Contact) (activities.DealResolution, error) {
	var a *activities.Activities
	id := in.HubSpotContactID
	rin := activities.ResolveDealInput{HubSpotContactID: id, DealIDValue: contact.DealIDValue}
	if in.DryRun {
		rin.PendingClients = in.PendingClients
	}
	if in.Deals != nil {
		rin.Prefetched, rin.DealIDs = true, in.Deals.IDs
	}
	var r activities.DealResolution
	if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, "resolve the deal of contact "+id+" from its associations"),
		a.ResolveDeal, rin).Get(ctx, &r); err != nil {
		return r, err
	}
	if r.Found && r.WriteBack && !in.DryRun {
		if err := workflow.ExecuteActivity(writeOptions(ctx, in.StepTimeout, fmt.Sprintf("write deal id %s into contact %s", r.DealID, id)),
			a.WriteDealID, activities.WriteDealIDInput{HubSpotContactID: id, DealID: r.DealID}).Get(ctx, nil); err != nil {
			return r, err
		}
	}
	return r, nil
}

// pending reports whether a dry run's client sync would create the client with this external id.
func (in SyncContactInput) pending(externalID string) bool {
	return in.DryRun && externalID != "" && slices.Contains(in.PendingClients, externalID)
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

// dryRun reports what the plan would write, without writing: removals, then a create, an update
// (fields differ from the record on the target client) or nothing, and the status write when a
// status mapping is on and the record already exists on the target client. With an extended
// mapping the upsert step plans the record (DryRun) and the result lists the mapped changes and
// HubSpot writes under Mapped.
func dryRun(ctx workflow.Context, in SyncContactInput, res SyncContactResult, contact activities.Contact, client activities.ClientRef, plan syncplan.Plan, found activities.FoundRecords) (SyncContactResult, error) {
	var a *activities.Activities
	for _, r := range plan.Remove {
		res.Changes = append(res.Changes, Change{Action: "removed", ClientID: r.ClientID, ContactID: r.ContactID})
	}
	action := syncplan.Created
	switch {
	case client.ID == 0:
		// A client this dry run would create (PendingClients): the contact would be created on it,
		// with the mapped fields, and nothing on it can be compared yet.
		res.Changes = append(res.Changes, Change{Action: string(syncplan.Created)})
	case contact.Mapped != nil:
		// An extended mapping needs the record, the definitions and conversions: the upsert step
		// plans it without writing. Only such histories have this step.
		upsert := upsertInput(in.HubSpotContactID, client, contact, plan, found)
		upsert.DryRun = true
		var up activities.UpsertResult
		if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, fmt.Sprintf("plan the mapped fields of contact %s on client %s", in.HubSpotContactID, clientLabel(client.Name, client.ID))),
			a.UpsertContact, upsert).Get(ctx, &up); err != nil {
			return res, err
		}
		action, res.Mapped = up.Action, up.Mapped
		if action != syncplan.Unchanged {
			contactID := up.ContactID
			if plan.Keep != nil {
				contactID = plan.Keep.ContactID
			}
			res.Changes = append(res.Changes, Change{Action: string(action), ClientID: client.ID, ContactID: contactID})
		}
	case plan.Keep == nil:
		res.Changes = append(res.Changes, Change{Action: string(syncplan.Created), ClientID: client.ID})
	case syncplan.FieldsChanged(plan.Keep.Fields, contact.Fields):
		action = syncplan.Updated
		res.Changes = append(res.Changes, Change{Action: string(syncplan.Updated), ClientID: client.ID, ContactID: plan.Keep.ContactID})
	default:
		action = syncplan.Unchanged
	}
	if contact.StatusProperty != "" && plan.Keep != nil {
		var st activities.PushStatusResult
		if err := workflow.ExecuteActivity(readOptions(ctx, in.StepTimeout, fmt.Sprintf("plan the status write of contact %s into HubSpot %s", in.HubSpotContactID, contact.StatusProperty)),
			a.PushContactStatus, activities.PushStatusInput{HubSpotContactID: in.HubSpotContactID, ClientID: client.ID, ContactID: plan.Keep.ContactID, Property: contact.StatusProperty, DryRun: true}).Get(ctx, &st); err != nil {
			return res, err
		}
		res.Status = &st
	}
	if len(plan.Remove) > 0 {
		action = syncplan.Moved
	}
	res.Outcome, res.Reason = action, fmt.Sprintf("dry run: would be %s on client %s; nothing written", action, clientLabel(client.Name, client.ID))
	return res, nil
}
