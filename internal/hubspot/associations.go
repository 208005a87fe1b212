package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Association paging and batch sizes (v4).
const (
	associationPageSize  = 500
	associationBatchSize = 1000
)

// AssociationType is one kind of link, such as contact→deal (HUBSPOT_DEFINED, 4). Label is nil
// for unlabelled types.
type AssociationType struct {
	Category string  `json:"category"`
	TypeID   int     `json:"typeId"`
	Label    *string `json:"label"`
}

// Association is a link from one record to another record, with all the types linking them.
type Association struct {
	ToObjectID string
	Types      []AssociationType
}

// wireAssociation decodes toObjectId whether HubSpot sends a number or a string.
type wireAssociation struct {
	ToObjectID       flexString        `json:"toObjectId"`
	AssociationTypes []AssociationType `json:"associationTypes"`
}

func (w wireAssociation) association() Association {
	return Association{ToObjectID: string(w.ToObjectID), Types: w.AssociationTypes}
}

type wireAssociationPage struct {
	Results []wireAssociation `json:"results"`
	Paging  *wirePaging       `json:"paging"`
}

type wireAssociationBatchResult struct {
	From struct {
		ID flexString `json:"id"`
	} `json:"from"`
	To     []wireAssociation `json:"to"`
	Paging *wirePaging       `json:"paging"`
}

// ListAssociations reads one page (up to 500) of a record's associations to toType. Pass the
// previous page's nextAfter as after; nextAfter is "" on the last page.
func (c *Client) ListAssociations(ctx context.Context, fromType, id, toType, after string) (assocs []Association, nextAfter string, err error) {
	path := c.assocListPath + "/" + escape(fromType) + "/" + escape(id) + "/associations/" + escape(toType)
	if fromType == "" || id == "" || toType == "" {
		return nil, "", c.invalid(http.MethodGet, path, "object types and id are required")
	}
	q := url.Values{"limit": {fmt.Sprint(associationPageSize)}}
	if after != "" {
		q.Set("after", after)
	}
	var w wireAssociationPage
	if _, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q}, &w); err != nil {
		return nil, "", err
	}
	assocs = make([]Association, 0, len(w.Results))
	for _, a := range w.Results {
		assocs = append(assocs, a.association())
	}
	return assocs, w.Paging.after(), nil
}

// BatchReadAssociations reads all associations from the records ids to toType, 1,000 records
// per call, following each record's paging. Every requested id is a key of the result; a record
// without associations (HubSpot's 207 NO_ASSOCIATIONS_FOUND) maps to an empty list.
func (c *Client) BatchReadAssociations(ctx context.Context, fromType, toType string, ids []string) (map[string][]Association, error) {
	path := c.assocBatchPath + "/" + escape(fromType) + "/" + escape(toType) + "/batch/read"
	if fromType == "" || toType == "" {
		return nil, c.invalid(http.MethodPost, path, "object types are required")
	}
	ids = uniqueIDs(ids)
	out := make(map[string][]Association, len(ids))
	for _, id := range ids {
		out[id] = []Association{}
	}
	req := request{method: http.MethodPost, path: path}
	for _, chunk := range chunks(ids, associationBatchSize) {
		pending := make([]idInput, len(chunk))
		for i, id := range chunk {
			pending[i] = idInput{ID: id}
		}
		seen := map[idInput]bool{}
		for len(pending) > 0 {
			for _, in := range pending {
				if seen[in] {
					return out, c.decodeError(req, 0, fmt.Sprintf("association paging for %s repeated the cursor %q", in.ID, in.After))
				}
				seen[in] = true
			}
			req.body = map[string]any{"inputs": pending}
			var ans batchAnswer[wireAssociationBatchResult]
			status, err := c.do(ctx, req, &ans)
			if err != nil {
				return out, err
			}
			pending = pending[:0:0]
			for _, r := range ans.Results {
				from := string(r.From.ID)
				list := out[from]
				for _, a := range r.To {
					list = append(list, a.association())
				}
				out[from] = list
				if next := r.Paging.after(); next != "" {
					pending = append(pending, idInput{ID: from, After: next})
				}
			}
			var failed []errorDetail
			for _, e := range ans.Errors {
				if strings.HasSuffix(e.SubCategory, "NO_ASSOCIATIONS_FOUND") {
					continue // the record is in out with an empty list already
				}
				failed = append(failed, e)
			}
			if len(failed) > 0 {
				return out, c.batchError(req, status, failed)
			}
		}
	}
	return out, nil
}
