package activities

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/syncplan"
)

// WriteResult says what a create or update step did (or, in a dry run, would do).
type WriteResult struct {
	Action    syncplan.Outcome `json:"action"` // Created, Updated or Unchanged
	ContactID int64            `json:"contactId"`
	// StatusID is the record's status after the step, so the status step need not read it again.
	StatusID *int `json:"statusId,omitempty"`
	// Mapped is what an extended mapping planned (HubSpot writes, problems); nil otherwise.
	Mapped *MappedResult `json:"mapped,omitempty"`
}

// UpdateInput names the contact's own record on its client and what it should hold.
type UpdateInput struct {
	Owner     syncplan.Owner         `json:"owner"`
	ClientID  int64                  `json:"clientId"`
	ContactID int64                  `json:"contactId"`
	Fields    syncplan.ContactFields `json:"fields"`
	// HubSpot holds the contact's HubSpot values under an extended mapping (Contact.Mapped): the
	// record is then planned field by field (planMapped) instead of taking Fields whole.
	HubSpot map[string]string `json:"hubspot,omitempty"`
	// FillFrom are the contact's other records the plan removes after this step: what they hold
	// that this record leaves blank is carried over (Contact.FillBlanks), so removing them loses
	// nothing a CSM typed.
	FillFrom []Location `json:"fillFrom,omitempty"`
	DryRun   bool       `json:"dryRun,omitempty"`
}

// UpdateContact brings the contact's own record in line: the mapped fields, and its externalId
// when it still carries an id HubSpot merged into the contact. ClientSuccess replaces the whole
// record on PUT, so it reads the full record and sends every field back, only the mapped ones
// changed; a record already in line is not written. It refuses a record the contact does not own.
func (a *Activities) UpdateContact(ctx context.Context, in UpdateInput) (WriteResult, error) {
	c, err := a.ClientSuccess.GetContact(ctx, in.ClientID, in.ContactID)
	if apierr.Is(err, apierr.NotFound) {
		return WriteResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("ClientSuccess contact %d on client %d was deleted after it was found; the next sync creates the contact again",
				in.ContactID, in.ClientID), ErrTypeGone, err)
	}
	if err != nil {
		return WriteResult{}, toTemporal(err)
	}
	if !in.Owner.Owns(c.ExternalID) {
		return WriteResult{}, notOwned(in.Owner, in.ClientID, in.ContactID, "updating")
	}
	res := WriteResult{Action: syncplan.Unchanged, ContactID: c.ID}
	filled, err := a.fillBlanks(ctx, in.Owner, c, in.FillFrom)
	if err != nil {
		return WriteResult{}, err
	}
	changed, mapped, err := a.applyFields(ctx, c, in.Fields, in.HubSpot, false)
	if err != nil {
		return WriteResult{}, err
	}
	changed = changed || filled
	res.Mapped = mapped
	if c.ExternalID != in.Owner.ID {
		c.ExternalID, changed = in.Owner.ID, true
	}
	res.StatusID = c.StatusID
	if !changed {
		return res, nil
	}
	res.Action = syncplan.Updated
	if in.DryRun {
		return res, nil
	}
	if _, err := a.ClientSuccess.UpdateContact(ctx, in.ClientID, *c); err != nil {
		return WriteResult{}, toTemporal(err)
	}
	return res, nil
}

// CreateInput says which client gets a new record of the contact, and from what.
type CreateInput struct {
	Owner    syncplan.Owner         `json:"owner"`
	ClientID int64                  `json:"clientId"`
	Fields   syncplan.ContactFields `json:"fields"`
	HubSpot  map[string]string      `json:"hubspot,omitempty"`
	// Source is the contact's own record on another client (a move): the new record starts as a
	// copy of it, so everything a CSM set in ClientSuccess (status, flags, custom values, fields
	// the sync does not map) is carried; then the mapped fields are set from HubSpot.
	Source *Location `json:"source,omitempty"`
	// Body, instead of Source, is a removed record to put back (see RemoveInput.Return).
	Body *clientsuccess.Contact `json:"body,omitempty"`
	// FillFrom are the contact's other records the plan removes, Source aside: as for an update,
	// what they hold that the new record leaves blank is carried over.
	FillFrom []Location `json:"fillFrom,omitempty"`
	DryRun   bool       `json:"dryRun,omitempty"`
}

// CreateContact creates the contact's record on a client. It looks first: a record of the contact
// already there (an earlier attempt's create whose answer was lost) is returned instead of making
// a second one, and a record the sync does not own with the same email stops it (a conflict).
func (a *Activities) CreateContact(ctx context.Context, in CreateInput) (WriteResult, error) {
	list, err := a.ClientSuccess.ListContacts(ctx, in.ClientID)
	if apierr.Is(err, apierr.NotFound) {
		a.Clients.forgetClient(in.ClientID) // deleted: the next look-up must ask again
	}
	if err != nil {
		return WriteResult{}, toTemporal(err)
	}
	slices.SortFunc(list, func(x, y clientsuccess.Contact) int { return cmp.Compare(x.ID, y.ID) })
	for _, c := range list {
		if in.Owner.Owns(c.ExternalID) {
			return WriteResult{Action: syncplan.Created, ContactID: c.ID, StatusID: c.StatusID}, nil
		}
	}
	for _, c := range list {
		if syncplan.SameEmail(c.Email, in.Fields.Email) {
			return WriteResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("ClientSuccess client %d already has contact %d with this email, not created by the sync; leaving it alone", in.ClientID, c.ID),
				ErrTypeConflict, nil)
		}
	}
	c, err := a.newRecord(ctx, in)
	if err != nil {
		return WriteResult{}, err
	}
	_, mapped, err := a.applyFields(ctx, &c, in.Fields, in.HubSpot, true)
	if err != nil {
		return WriteResult{}, err
	}
	if in.DryRun {
		return WriteResult{Action: syncplan.Created, Mapped: mapped}, nil
	}
	created, err := a.ClientSuccess.CreateContact(ctx, in.ClientID, c)
	if err != nil {
		return WriteResult{}, toTemporal(err)
	}
	return WriteResult{Action: syncplan.Created, ContactID: created.ID, StatusID: created.StatusID, Mapped: mapped}, nil
}

// newRecord is what a create starts from: a copy of the source record when there is one (read
// now, so it carries what a CSM set until this moment), else an empty record; owned by the contact.
func (a *Activities) newRecord(ctx context.Context, in CreateInput) (clientsuccess.Contact, error) {
	var c clientsuccess.Contact
	switch {
	case in.Body != nil:
		c = in.Body.ForCreate()
	case in.Source != nil:
		src, err := a.ClientSuccess.GetContact(ctx, in.Source.ClientID, in.Source.ContactID)
		switch {
		case apierr.Is(err, apierr.NotFound):
			// Gone since it was found: there is nothing left to carry.
		case err != nil:
			return c, toTemporal(err)
		case !in.Owner.Owns(src.ExternalID):
			return c, notOwned(in.Owner, in.Source.ClientID, in.Source.ContactID, "copying")
		default:
			c = src.ForCreate()
		}
	}
	if _, err := a.fillBlanks(ctx, in.Owner, &c, in.FillFrom); err != nil {
		return c, err
	}
	c.ClientID, c.ExternalID = in.ClientID, in.Owner.ID
	return c, nil
}

// fillBlanks carries into c what the contact's records at from hold and c leaves blank, the first
// record first. A record gone since it was found has nothing left to carry; one the contact no
// longer owns is not the sync's to copy (its removal will refuse it too). It reports whether c changed.
func (a *Activities) fillBlanks(ctx context.Context, owner syncplan.Owner, c *clientsuccess.Contact, from []Location) (bool, error) {
	changed := false
	for _, l := range from {
		other, err := a.ClientSuccess.GetContact(ctx, l.ClientID, l.ContactID)
		switch {
		case apierr.Is(err, apierr.NotFound):
			continue
		case err != nil:
			return false, toTemporal(err)
		case owner.Owns(other.ExternalID):
			changed = c.FillBlanks(*other) || changed
		}
	}
	return changed, nil
}

// applyFields sets the mapped fields on c: the contact's fields whole, or, with an extended
// mapping, field by field from its HubSpot values. It reports whether c changed.
func (a *Activities) applyFields(ctx context.Context, c *clientsuccess.Contact, fields syncplan.ContactFields, hs map[string]string,
	isNew bool) (bool, *MappedResult, error) {
	if hs != nil {
		mapped, changed, err := a.planMapped(ctx, hs, c, isNew)
		return changed, mapped, err
	}
	changed := syncplan.FieldsChanged(fieldsOf(*c), fields)
	setFields(c, fields)
	return changed, nil, nil
}

// RemoveInput names one of the contact's own records to delete.
type RemoveInput struct {
	Owner     syncplan.Owner `json:"owner"`
	ClientID  int64          `json:"clientId"`
	ContactID int64          `json:"contactId"`
	// Return asks for the whole record as it was deleted, so it can be put back.
	Return bool `json:"return,omitempty"`
}

// Removed says what RemoveContact did.
type Removed struct {
	// Deleted is false when the record was already gone (an earlier attempt deleted it and its
	// answer was lost).
	Deleted bool `json:"deleted"`
	// Record is the record as it was read before the delete, when asked for.
	Record *clientsuccess.Contact `json:"record,omitempty"`
}

// RemoveContact deletes a record the contact owns. It re-reads the record first and refuses,
// without retrying, if it is not the contact's.
func (a *Activities) RemoveContact(ctx context.Context, in RemoveInput) (Removed, error) {
	c, err := a.ClientSuccess.GetContact(ctx, in.ClientID, in.ContactID)
	if apierr.Is(err, apierr.NotFound) {
		return Removed{}, nil
	}
	if err != nil {
		return Removed{}, toTemporal(err)
	}
	if !in.Owner.Owns(c.ExternalID) {
		return Removed{}, notOwned(in.Owner, in.ClientID, in.ContactID, "deleting")
	}
	err = a.ClientSuccess.DeleteContact(ctx, in.ClientID, in.ContactID)
	if apierr.Is(err, apierr.NotFound) {
		return Removed{}, nil
	}
	if err != nil {
		return Removed{}, toTemporal(err)
	}
	res := Removed{Deleted: true}
	if in.Return {
		res.Record = c
	}
	return res, nil
}

// InspectInput names the two ends of a move to look at.
type InspectInput struct {
	Owner          syncplan.Owner `json:"owner"`
	TargetClientID int64          `json:"targetClientId"`
	Source         *Location      `json:"source,omitempty"`
}

// MoveState is what a move left in ClientSuccess, read when its outcome is not known (a create
// that failed or was cancelled may still have landed).
type MoveState struct {
	// OnTarget is the contact's own record on the target client, if there is one.
	OnTarget *Location `json:"onTarget,omitempty"`
	// SourceExists says the record the move copies from is still there.
	SourceExists bool `json:"sourceExists"`
}

// InspectMove reads where the contact's records are at both ends of a move. It only reads.
func (a *Activities) InspectMove(ctx context.Context, in InspectInput) (MoveState, error) {
	var st MoveState
	list, err := a.ClientSuccess.ListContacts(ctx, in.TargetClientID)
	if err != nil && !apierr.Is(err, apierr.NotFound) {
		return MoveState{}, toTemporal(err)
	}
	slices.SortFunc(list, func(x, y clientsuccess.Contact) int { return cmp.Compare(x.ID, y.ID) })
	for _, c := range list {
		if in.Owner.Owns(c.ExternalID) {
			st.OnTarget = &Location{ClientID: in.TargetClientID, ContactID: c.ID}
			break
		}
	}
	if in.Source == nil {
		return st, nil
	}
	src, err := a.ClientSuccess.GetContact(ctx, in.Source.ClientID, in.Source.ContactID)
	switch {
	case apierr.Is(err, apierr.NotFound):
	case err != nil:
		return MoveState{}, toTemporal(err)
	default:
		st.SourceExists = in.Owner.Owns(src.ExternalID)
	}
	return st, nil
}

func notOwned(owner syncplan.Owner, clientID, contactID int64, doing string) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("ClientSuccess contact %d on client %d is not owned by HubSpot contact %s; not %s it", contactID, clientID, owner.ID, doing),
		ErrTypeNotOwned, nil)
}
