package activities

import (
	"context"
	"fmt"
	"sort"

	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/syncplan"
)

// ClientRef names the ClientSuccess client that stands for a HubSpot deal.
type ClientRef struct {
	Found bool   `json:"found"`
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
}

// FindDealClient looks up the client whose externalId is the deal id. None is a result, not an error.
// A client found recently is answered from a.Clients without a call (see ClientCache).
func (a *Activities) FindDealClient(ctx context.Context, dealID string) (ClientRef, error) {
	if ref, ok := a.Clients.get(dealID); ok {
		return ref, nil
	}
	c, err := a.ClientSuccess.GetClientByExternalID(ctx, dealID)
	if apierr.Is(err, apierr.NotFound) {
		return ClientRef{}, nil
	}
	if err != nil {
		return ClientRef{}, toTemporal(err)
	}
	ref := ClientRef{Found: true, ID: c.ID, Name: syncplan.Clip(c.Name, 200)}
	a.Clients.put(dealID, ref)
	return ref, nil
}

// Kept are the ClientSuccess-side fields of a contact that the sync does not own. A move carries
// them from the old record to the new one, so what a CSM set in ClientSuccess survives the move.
type Kept struct {
	StatusID          *int                             `json:"statusId,omitempty"`
	ExecutiveSponsor  bool                             `json:"executiveSponsor,omitempty"`
	Champion          bool                             `json:"champion,omitempty"`
	KeyContact        bool                             `json:"keyContact,omitempty"`
	CustomFieldValues []clientsuccess.CustomFieldValue `json:"customFieldValues,omitempty"`
}

func keptOf(c clientsuccess.Contact) Kept {
	return Kept{StatusID: c.StatusID, ExecutiveSponsor: c.ExecutiveSponsor, Champion: c.Champion,
		KeyContact: c.KeyContact, CustomFieldValues: c.CustomFieldValues}
}

// FindRecordsInput says which contact to look for and which client it belongs on.
type FindRecordsInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	Email            string `json:"email"`
	TargetClientID   int64  `json:"targetClientId"`
}

// FoundRecords are the ClientSuccess records that matter for a contact: every record the sync owns
// (on any client) and records on the target client with the same email.
type FoundRecords struct {
	Records []syncplan.Record `json:"records"`
	// Kept holds the ClientSuccess-side fields of each owned record, by contact id.
	Kept map[int64]Kept `json:"kept,omitempty"`
	// ClientNames names the clients the records were found on, by client id, for the timeline.
	// Histories recorded before it existed have none; callers fall back to the id.
	ClientNames map[int64]string `json:"clientNames,omitempty"`
}

// FindRecords finds where the contact lives in ClientSuccess now. The target client is listed in
// full (so a record is found there even after an email change); other clients are reached through
// an email search, whose loose hits are filtered exactly and checked for ownership one by one.
func (a *Activities) FindRecords(ctx context.Context, in FindRecordsInput) (FoundRecords, error) {
	out := FoundRecords{Kept: map[int64]Kept{}}
	add := func(c clientsuccess.Contact, owned bool) {
		out.Records = append(out.Records, syncplan.Record{ClientID: c.ClientID, ContactID: c.ID, Owned: owned, Fields: fieldsOf(c)})
		if owned {
			out.Kept[c.ID] = keptOf(c)
		}
	}
	var onTarget []clientsuccess.Contact
	if in.TargetClientID != 0 { // 0: a client a dry run would create, which holds nothing yet
		var err error
		if onTarget, err = a.ClientSuccess.ListContacts(ctx, in.TargetClientID); err != nil {
			return FoundRecords{}, toTemporal(err)
		}
	}
	for _, c := range onTarget {
		c.ClientID = in.TargetClientID
		if owned := c.ExternalID == in.HubSpotContactID; owned || syncplan.SameEmail(c.Email, in.Email) {
			add(c, owned)
		}
	}
	hits, err := a.ClientSuccess.SearchContacts(ctx, in.Email)
	if err != nil {
		return FoundRecords{}, toTemporal(err)
	}
	for _, h := range hits {
		if h.ClientID == in.TargetClientID || !syncplan.SameEmail(h.Email, in.Email) {
			continue
		}
		c, err := a.ClientSuccess.GetContact(ctx, h.ClientID, h.ID)
		if apierr.Is(err, apierr.NotFound) {
			continue // deleted since the search
		}
		if err != nil {
			return FoundRecords{}, toTemporal(err)
		}
		if c.ExternalID == in.HubSpotContactID {
			c.ClientID = h.ClientID
			add(*c, true)
		}
	}
	if err := a.nameClients(ctx, &out, in.TargetClientID); err != nil {
		return FoundRecords{}, err
	}
	return out, nil
}

// nameClients fills in the names of the clients other than the target that hold a found record.
// The target's name is known to the workflow already.
func (a *Activities) nameClients(ctx context.Context, out *FoundRecords, targetClientID int64) error {
	for _, r := range out.Records {
		if r.ClientID == targetClientID {
			continue
		}
		if _, done := out.ClientNames[r.ClientID]; done {
			continue
		}
		cl, err := a.ClientSuccess.GetClient(ctx, r.ClientID)
		if apierr.Is(err, apierr.NotFound) {
			continue
		}
		if err != nil {
			return toTemporal(err)
		}
		if out.ClientNames == nil {
			out.ClientNames = map[int64]string{}
		}
		out.ClientNames[r.ClientID] = syncplan.Clip(cl.Name, 200)
	}
	return nil
}

// RemoveInput names one owned record to delete.
type RemoveInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	ClientID         int64  `json:"clientId"`
	ContactID        int64  `json:"contactId"`
}

// RemoveContact deletes a record the sync owns. It re-reads the record first and refuses, without
// retrying, if it is not ours. It reports whether this attempt deleted it (false: already gone,
// for instance deleted by an earlier attempt whose answer was lost).
func (a *Activities) RemoveContact(ctx context.Context, in RemoveInput) (deleted bool, err error) {
	c, err := a.ClientSuccess.GetContact(ctx, in.ClientID, in.ContactID)
	if apierr.Is(err, apierr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, toTemporal(err)
	}
	if c.ExternalID != in.HubSpotContactID {
		return false, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("ClientSuccess contact %d on client %d is not owned by HubSpot contact %s; not deleting it", in.ContactID, in.ClientID, in.HubSpotContactID),
			ErrTypeNotOwned, nil)
	}
	err = a.ClientSuccess.DeleteContact(ctx, in.ClientID, in.ContactID)
	if apierr.Is(err, apierr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, toTemporal(err)
	}
	return true, nil
}

// UpsertInput says what the contact should look like on a client.
type UpsertInput struct {
	HubSpotContactID string                 `json:"hubspotContactId"`
	ClientID         int64                  `json:"clientId"`
	Fields           syncplan.ContactFields `json:"fields"`
	// Kept carries ClientSuccess-side fields onto a newly created record (a move or a restore).
	Kept *Kept `json:"kept,omitempty"`
	// HubSpot holds the contact's HubSpot values under an extended mapping (Contact.Mapped): the
	// record is then planned field by field (planMapped) instead of taking Fields whole.
	HubSpot map[string]string `json:"hubspot,omitempty"`
	// KeptFields are the standard fields of the record a move replaces (extended mapping only):
	// the new record starts from them, so fields the mapping does not feed survive the move.
	KeptFields *syncplan.ContactFields `json:"keptFields,omitempty"`
	// DryRun plans and writes nothing (an extended mapping's dry run needs the record).
	DryRun bool `json:"dryRun,omitempty"`
}

// UpsertResult says what UpsertContact did.
type UpsertResult struct {
	Action    syncplan.Outcome `json:"action"` // Created, Updated or Unchanged
	ContactID int64            `json:"contactId"`
	// StatusKnown says StatusID is the record's status after the step, so the status step need
	// not read the record again. Older histories lack it.
	StatusKnown bool `json:"statusKnown,omitempty"`
	StatusID    *int `json:"statusId,omitempty"`
	// Mapped is what an extended mapping planned (HubSpot writes, problems); nil otherwise.
	Mapped *MappedResult `json:"mapped,omitempty"`
}

// UpsertContact makes the owned record on the client match the fields. It always looks for an
// existing owned record first, so an attempt retried after a create whose answer was lost finds
// that record instead of making a second one.
func (a *Activities) UpsertContact(ctx context.Context, in UpsertInput) (UpsertResult, error) {
	contacts, err := a.ClientSuccess.ListContacts(ctx, in.ClientID)
	if apierr.Is(err, apierr.NotFound) {
		a.Clients.forgetClient(in.ClientID) // deleted: the next look-up must ask again
	}
	if err != nil {
		return UpsertResult{}, toTemporal(err)
	}
	sort.Slice(contacts, func(i, j int) bool { return contacts[i].ID < contacts[j].ID })
	for _, c := range contacts {
		if c.ExternalID == in.HubSpotContactID {
			return a.update(ctx, in, c.ID)
		}
	}
	for _, c := range contacts {
		if syncplan.SameEmail(c.Email, in.Fields.Email) {
			return UpsertResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("ClientSuccess client %d already has contact %d with this email, not created by the sync; leaving it alone", in.ClientID, c.ID),
				ErrTypeConflict, nil)
		}
	}
	c := clientsuccess.Contact{ClientID: in.ClientID, ExternalID: in.HubSpotContactID}
	if in.Kept != nil {
		c.StatusID, c.ExecutiveSponsor, c.Champion, c.KeyContact = in.Kept.StatusID, in.Kept.ExecutiveSponsor, in.Kept.Champion, in.Kept.KeyContact
		c.CustomFieldValues = in.Kept.CustomFieldValues
	}
	var mapped *MappedResult
	if in.HubSpot != nil {
		if in.KeptFields != nil {
			setFields(&c, *in.KeptFields)
		}
		if mapped, _, err = a.planMapped(ctx, in.HubSpot, &c, true); err != nil {
			return UpsertResult{}, err
		}
	} else {
		setFields(&c, in.Fields)
	}
	if in.DryRun {
		return UpsertResult{Action: syncplan.Created, Mapped: mapped}, nil
	}
	created, err := a.ClientSuccess.CreateContact(ctx, in.ClientID, c)
	if err != nil {
		return UpsertResult{}, toTemporal(err)
	}
	return UpsertResult{Action: syncplan.Created, ContactID: created.ID, StatusKnown: true, StatusID: created.StatusID, Mapped: mapped}, nil
}

// update writes changed fields onto an existing record. ClientSuccess replaces the whole record on
// PUT, so it reads the full detail and sends it back with only the owned fields changed.
func (a *Activities) update(ctx context.Context, in UpsertInput, contactID int64) (UpsertResult, error) {
	c, err := a.ClientSuccess.GetContact(ctx, in.ClientID, contactID)
	if err != nil {
		return UpsertResult{}, toTemporal(err)
	}
	res := UpsertResult{Action: syncplan.Unchanged, ContactID: contactID, StatusKnown: true, StatusID: c.StatusID}
	changed := syncplan.FieldsChanged(fieldsOf(*c), in.Fields)
	if in.HubSpot != nil {
		if res.Mapped, changed, err = a.planMapped(ctx, in.HubSpot, c, false); err != nil {
			return UpsertResult{}, err
		}
	} else {
		setFields(c, in.Fields)
	}
	if !changed {
		return res, nil
	}
	res.Action, res.StatusID = syncplan.Updated, c.StatusID
	if in.DryRun {
		return res, nil
	}
	if _, err := a.ClientSuccess.UpdateContact(ctx, in.ClientID, *c); err != nil {
		return UpsertResult{}, toTemporal(err)
	}
	return res, nil
}

func fieldsOf(c clientsuccess.Contact) syncplan.ContactFields {
	return syncplan.ContactFields{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
		Title: c.Title, Phone: c.Phone, Mobile: c.Mobile}
}

func setFields(c *clientsuccess.Contact, f syncplan.ContactFields) {
	c.Email, c.FirstName, c.LastName, c.Title, c.Phone, c.Mobile = f.Email, f.FirstName, f.LastName, f.Title, f.Phone, f.Mobile
}
