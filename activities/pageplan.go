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

// target is the client a contact resolves to in the page plan, through a deal or a company.
type target struct {
	dealID    string
	companyID string
	client    ClientRef
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
	deals, err := a.pageDeals(ctx, ids)
	if err != nil {
		return PlannedPage{}, err
	}
	// The plan's own reads stop in time for the page to be returned within the step's time;
	// contacts not judged by then go to their own sync.
	judgeCtx, cancel := judgingContext(ctx)
	defer cancel()
	var targets map[string]target
	switch {
	case !planMapping(a.fieldMapping()):
	case a.clientSource() == ClientSourceCompanies:
		targets = a.companyTargets(judgeCtx, contacts)
	default:
		targets = a.pageTargets(judgeCtx, contacts, deals)
	}
	inLine := a.inLine(judgeCtx, contacts, targets, a.statusJudge(judgeCtx, statusValues))
	if judgeCtx.Err() != nil {
		planWarn(ctx, "judging the page in time", judgeCtx.Err())
	}
	page := PlannedPage{ToSync: []string{}, LastID: lastID}
	for _, c := range contacts {
		if t, ok := inLine[c.ID]; ok {
			page.InLine = append(page.InLine, InLineContact{ID: c.ID, DealID: t.dealID, CompanyID: t.companyID, ClientID: t.client.ID, ClientName: t.client.Name})
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

// pageTargets resolves the client of every contact that can be judged in bulk.
// Failed reads leave contacts out, never fail the page.
func (a *Activities) pageTargets(ctx context.Context, contacts []Contact, assocs map[string][]string) map[string]target {
	judged := judgeable(contacts)
	if assocs != nil {
		return a.associatedTargets(ctx, judged, assocs)
	}
	dealOf := map[string]string{}
	var dealIDs []string
	for _, c := range judged {
		if id, err := syncplan.ParseDealID(c.DealIDValue); err == nil {
			dealOf[c.ID] = id
			dealIDs = append(dealIDs, id)
		}
	}
	existing, err := a.existingDeals(ctx, dealIDs)
	if err != nil {
		planWarn(ctx, "reading the page's deals", err)
		return nil
	}
	clients := map[string]ClientRef{}
	for _, id := range existing {
		if ctx.Err() != nil {
			break
		}
		ref, err := a.FindDealClient(ctx, id)
		if err != nil {
			planWarn(ctx, "looking up the client of deal "+id, err)
			continue
		}
		clients[id] = ref
	}
	out := map[string]target{}
	for contactID, dealID := range dealOf {
		if ref := clients[dealID]; ref.Found {
			out[contactID] = target{dealID: dealID, client: ref}
		}
	}
	return out
}

// judgeable are the contacts whose client the plan looks for: checked, with valid fields.
func judgeable(contacts []Contact) []Contact {
	var out []Contact
	for _, c := range contacts {
		if c.Checked && c.Invalid == "" {
			out = append(out, c)
		}
	}
	return out
}

// companyTargets resolves each contact to its primary company's client, as ResolveCompany does,
// reading the page's company associations in one batch. A contact with more associations than
// ResolveCompany reads is left to its own sync, so the two never disagree.
func (a *Activities) companyTargets(ctx context.Context, contacts []Contact) map[string]target {
	var ids []string
	for _, c := range judgeable(contacts) {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	assocs, err := a.HubSpot.BatchReadAssociations(ctx, "contacts", "companies", ids)
	if err != nil {
		planWarn(ctx, "reading the page's company associations", err)
		return nil
	}
	clients := map[string]ClientRef{}
	out := map[string]target{}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		companyID := primaryCompany(assocs[id])
		if companyID == "" || len(assocs[id]) >= maxDealsPerContact {
			continue
		}
		ref, looked := clients[companyID]
		if !looked {
			if ref, err = a.FindDealClient(ctx, companyID); err != nil {
				planWarn(ctx, "looking up the client of company "+companyID, err)
				continue
			}
			clients[companyID] = ref
		}
		if ref.Found {
			out[id] = target{companyID: companyID, client: ref}
		}
	}
	return out
}

// existingDeals returns the deals among ids that HubSpot has, reading in one batch only those
// not seen within the cache's TTL.
func (a *Activities) existingDeals(ctx context.Context, ids []string) ([]string, error) {
	var existing, unseen []string
	done := map[string]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		if a.Clients.dealSeen(id) {
			existing = append(existing, id)
		} else {
			unseen = append(unseen, id)
		}
	}
	if len(unseen) == 0 {
		return existing, nil
	}
	found, _, err := a.HubSpot.BatchReadObjects(ctx, "deals", unseen, []string{"hs_object_id"})
	if err != nil {
		return nil, toTemporal(err)
	}
	for _, d := range found {
		a.Clients.sawDeal(d.ID)
		existing = append(existing, d.ID)
	}
	return existing, nil
}

// associatedTargets applies the associations rule to each contact, reading the page's deals once.
// A contact whose deal id property would be written back is left to its SyncContact.
func (a *Activities) associatedTargets(ctx context.Context, judged []Contact, assocs map[string][]string) map[string]target {
	var all []string
	for _, c := range judged {
		all = append(all, assocs[c.ID]...)
	}
	if len(all) == 0 {
		return nil
	}
	found, _, err := a.HubSpot.BatchReadObjects(ctx, "deals", all, dealProperties)
	if err != nil {
		planWarn(ctx, "reading the page's deals", err)
		return nil
	}
	byID := make(map[string]hubspot.Object, len(found))
	for _, d := range found {
		byID[d.ID] = d
	}
	out := map[string]target{}
	for _, c := range judged {
		if ctx.Err() != nil {
			break
		}
		ids := assocs[c.ID]
		var existing []hubspot.Object
		for _, id := range ids {
			if d, ok := byID[id]; ok {
				existing = append(existing, d)
			}
		}
		r, err := a.chooseDeal(ctx, len(ids), existing, c.DealIDValue, nil)
		if err != nil {
			planWarn(ctx, "resolving the deal of contact "+c.ID, err)
			continue
		}
		if r.Found && !r.WriteBack {
			out[c.ID] = target{dealID: r.DealID, client: r.Client}
		}
	}
	return out
}

// inLine lists each client's contacts once and returns the contacts whose own record is there,
// alone and with the same fields (and, with status, the status HubSpot holds), so that
// SyncContact would write nothing.
func (a *Activities) inLine(ctx context.Context, contacts []Contact, targets map[string]target, status statusInLine) map[string]target {
	lists := map[int64][]clientsuccess.Contact{}
	out := map[string]target{}
	for _, c := range contacts {
		t, ok := targets[c.ID]
		if !ok || ctx.Err() != nil {
			continue
		}
		list, listed := lists[t.client.ID]
		if !listed {
			var err error
			list, err = a.ClientSuccess.ListContacts(ctx, t.client.ID)
			if apierr.Is(err, apierr.NotFound) {
				a.Clients.forgetClient(t.client.ID) // gone: its contacts' syncs will say so
			}
			if err != nil {
				planWarn(ctx, fmt.Sprintf("listing the contacts of client %d", t.client.ID), err)
				list = nil
			}
			lists[t.client.ID] = list
		}
		var records []syncplan.Record
		statusOf := map[int64]*int{}
		for _, r := range list {
			if owned := r.ExternalID == c.ID; owned || syncplan.SameEmail(r.Email, c.Fields.Email) {
				records = append(records, syncplan.Record{ClientID: t.client.ID, ContactID: r.ID, Owned: owned, Fields: fieldsOf(r)})
				statusOf[r.ID] = r.StatusID
			}
		}
		plan := syncplan.Decide(t.client.ID, c.Fields.Email, records)
		if plan.InLine(c.Fields) && (status == nil || status(c.ID, statusOf[plan.Keep.ContactID])) {
			out[c.ID] = t
		}
	}
	return out
}
