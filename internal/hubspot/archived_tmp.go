package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
)

// GetArchivedObject is a stand-in until the fakes branch lands: it reads a deleted record.
func (c *Client) GetArchivedObject(ctx context.Context, objectType, id string, properties []string) (*Object, error) {
	path := c.objectsPath + "/" + escape(objectType) + "/" + escape(id)
	q := url.Values{"archived": {"true"}}
	if len(properties) > 0 {
		q.Set("properties", strings.Join(properties, ","))
	}
	var w wireObject
	if _, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q}, &w); err != nil {
		return nil, err
	}
	if w.ID == "" || !w.Archived {
		return nil, &apierr.Error{System: System, Kind: apierr.NotFound, Method: http.MethodGet, Path: path, Message: "not archived"}
	}
	o := w.object()
	return &o, nil
}
