package activities

import (
	"context"
	"strconv"
	"time"

	"github.com/cssync/cssync/internal/hubspot"
)

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
	if page.Deals, err = a.resolver().prefetch(ctx, page.IDs); err != nil {
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
