package activities

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

// maxRawDealID bounds the deal id value carried into history; longer values are invalid anyway.
const maxRawDealID = 64

// Contact is what the sync needs to know about one HubSpot contact.
type Contact struct {
	ID      string `json:"id"`
	Found   bool   `json:"found"`
	Checked bool   `json:"checked"`
	// DealIDValue is the raw deal id property, cut to a bounded length.
	DealIDValue string                 `json:"dealIdValue,omitempty"`
	Fields      syncplan.ContactFields `json:"fields"`
	// Invalid says why Fields cannot be written to ClientSuccess; empty when they can.
	Invalid string `json:"invalid,omitempty"`
	// Resolver is ResolverAssociations when the deal comes from the contact's associations
	// (ResolveDeal), ResolverCompanies when the client is the primary company's (ResolveCompany);
	// empty means the deal id property, as before.
	Resolver string `json:"resolver,omitempty"`
	// StatusProperty is the HubSpot enumeration property the ClientSuccess contact status is
	// written to (a to_hubspot status mapping); empty, as in older histories, means no status sync.
	StatusProperty string `json:"statusProperty,omitempty"`
	// Mapped holds the values of every HubSpot property an extended mapping names (see
	// mapping.File.Extended), clipped, by name; the upsert step plans the mapped fields from them
	// (mapping.PlanContact). Nil, as with the built-in mapping and in older histories, means the
	// classic sync of Fields.
	Mapped map[string]string `json:"mapped,omitempty"`
}

// ReadContact reads the contact's checkbox, deal id and the fields the mapping feeds from HubSpot. A missing contact is a
// result (Found false), not an error.
func (a *Activities) ReadContact(ctx context.Context, contactID string) (Contact, error) {
	obj, err := a.HubSpot.GetObject(ctx, "contacts", contactID, a.contactProperties())
	if apierr.Is(err, apierr.NotFound) {
		return Contact{ID: contactID}, nil
	}
	if err != nil {
		return Contact{}, toTemporal(err)
	}
	return a.contactOf(*obj), nil
}

// contactProperties are the HubSpot contact properties ReadContact (and the page plan) read.
func (a *Activities) contactProperties() []string {
	return append([]string{a.Properties.SyncCheckbox, a.Properties.DealID}, a.fieldMapping().HubSpotProperties()...)
}

// contactOf is what the sync needs of a contact record read with contactProperties.
func (a *Activities) contactOf(obj hubspot.Object) Contact {
	m := a.fieldMapping()
	fields := m.ContactFields(obj.Properties)
	c := Contact{
		ID:          obj.ID,
		Found:       true,
		Checked:     strings.EqualFold(strings.TrimSpace(obj.Properties[a.Properties.SyncCheckbox]), "true"),
		DealIDValue: syncplan.Clip(obj.Properties[a.Properties.DealID], maxRawDealID),
		Fields:      fields.Truncated(),
	}
	if err := fields.Validate(); err != nil {
		c.Invalid = err.Error()
	}
	switch {
	case a.clientSource() == ClientSourceCompanies:
		c.Resolver = ResolverCompanies
	case a.Resolver.associations():
		c.Resolver = ResolverAssociations
	}
	if m.Status != nil && m.Status.Direction == mapping.ToHubSpot {
		c.StatusProperty = m.Status.HubSpot
	}
	if m.Extended() {
		c.Mapped = map[string]string{}
		for _, name := range m.HubSpotProperties() {
			// Clipped past the length limit, so a runaway value is still seen as too long.
			c.Mapped[name] = syncplan.Clip(obj.Properties[name], syncplan.MaxFieldLength)
		}
	}
	return c
}

// Deal is a HubSpot deal as far as the sync cares.
type Deal struct {
	ID    string `json:"id"`
	Found bool   `json:"found"`
	Name  string `json:"name,omitempty"`
}

// ReadDeal checks that the deal exists and reads its name for the timeline.
func (a *Activities) ReadDeal(ctx context.Context, dealID string) (Deal, error) {
	obj, err := a.HubSpot.GetObject(ctx, "deals", dealID, []string{"dealname"})
	if apierr.Is(err, apierr.NotFound) {
		return Deal{ID: dealID}, nil
	}
	if err != nil {
		return Deal{}, toTemporal(err)
	}
	return Deal{ID: obj.ID, Found: true, Name: syncplan.Clip(obj.Properties["dealname"], 200)}, nil
}

// CheckedPage is one page of contacts whose sync checkbox is checked, in id order.
type CheckedPage struct {
	IDs []string `json:"ids"`
	// LastID anchors the next page; empty when this page was the last.
	LastID string `json:"lastId,omitempty"`
	// Deals holds each listed contact's associated deal ids, read with one batch call per page,
	// when the associations resolver is on; nil otherwise.
	Deals map[string][]string `json:"deals,omitempty"`
}

// ListCheckedContacts returns up to limit checked contacts with ids above afterID. It anchors on
// hs_object_id rather than paging offsets, so it is not stopped by search's 10,000-result cap.
func (a *Activities) ListCheckedContacts(ctx context.Context, afterID string, limit int) (CheckedPage, error) {
	return a.listChecked(ctx, nil, afterID, limit)
}

// ChangedContactsInput asks for a page of checked contacts modified since a time.
type ChangedContactsInput struct {
	Since time.Time `json:"since"` // lastmodifieddate ≥ Since
	// NewClients also lists the contacts of these just-created clients (see PagePlanInput).
	NewClients []string `json:"newClients,omitempty"`
	AfterID    string   `json:"afterId,omitempty"` // ids above this one
	Limit      int      `json:"limit"`
}

// ListChangedContacts is ListCheckedContacts restricted to contacts whose lastmodifieddate is at
// or after in.Since. The date bound is the same on every page and pages are anchored on
// hs_object_id, so any number of changed contacts is listed past search's 10,000-result cap.
func (a *Activities) ListChangedContacts(ctx context.Context, in ChangedContactsInput) (CheckedPage, error) {
	return a.listChecked(ctx, a.changedGroups(in.Since, in.NewClients), in.AfterID, in.Limit)
}

func (a *Activities) listChecked(ctx context.Context, groups [][]hubspot.Filter, afterID string, limit int) (CheckedPage, error) {
	objs, lastID, err := a.searchChecked(ctx, groups, afterID, limit, []string{"hs_object_id"})
	if err != nil {
		return CheckedPage{}, err
	}
	page := CheckedPage{IDs: make([]string, 0, len(objs)), LastID: lastID}
	for _, o := range objs {
		page.IDs = append(page.IDs, o.ID)
	}
	if page.Deals, err = a.pageDeals(ctx, page.IDs); err != nil {
		return CheckedPage{}, err
	}
	return page, nil
}

// searchChecked reads one page of checked contacts above afterID with the given properties;
// each extra group adds its filters to the checkbox filter, and the groups are ORed (none: every
// checked contact). next anchors the next page and is empty when this page was the last.
func (a *Activities) searchChecked(ctx context.Context, extra [][]hubspot.Filter, afterID string, limit int, props []string) ([]hubspot.Object, string, error) {
	checked := hubspot.Filter{PropertyName: a.Properties.SyncCheckbox, Operator: "EQ", Value: "true"}
	groups := []hubspot.FilterGroup{{Filters: []hubspot.Filter{checked}}}
	if len(extra) > 0 {
		groups = groups[:0]
		for _, filters := range extra {
			groups = append(groups, hubspot.FilterGroup{Filters: append([]hubspot.Filter{checked}, filters...)})
		}
	}
	objs, next, err := a.HubSpot.SearchAfterID(ctx, "contacts", groups, props, afterID, limit)
	if err != nil {
		return nil, "", toTemporal(err)
	}
	return objs, next, nil
}

// sinceFilter limits a search to contacts modified at or after since.
func sinceFilter(since time.Time) []hubspot.Filter {
	return []hubspot.Filter{{PropertyName: "lastmodifieddate", Operator: "GTE", Value: strconv.FormatInt(since.UnixMilli(), 10)}}
}

// pageDeals reads the listed contacts' associated deal ids with one batch call when the
// associations resolver is on; nil otherwise.
func (a *Activities) pageDeals(ctx context.Context, ids []string) (map[string][]string, error) {
	if !a.Resolver.associations() || len(ids) == 0 {
		return nil, nil
	}
	assocs, err := a.HubSpot.BatchReadAssociations(ctx, "contacts", "deals", ids)
	if err != nil {
		return nil, toTemporal(err)
	}
	deals := make(map[string][]string, len(ids))
	for _, id := range ids {
		deals[id] = associatedIDs(assocs[id])
	}
	return deals, nil
}
