package activities

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

// PagePlanInput asks for one page of checked contacts, planned.
type PagePlanInput struct {
	// Since, when set, lists only contacts with lastmodifieddate ≥ Since.
	Since time.Time `json:"since,omitzero"`
	// NewClients, with Since, also lists the contacts of these just-created clients (external
	// ids), edited or not: with the deal id property resolver and deal clients, those whose deal
	// id property names one of them; otherwise (associations, companies, or more than one search
	// can name) every checked contact.
	NewClients []string `json:"newClients,omitempty"`
	AfterID    string   `json:"afterId,omitempty"`
	Limit      int      `json:"limit"`
}

// PlannedPage is one page of checked contacts in id order, split in two: the contacts already in
// line in ClientSuccess, and the rest, whose sync may write or has an outcome to record.
type PlannedPage struct {
	ToSync []string `json:"toSync"`
	// Deals holds the ToSync contacts' associated deal ids (associations resolver only).
	Deals  map[string][]string `json:"deals,omitempty"`
	InLine []InLineContact     `json:"inLine,omitempty"`
	// LastID anchors the next page; empty when this page was the last.
	LastID string `json:"lastId,omitempty"`
}

// Listed is how many contacts the page holds.
func (p PlannedPage) Listed() int { return len(p.ToSync) + len(p.InLine) }

// InLineContact is a contact whose own record is on its deal's client, alone there, with the
// fields HubSpot has: a SyncContact would read and write nothing.
type InLineContact struct {
	ID         string `json:"id"`
	DealID     string `json:"dealId,omitempty"`
	CompanyID  string `json:"companyId,omitempty"` // CLIENT_SOURCE=companies: the primary company
	ClientID   int64  `json:"clientId"`
	ClientName string `json:"clientName,omitempty"`
}

// PlanContactsPage lists one page of checked contacts, with their properties, and plans it in bulk
// so a batch starts a SyncContact only for contacts that need one. Reads are shared by the page:
// one search, one batch read of the deals not seen lately, one client look-up per deal (cached),
// one contact list per client. A contact is in line only when every check SyncContact would make passes on what
// was read; anything else (a bad deal id, no client, a status mapping, a difference) goes to its
// SyncContact, which reads again and decides for itself. Records on other clients are not looked
// for here: the sync never leaves a copy behind, and a copy made by hand is found by a batch with
// CheckEveryContact.
func (a *Activities) PlanContactsPage(ctx context.Context, in PagePlanInput) (PlannedPage, error) {
	objs, lastID, err := a.searchChecked(ctx, a.changedGroups(in.Since, in.NewClients), in.AfterID, in.Limit, a.contactProperties())
	if err != nil {
		return PlannedPage{}, err
	}
	contacts := make([]Contact, 0, len(objs))
	ids := make([]string, 0, len(objs))
	statusValues := map[string]string{} // the HubSpot status property's value, with a status mapping
	for _, o := range objs {
		c := a.contactOf(o)
		contacts = append(contacts, c)
		ids = append(ids, o.ID)
		if c.StatusProperty != "" {
			statusValues[o.ID] = o.Properties[c.StatusProperty]
		}
	}
	resolver := a.resolver()
	deals, err := resolver.prefetch(ctx, ids)
	if err != nil {
		return PlannedPage{}, err
	}
	// The plan's own reads stop in time for the page to be returned within the step's time;
	// contacts not judged by then go to their own sync.
	judgeCtx, cancel := judgingContext(ctx)
	defer cancel()
	var targets map[string]Target
	if planMapping(a.fieldMapping()) {
		targets = resolver.resolvePage(judgeCtx, judgeable(contacts), deals)
	}
	inLine := a.inLine(judgeCtx, contacts, targets, a.statusJudge(judgeCtx, statusValues))
	if judgeCtx.Err() != nil {
		planWarn(ctx, "judging the page in time", judgeCtx.Err())
	}
	page := PlannedPage{ToSync: []string{}, LastID: lastID}
	for _, c := range contacts {
		if t, ok := inLine[c.ID]; ok {
			page.InLine = append(page.InLine, InLineContact{ID: c.ID, DealID: t.DealID, CompanyID: t.CompanyID, ClientID: t.Client.ID, ClientName: t.Client.Name})
			continue
		}
		page.ToSync = append(page.ToSync, c.ID)
		if deals != nil {
			if page.Deals == nil {
				page.Deals = map[string][]string{}
			}
			page.Deals[c.ID] = deals[c.ID]
		}
	}
	return page, nil
}

// maxNewClientsNamed bounds the deal ids one search names (its body is limited to 3,000 characters).
const maxNewClientsNamed = 50

// changedGroups are the filters a page lists by, beside the checkbox: none (every checked
// contact), modified since, or modified since OR of a new client.
func (a *Activities) changedGroups(since time.Time, newClients []string) [][]hubspot.Filter {
	switch {
	case since.IsZero():
		return nil
	case len(newClients) == 0:
		return [][]hubspot.Filter{sinceFilter(since)}
	case a.Resolver.associations() || a.clientSource() == ClientSourceCompanies || len(newClients) > maxNewClientsNamed:
		return nil // a contact's new client cannot be named in a search: list them all
	}
	ofNewClient := hubspot.Filter{PropertyName: a.Properties.DealID, Operator: "IN", Values: newClients}
	return [][]hubspot.Filter{sinceFilter(since), {ofNewClient}}
}

// planWarn logs a read the page plan could not make. The plan only filters, so a failed read is
// not retried here: the contacts it concerns go to their own SyncContact, which retries its reads
// one by one. Retrying the whole page for one of its hundreds of reads would rarely get through
// when an API fails often.
func planWarn(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return // out of time: PlanContactsPage says so once
	}
	msg := "page plan: " + what + " failed; leaving those contacts to their own sync"
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn(msg, "error", err)
		return
	}
	slog.Warn(msg, "error", err)
}

// judgingContext is ctx with its deadline brought forward by a quarter of the time left, so the
// optional reads end while there is still time to answer.
func judgingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/4))
}

// planMapping reports whether the page plan can judge contacts under this mapping: the classic
// one (standard fields from HubSpot), with at most a status written back to HubSpot. An extended
// mapping, or a status read from HubSpot, needs reads the plan does not make, so those contacts
// are left to SyncContact.
func planMapping(m mapping.File) bool {
	return (m.Status == nil || m.Status.Direction == mapping.ToHubSpot) && !m.Extended()
}

// statusInLine says whether a contact's HubSpot status property already holds what
// PushContactStatus would write for the record's status; nil when there is no status mapping.
type statusInLine func(contactID string, statusID *int) bool

// statusJudge reads the ClientSuccess statuses and the property's options (cached per worker)
// for a to_hubspot status mapping. When they cannot be read, no contact is in line.
func (a *Activities) statusJudge(ctx context.Context, hubSpotValues map[string]string) statusInLine {
	m := a.fieldMapping()
	if m.Status == nil || m.Status.Direction != mapping.ToHubSpot || len(hubSpotValues) == 0 {
		return nil // no status to judge (any other status direction is not planned at all)
	}
	property := m.Status.HubSpot
	statuses, err := a.statuses(ctx)
	var def mapping.PropertyDef
	if err == nil {
		def, err = a.contactProperty(ctx, property)
	}
	if err != nil {
		planWarn(ctx, "reading the statuses and the options of "+property, err)
		return func(string, *int) bool { return false }
	}
	return func(contactID string, statusID *int) bool {
		id := 0
		if statusID != nil {
			id = *statusID
		}
		// A status with no option is a problem SyncContact records, so it is not in line.
		value, err := mapping.StatusToHubSpot(property, def.Options, statuses, id)
		return err == nil && hubSpotValues[contactID] == value
	}
}

// judgeable are the contacts whose client the plan looks for: checked, with valid fields, and no
// ids merged into them (whose records may sit on any client: their own sync looks for them).
func judgeable(contacts []Contact) []Contact {
	var out []Contact
	for _, c := range contacts {
		if c.Checked && c.Invalid == "" && len(c.MergedIDs) == 0 {
			out = append(out, c)
		}
	}
	return out
}

// inLine lists each client's contacts once and returns the contacts whose own record is there,
// alone and with the same fields (and, with status, the status HubSpot holds), so that
// SyncContact would write nothing. It judges with the planner SyncContact uses.
func (a *Activities) inLine(ctx context.Context, contacts []Contact, targets map[string]Target, status statusInLine) map[string]Target {
	lists := map[int64][]clientsuccess.Contact{}
	out := map[string]Target{}
	for _, c := range contacts {
		t, ok := targets[c.ID]
		if !ok || ctx.Err() != nil {
			continue
		}
		clientID := t.Client.ID
		list, listed := lists[clientID]
		if !listed {
			var err error
			list, err = a.ClientSuccess.ListContacts(ctx, clientID)
			if apierr.Is(err, apierr.NotFound) {
				a.Clients.forgetClient(clientID) // gone: its contacts' syncs will say so
			}
			if err != nil {
				planWarn(ctx, fmt.Sprintf("listing the contacts of client %d", clientID), err)
				list = nil
			}
			lists[clientID] = list
		}
		owner := c.Owner()
		var records []syncplan.Record
		statusOf := map[int64]*int{}
		for _, r := range list {
			if owner.Owns(r.ExternalID) || syncplan.SameEmail(r.Email, c.Fields.Email) {
				r.ClientID = clientID
				records = append(records, recordOf(r))
				statusOf[r.ID] = r.StatusID
			}
		}
		plan := syncplan.Decide(owner, clientID, c.Fields.Email, records)
		if plan.InLine(c.Fields) && (status == nil || status(c.ID, statusOf[plan.Keep.ContactID])) {
			out[c.ID] = t
		}
	}
	return out
}
