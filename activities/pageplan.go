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
	// Census names the batch run whose census (TakeCensus, on this worker) judges the page: every
	// record of every contact, on any client, without a ClientSuccess call. Empty: the page lists
	// its contacts' clients itself and cannot see records elsewhere.
	Census string `json:"census,omitempty"`
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
	// Known are, with a census, where the ToSync contacts' records are, for their syncs.
	Known map[string][]Location `json:"known,omitempty"`
	// Modified is each ToSync contact's lastmodifieddate, so a batch can tell a contact that
	// changed since its last failed sync from one that did not.
	Modified map[string]time.Time `json:"modified,omitempty"`
	// CensusMissing says this worker holds no census of the run (it was restarted): nothing was
	// listed; take the census again and ask again.
	CensusMissing bool `json:"censusMissing,omitempty"`
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
// so a batch starts a SyncContact only for contacts that need one. A contact is in line only when
// the planner SyncContact uses finds nothing to write on what was read; anything else (a bad deal
// id, no client, a status mapping, a difference, a copy elsewhere) goes to its SyncContact, which
// reads again and decides for itself. With a census the page makes one HubSpot search and no other
// call; without one it reads, shared by the page, the deals not seen lately, one client look-up
// per deal (cached) and one contact list per client, and cannot see records on other clients.
func (a *Activities) PlanContactsPage(ctx context.Context, in PagePlanInput) (PlannedPage, error) {
	var cen *census
	if in.Census != "" {
		var ok bool
		if cen, ok = a.Censuses.get(in.Census); !ok {
			return PlannedPage{CensusMissing: true}, nil
		}
	}
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
	if cen != nil {
		judgeCtx = withCensus(judgeCtx, cen)
	}
	var targets map[string]Target
	if planMapping(a.fieldMapping()) {
		targets = resolver.resolvePage(judgeCtx, judgeable(contacts, cen != nil), deals)
	}
	records := a.pageRecords
	if cen != nil {
		records = cen.pageRecords
	}
	inLine := judgeInLine(contacts, targets, records(judgeCtx, contacts, targets), a.statusJudge(judgeCtx, statusValues))
	if judgeCtx.Err() != nil {
		planWarn(ctx, "judging the page in time", judgeCtx.Err())
	}
	page := PlannedPage{ToSync: []string{}, LastID: lastID, Modified: map[string]time.Time{}}
	modified := map[string]time.Time{}
	for _, o := range objs {
		modified[o.ID] = o.UpdatedAt
	}
	for _, c := range contacts {
		if t, ok := inLine[c.ID]; ok {
			page.InLine = append(page.InLine, InLineContact{ID: c.ID, DealID: t.DealID, CompanyID: t.CompanyID, ClientID: t.Client.ID, ClientName: t.Client.Name})
			continue
		}
		page.ToSync = append(page.ToSync, c.ID)
		page.Modified[c.ID] = modified[c.ID]
		if cen != nil {
			if recs, _ := cen.ownRecords(c.Owner()); len(recs) > 0 {
				if page.Known == nil {
					page.Known = map[string][]Location{}
				}
				page.Known[c.ID] = locations(recs)
			}
		}
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

// judgeable are the contacts whose client the plan looks for: checked, with valid fields, and,
// without a census, no ids merged into them (whose records may sit on any client: their own sync
// looks for them).
func judgeable(contacts []Contact, census bool) []Contact {
	var out []Contact
	for _, c := range contacts {
		if c.Checked && c.Invalid == "" && (census || len(c.MergedIDs) == 0) {
			out = append(out, c)
		}
	}
	return out
}

// pageRecords lists each target client's contacts once and returns, for each contact with a
// target, its records there and the records there with its email, with their statuses.
func (a *Activities) pageRecords(ctx context.Context, contacts []Contact, targets map[string]Target) map[string]judged {
	lists := map[int64][]clientsuccess.Contact{}
	out := map[string]judged{}
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
				continue
			}
			lists[clientID] = list
		}
		owner := c.Owner()
		j := judged{status: map[int64]*int{}}
		for _, r := range list {
			if owner.Owns(r.ExternalID) || syncplan.SameEmail(r.Email, c.Fields.Email) {
				r.ClientID = clientID
				j.records = append(j.records, recordOf(r))
				j.status[r.ID] = r.StatusID
			}
		}
		out[c.ID] = j
	}
	return out
}

// pageRecords answers, from the census, every record of each contact with a target, wherever it is.
func (c *census) pageRecords(_ context.Context, contacts []Contact, targets map[string]Target) map[string]judged {
	out := map[string]judged{}
	for _, ct := range contacts {
		if _, ok := targets[ct.ID]; ok {
			recs, status := c.ownRecords(ct.Owner())
			out[ct.ID] = judged{records: recs, status: status}
		}
	}
	return out
}

// judged are the records a contact is judged on, with the status of each.
type judged struct {
	records []syncplan.Record
	status  map[int64]*int
}

// judgeInLine returns the contacts the planner finds in line on what was read: their own record on
// the target client, alone, with the same fields (and, with status, the status HubSpot holds), so
// that SyncContact would write nothing.
func judgeInLine(contacts []Contact, targets map[string]Target, read map[string]judged, status statusInLine) map[string]Target {
	out := map[string]Target{}
	for _, c := range contacts {
		t, ok := targets[c.ID]
		j, read := read[c.ID]
		if !ok || !read {
			continue
		}
		plan := syncplan.Decide(c.Owner(), t.Client.ID, c.Fields.Email, j.records)
		if plan.InLine(c.Fields) && (status == nil || status(c.ID, j.status[plan.Keep.ContactID])) {
			out[c.ID] = t
		}
	}
	return out
}

func locations(recs []syncplan.Record) []Location {
	out := make([]Location, len(recs))
	for i, r := range recs {
		out[i] = Location{ClientID: r.ClientID, ContactID: r.ContactID}
	}
	return out
}
