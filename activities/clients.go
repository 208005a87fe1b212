package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

// Client sources (CLIENT_SOURCE): what a ClientSuccess client stands for in HubSpot.
const (
	ClientSourceDeals     = "deals"     // a deal (the default, as before)
	ClientSourceCompanies = "companies" // a company; a contact's client is its primary company's
)

// maxClientName bounds a client name carried into history and sent to ClientSuccess.
const maxClientName = 200

// clientSource is the configured source; empty (older wiring, tests) means deals.
func (a *Activities) clientSource() string {
	if a.ClientSource == ClientSourceCompanies {
		return ClientSourceCompanies
	}
	return ClientSourceDeals
}

// clientCheckbox is the single checkbox that makes a record of the source a client, and the
// variable that configures it.
func (a *Activities) clientCheckbox() (prop, variable string) {
	if a.clientSource() == ClientSourceCompanies {
		return a.Properties.CompanySyncCheckbox, "HUBSPOT_COMPANY_SYNC_PROPERTY"
	}
	return a.Properties.DealSyncCheckbox, "HUBSPOT_DEAL_SYNC_PROPERTY"
}

// nameProperty is the HubSpot property that names a record of the source.
func nameProperty(source string) string {
	if source == ClientSourceCompanies {
		return "name"
	}
	return "dealname"
}

// ClientRecordsInput asks for one page of checked deals or companies.
type ClientRecordsInput struct {
	AfterID string `json:"afterId,omitempty"` // ids above this one
	Limit   int    `json:"limit"`             // 1..200
}

// ClientRecord is a HubSpot deal or company that should be a ClientSuccess client.
type ClientRecord struct {
	ID   string `json:"id"`
	Name string `json:"name"` // the client name to write: the record's name, or "deal 1001" when it has none
	// StatusID is the ClientSuccess client status the record's status property stands for; 0
	// leaves the client's status alone (no status property, an empty value, or no match).
	StatusID int `json:"statusId,omitempty"`
	// StatusProblem names a status value with no ClientSuccess status and the allowed ones.
	StatusProblem string `json:"statusProblem,omitempty"`
}

// ClientRecordsPage is one page of checked deals or companies, in id order.
type ClientRecordsPage struct {
	// Enabled is false when the checkbox of the configured source is not set; Reason says which
	// variable turns client sync on. Nothing is listed then.
	Enabled  bool           `json:"enabled"`
	Reason   string         `json:"reason,omitempty"`
	Source   string         `json:"source"`
	Property string         `json:"property,omitempty"`
	Records  []ClientRecord `json:"records,omitempty"`
	// LastID anchors the next page; empty when this page was the last.
	LastID string `json:"lastId,omitempty"`
}

// ListClientRecords lists up to in.Limit deals or companies (CLIENT_SOURCE) whose client checkbox
// is checked, with ids above in.AfterID. Like the contact listing it anchors on hs_object_id, so
// it is not stopped by search's 10,000-result cap. It only reads.
func (a *Activities) ListClientRecords(ctx context.Context, in ClientRecordsInput) (ClientRecordsPage, error) {
	source := a.clientSource()
	prop, variable := a.clientCheckbox()
	page := ClientRecordsPage{Source: source, Property: prop}
	if prop == "" {
		page.Reason = fmt.Sprintf("client sync is off: CLIENT_SOURCE=%s and %s is not set", source, variable)
		return page, nil
	}
	page.Enabled = true
	groups := []hubspot.FilterGroup{{Filters: []hubspot.Filter{{PropertyName: prop, Operator: "EQ", Value: "true"}}}}
	props := []string{"hs_object_id", nameProperty(source)}
	if a.Properties.ClientStatus != "" {
		props = append(props, a.Properties.ClientStatus)
	}
	objs, lastID, err := a.HubSpot.SearchAfterID(ctx, source, groups, props, in.AfterID, in.Limit)
	if err != nil {
		return ClientRecordsPage{}, toTemporal(err)
	}
	var statuses []mapping.Status
	if a.Properties.ClientStatus != "" && len(objs) > 0 {
		// Read once per page, so a status renamed in ClientSuccess is seen by the next page.
		list, err := a.ClientSuccess.ListClientStatuses(ctx)
		if err != nil {
			return ClientRecordsPage{}, toTemporal(err)
		}
		for _, s := range list {
			statuses = append(statuses, mapping.Status{ID: s.ID, Code: s.Code, Description: s.Description})
		}
	}
	for _, o := range objs {
		r := ClientRecord{ID: o.ID, Name: clientName(source, o)}
		if a.Properties.ClientStatus != "" {
			s, ok, err := mapping.ResolveStatus(statuses, o.Properties[a.Properties.ClientStatus])
			switch {
			case err != nil:
				r.StatusProblem = fmt.Sprintf("%s %s: %v", a.Properties.ClientStatus, o.ID, err)
			case ok:
				r.StatusID = s.ID
			}
		}
		page.Records = append(page.Records, r)
	}
	if len(objs) == in.Limit {
		page.LastID = lastID
	}
	return page, nil
}

// clientName is the name a record's client gets. A record without a name still becomes a
// client (ClientSuccess needs a name), named after its type and id.
func clientName(source string, o hubspot.Object) string {
	name := syncplan.Clip(strings.TrimSpace(o.Properties[nameProperty(source)]), maxClientName)
	switch {
	case name != "":
		return name
	case source == ClientSourceCompanies:
		return "company " + o.ID
	}
	return "deal " + o.ID
}

// UpsertClientInput is one deal or company to make into a client.
type UpsertClientInput struct {
	ExternalID string `json:"externalId"` // the HubSpot record id
	Name       string `json:"name"`
	// StatusID, when not 0, is the client status to set; 0 leaves the status alone.
	StatusID int `json:"statusId,omitempty"`
	// DryRun looks the client up and says what would be written, without writing.
	DryRun bool `json:"dryRun,omitempty"`
}

// UpsertClientResult is what UpsertClient did (or, in a dry run, would do) to one client.
type UpsertClientResult struct {
	Action   syncplan.Outcome `json:"action"` // created, updated or unchanged
	ClientID int64            `json:"clientId,omitempty"`
	// OldName is the client's name before an update.
	OldName string `json:"oldName,omitempty"`
}

// UpsertClient makes sure a ClientSuccess client with externalId in.ExternalID exists with
// in.Name (and in.StatusID, when set). It looks the client up first, so a create retried after a
// lost answer finds the first one instead of making a second; a client that already matches is
// not written. An update replaces the client (PUT), so it reads the full record and changes only
// the name and mapped status: custom fields and everything else a CSM set in ClientSuccess are
// sent back as they were. It never deletes.
func (a *Activities) UpsertClient(ctx context.Context, in UpsertClientInput) (UpsertClientResult, error) {
	found, err := a.ClientSuccess.GetClientByExternalID(ctx, in.ExternalID)
	switch {
	case apierr.Is(err, apierr.NotFound):
		if in.DryRun {
			return UpsertClientResult{Action: syncplan.Created}, nil
		}
		c, err := a.ClientSuccess.CreateClient(ctx, clientsuccess.Client{Name: in.Name, ExternalID: in.ExternalID, StatusID: in.StatusID, Active: true})
		if err != nil {
			return UpsertClientResult{}, toTemporal(err)
		}
		a.Clients.put(in.ExternalID, ClientRef{Found: true, ID: c.ID, Name: syncplan.Clip(c.Name, 200)})
		return UpsertClientResult{Action: syncplan.Created, ClientID: c.ID}, nil
	case err != nil:
		return UpsertClientResult{}, toTemporal(err)
	}
	res := UpsertClientResult{Action: syncplan.Unchanged, ClientID: found.ID}
	if found.Name == in.Name && (in.StatusID == 0 || found.StatusID == in.StatusID) {
		return res, nil
	}
	// Compare with the full record: it is also what the PUT sends back.
	full, err := a.ClientSuccess.GetClient(ctx, found.ID)
	if err != nil {
		return UpsertClientResult{}, toTemporal(err)
	}
	rename := full.Name != in.Name
	if !rename && (in.StatusID == 0 || full.StatusID == in.StatusID) {
		return res, nil
	}
	res.Action = syncplan.Updated
	if rename {
		res.OldName = syncplan.Clip(full.Name, maxClientName)
	}
	if in.DryRun {
		return res, nil
	}
	full.Name = in.Name
	if in.StatusID != 0 {
		full.StatusID = in.StatusID
	}
	c, err := a.ClientSuccess.UpdateClient(ctx, *full)
	if err != nil {
		return UpsertClientResult{}, toTemporal(err)
	}
	a.Clients.put(in.ExternalID, ClientRef{Found: true, ID: c.ID, Name: syncplan.Clip(c.Name, 200)})
	return res, nil
}

// compareIDs orders numeric ids by value (shorter first), others as text.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
