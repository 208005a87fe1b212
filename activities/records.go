package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/visibility"
)

// Location is where a ClientSuccess record lives: its client and its id.
type Location struct {
	ClientID  int64 `json:"clientId"`
	ContactID int64 `json:"contactId"`
}

// LocateInput says whose records to find and on which client the contact belongs.
type LocateInput struct {
	Owner syncplan.Owner `json:"owner"`
	// Email is the contact's email in HubSpot; records on other clients are also searched by it.
	Email string `json:"email"`
	// TargetClientID is the client the contact belongs on; 0 when none (a deleted contact) or a
	// client a dry run would create.
	TargetClientID int64 `json:"targetClientId,omitempty"`
	// Known are places the caller knows hold the contact's records (a batch's census of every
	// client); their clients are listed too.
	Known []Location `json:"known,omitempty"`
}

// Located are the ClientSuccess records that matter for a contact: every record it owns that was
// found, on any client, and the records on the target client with its email.
type Located struct {
	Records []syncplan.Record `json:"records"`
	// ClientNames names the clients other than the target that hold a record, for the timeline.
	ClientNames map[int64]string `json:"clientNames,omitempty"`
}

// maxRememberedRuns bounds how many earlier syncs of the contact are asked where they left it.
const maxRememberedRuns = 20

// LocateRecords finds where the contact lives in ClientSuccess now, whatever emails say on either
// side. It lists, each once, the target client, the clients the caller knows of, and the clients
// earlier syncs of the contact (or of ids merged into it) left its records on (recorded in their
// ClientSuccessRecords search attribute); other clients are reached through an email search, whose
// loose hits are filtered exactly and checked for ownership one by one. It only reads.
func (a *Activities) LocateRecords(ctx context.Context, in LocateInput) (Located, error) {
	remembered, err := a.rememberedClients(ctx, in.Owner.IDs())
	if err != nil {
		return Located{}, err
	}
	clients := []int64{in.TargetClientID}
	for _, l := range in.Known {
		clients = append(clients, l.ClientID)
	}
	clients = append(clients, remembered...)
	slices.Sort(clients)
	clients = slices.Compact(clients)

	var out Located
	for _, id := range clients {
		if id == 0 { // no target: nothing to list
			continue
		}
		list, err := a.ClientSuccess.ListContacts(ctx, id)
		if apierr.Is(err, apierr.NotFound) && id != in.TargetClientID {
			continue // a remembered client deleted since: nothing of the contact's there
		}
		if err != nil {
			return Located{}, toTemporal(err)
		}
		for _, c := range list {
			c.ClientID = id
			if in.Owner.Owns(c.ExternalID) || (id == in.TargetClientID && syncplan.SameEmail(c.Email, in.Email)) {
				out.Records = append(out.Records, recordOf(c))
			}
		}
	}
	if in.Email != "" {
		if err := a.searchOwned(ctx, in, clients, &out); err != nil {
			return Located{}, err
		}
	}
	if err := a.nameClients(ctx, &out, in.TargetClientID); err != nil {
		return Located{}, err
	}
	return out, nil
}

// searchOwned adds the contact's records found by its email on clients not listed already.
func (a *Activities) searchOwned(ctx context.Context, in LocateInput, listed []int64, out *Located) error {
	hits, err := a.ClientSuccess.SearchContacts(ctx, in.Email)
	if err != nil {
		return toTemporal(err)
	}
	for _, h := range hits {
		if slices.Contains(listed, h.ClientID) || !syncplan.SameEmail(h.Email, in.Email) {
			continue
		}
		c, err := a.ClientSuccess.GetContact(ctx, h.ClientID, h.ID)
		if apierr.Is(err, apierr.NotFound) {
			continue // deleted since the search
		}
		if err != nil {
			return toTemporal(err)
		}
		if in.Owner.Owns(c.ExternalID) {
			c.ClientID = h.ClientID
			out.Records = append(out.Records, recordOf(*c))
		}
	}
	return nil
}

// rememberedClients asks Temporal visibility which clients the latest syncs of these HubSpot ids
// left records on. Without a Temporal client (tools calling steps directly) nothing is remembered.
func (a *Activities) rememberedClients(ctx context.Context, hubspotIDs []string) ([]int64, error) {
	if a.Temporal == nil || len(hubspotIDs) == 0 {
		return nil, nil
	}
	quoted := make([]string, len(hubspotIDs))
	for i, id := range hubspotIDs {
		quoted[i] = "'" + id + "'" // ids are validated record ids: digits only
	}
	query := fmt.Sprintf("WorkflowType = 'SyncContact' AND %s IN (%s)", visibility.HubSpotContactID.GetName(), strings.Join(quoted, ", "))
	resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: maxRememberedRuns})
	if err != nil {
		return nil, fmt.Errorf("asking Temporal where earlier syncs left contact %s: %w", hubspotIDs[0], err)
	}
	dc := converter.GetDefaultDataConverter()
	var clients []int64
	for _, e := range resp.GetExecutions() {
		fields := e.GetSearchAttributes().GetIndexedFields()
		var records []string
		if p := fields[visibility.ClientSuccessRecords.GetName()]; p != nil && dc.FromPayload(p, &records) == nil {
			for _, v := range records {
				if clientID, _, ok := visibility.ParseRecordValue(v); ok {
					clients = append(clients, clientID)
				}
			}
		}
	}
	return clients, nil
}

// nameClients fills in the names of the clients other than the target that hold a found record.
// The target's name is known to the workflow already.
func (a *Activities) nameClients(ctx context.Context, out *Located, targetClientID int64) error {
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
		out.ClientNames[r.ClientID] = syncplan.Clip(cl.Name, maxClientName)
	}
	return nil
}

// recordOf is a ClientSuccess contact as the planner sees it.
func recordOf(c clientsuccess.Contact) syncplan.Record {
	return syncplan.Record{ClientID: c.ClientID, ContactID: c.ID, ExternalID: strings.TrimSpace(c.ExternalID), Fields: fieldsOf(c)}
}

func fieldsOf(c clientsuccess.Contact) syncplan.ContactFields {
	return syncplan.ContactFields{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
		Title: c.Title, Phone: c.Phone, Mobile: c.Mobile}
}

func setFields(c *clientsuccess.Contact, f syncplan.ContactFields) {
	c.Email, c.FirstName, c.LastName, c.Title, c.Phone, c.Mobile = f.Email, f.FirstName, f.LastName, f.Title, f.Phone, f.Mobile
}
