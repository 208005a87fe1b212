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
	// (ResolveDeal); empty means the deal id property, as before.
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
	m := a.fieldMapping()
	props := append([]string{a.Properties.SyncCheckbox, a.Properties.DealID}, m.HubSpotProperties()...)
	obj, err := a.HubSpot.GetObject(ctx, "contacts", contactID, props)
	if apierr.Is(err, apierr.NotFound) {
		return Contact{ID: contactID}, nil
	}
	if err != nil {
		return Contact{}, toTemporal(err)
	}
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
	if a.Resolver.associations() {
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
	return c, nil
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
	Since   time.Time `json:"since"`             // lastmodifieddate ≥ Since
	AfterID string    `json:"afterId,omitempty"` // ids above this one
	Limit   int       `json:"limit"`
}

// ListChangedContacts is ListCheckedContacts restricted to contacts whose lastmodifieddate is at
// or after in.Since. The date bound is the same on every page and pages are anchored on
// hs_object_id, so any number of changed contacts is listed past search's 10,000-result cap.
func (a *Activities) ListChangedContacts(ctx context.Context, in ChangedContactsInput) (CheckedPage, error) {
	since := hubspot.Filter{PropertyName: "lastmodifieddate", Operator: "GTE", Value: strconv.FormatInt(in.Since.UnixMilli(), 10)}
	return a.listChecked(ctx, []hubspot.Filter{since}, in.AfterID, in.Limit)
}

func (a *Activities) listChecked(ctx context.Context, extra []hubspot.Filter, afterID string, limit int) (CheckedPage, error) {
	filters := append([]hubspot.Filter{{PropertyName: a.Properties.SyncCheckbox, Operator: "EQ", Value: "true"}}, extra...)
	groups := []hubspot.FilterGroup{{Filters: filters}}
	objs, lastID, err := a.HubSpot.SearchAfterID(ctx, "contacts", groups, []string{"hs_object_id"}, afterID, limit)
	if err != nil {
		return CheckedPage{}, toTemporal(err)
	}
	page := CheckedPage{IDs: make([]string, 0, len(objs))}
	for _, o := range objs {
		page.IDs = append(page.IDs, o.ID)
	}
	if len(objs) == limit {
		page.LastID = lastID
	}
	if a.Resolver.associations() && len(page.IDs) > 0 {
		assocs, err := a.HubSpot.BatchReadAssociations(ctx, "contacts", "deals", page.IDs)
		if err != nil {
			return CheckedPage{}, toTemporal(err)
		}
		page.Deals = make(map[string][]string, len(page.IDs))
		for _, id := range page.IDs {
			page.Deals[id] = associatedIDs(assocs[id])
		}
	}
	return page, nil
}
