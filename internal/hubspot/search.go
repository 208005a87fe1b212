package hubspot

import (
	"context"
	"fmt"
	"net/http"
)

// Search limits HubSpot enforces.
const (
	MaxSearchLimit   = 200    // results per page
	MaxSearchResults = 10_000 // results reachable by paging one query
)

// Filter is one search condition. Operators: EQ NEQ LT LTE GT GTE BETWEEN (Value..HighValue)
// IN NOT_IN (Values) HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN. Dates are
// compared as epoch-millisecond strings.
type Filter struct {
	PropertyName string   `json:"propertyName,omitempty"`
	Operator     string   `json:"operator,omitempty"`
	Value        string   `json:"value,omitempty"`
	HighValue    string   `json:"highValue,omitempty"`
	Values       []string `json:"values,omitempty"`
}

// FilterGroup ANDs its filters; the groups of a request are ORed.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Sort orders search results; Direction is ASCENDING or DESCENDING.
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction,omitempty"`
}

// SearchRequest is one page of a search. Limit 0 means HubSpot's default (10); After is the
// offset returned as the previous page's NextAfter.
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
	Sorts        []Sort        `json:"sorts,omitempty"`
	Properties   []string      `json:"properties,omitempty"`
	Limit        int           `json:"limit,omitempty"`
	After        string        `json:"after,omitempty"`
}

// SearchPage is one page of search results. NextAfter is "" on the last page. HubSpot refuses
// to page past 10,000 results of one query; see SearchAfterID.
type SearchPage struct {
	Total     int
	Results   []Object
	NextAfter string
}

type wireSearchPage struct {
	Total   int          `json:"total"`
	Results []wireObject `json:"results"`
	Paging  *wirePaging  `json:"paging"`
}

type wirePaging struct {
	Next *struct {
		After flexString `json:"after"`
	} `json:"next"`
}

func (p *wirePaging) after() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return string(p.Next.After)
}

// Search runs one page of a CRM search.
func (c *Client) Search(ctx context.Context, objectType string, req SearchRequest) (*SearchPage, error) {
	path := c.objectsPath + "/" + escape(objectType) + "/search"
	if objectType == "" {
		return nil, c.invalid(http.MethodPost, path, "object type is required")
	}
	// A group without filters must be sent as [], not null.
	groups := make([]FilterGroup, len(req.FilterGroups))
	for i, g := range req.FilterGroups {
		if g.Filters == nil {
			g.Filters = []Filter{}
		}
		groups[i] = g
	}
	req.FilterGroups = groups
	var w wireSearchPage
	if _, err := c.do(ctx, request{method: http.MethodPost, path: path, body: req, search: true}, &w); err != nil {
		return nil, err
	}
	page := &SearchPage{Total: w.Total, Results: make([]Object, 0, len(w.Results)), NextAfter: w.Paging.after()}
	for _, o := range w.Results {
		page.Results = append(page.Results, o.object())
	}
	return page, nil
}

// SearchAfterID reads one page of a result set of any size, past search's 10,000-result cap: it
// adds "hs_object_id GT afterID" to every filter group (when afterID is not empty), sorts by
// hs_object_id ascending and asks for limit results (1..200) from offset 0. next is the id of
// the last result, to pass as afterID for the next page, or "" when HubSpot's answer has no
// paging (no further results), so a full last page costs no extra, empty call.
func (c *Client) SearchAfterID(ctx context.Context, objectType string, groups []FilterGroup, properties []string, afterID string, limit int) (results []Object, next string, err error) {
	if limit < 1 || limit > MaxSearchLimit {
		return nil, "", c.invalid(http.MethodPost, c.objectsPath+"/"+escape(objectType)+"/search",
			fmt.Sprintf("limit must be between 1 and %d, got %d", MaxSearchLimit, limit))
	}
	req := SearchRequest{
		Sorts:      []Sort{{PropertyName: "hs_object_id", Direction: "ASCENDING"}},
		Properties: properties,
		Limit:      limit,
	}
	if afterID != "" {
		anchor := Filter{PropertyName: "hs_object_id", Operator: "GT", Value: afterID}
		if len(groups) == 0 {
			req.FilterGroups = []FilterGroup{{Filters: []Filter{anchor}}}
		}
		for _, g := range groups {
			filters := make([]Filter, 0, len(g.Filters)+1)
			filters = append(filters, g.Filters...)
			req.FilterGroups = append(req.FilterGroups, FilterGroup{Filters: append(filters, anchor)})
		}
	} else {
		req.FilterGroups = groups
	}
	page, err := c.Search(ctx, objectType, req)
	if err != nil {
		return nil, "", err
	}
	if n := len(page.Results); n > 0 && page.NextAfter != "" {
		next = page.Results[n-1].ID
	}
	return page.Results, next, nil
}
