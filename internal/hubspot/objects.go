package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
)

// batchSize is the most inputs HubSpot accepts in one object batch call.
const batchSize = 100

// Object is a HubSpot CRM record (contact, company or deal). Every property value is a string;
// a property HubSpot answers as null has the value "".
type Object struct {
	ID         string
	Properties map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Archived   bool      // deleted: only GetArchivedObject and GetObjectIncludingArchived answer these
	ArchivedAt time.Time // when it was deleted; zero for a live record
}

// BatchUpdateInput is one record of a batch update.
type BatchUpdateInput struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

type wireObject struct {
	ID         flexString            `json:"id"`
	Properties map[string]flexString `json:"properties"`
	CreatedAt  flexTime              `json:"createdAt"`
	UpdatedAt  flexTime              `json:"updatedAt"`
	Archived   bool                  `json:"archived"`
	ArchivedAt flexTime              `json:"archivedAt"`
}

func (w wireObject) object() Object {
	o := Object{
		ID:         string(w.ID),
		Properties: make(map[string]string, len(w.Properties)),
		CreatedAt:  time.Time(w.CreatedAt),
		UpdatedAt:  time.Time(w.UpdatedAt),
		Archived:   w.Archived,
		ArchivedAt: time.Time(w.ArchivedAt),
	}
	for k, v := range w.Properties {
		o.Properties[k] = string(v)
	}
	return o
}

// batchAnswer is the answer of the object and association batch endpoints (200 or 207).
type batchAnswer[T any] struct {
	Status    string        `json:"status"`
	Results   []T           `json:"results"`
	NumErrors int           `json:"numErrors"`
	Errors    []errorDetail `json:"errors"`
}

type idInput struct {
	ID    string `json:"id"`
	After string `json:"after,omitempty"`
}

// GetObject reads one live record. A missing or deleted record is an apierr.NotFound error,
// whatever the 404's body.
//
// The answer's ID is the record HubSpot answered with, which differs from id when id was merged
// away: HubSpot answers an old id with the merge's survivor, without a redirect. So a caller tells
// a merge by comparing the two.
func (c *Client) GetObject(ctx context.Context, objectType, id string, properties []string) (*Object, error) {
	return c.getObject(ctx, objectType, id, properties, false)
}

// GetArchivedObject reads one deleted (archived) record, with Archived set; a live or unknown
// record is an apierr.NotFound error.
func (c *Client) GetArchivedObject(ctx context.Context, objectType, id string, properties []string) (*Object, error) {
	return c.getObject(ctx, objectType, id, properties, true)
}

// GetObjectIncludingArchived reads one record whether it is live or deleted: Archived tells which.
// It asks for the live record first and for the archived one only when that is not found, so a
// deleted record costs two calls. A record in neither state is an apierr.NotFound error.
func (c *Client) GetObjectIncludingArchived(ctx context.Context, objectType, id string, properties []string) (*Object, error) {
	o, err := c.GetObject(ctx, objectType, id, properties)
	if apierr.Is(err, apierr.NotFound) {
		return c.GetArchivedObject(ctx, objectType, id, properties)
	}
	return o, err
}

func (c *Client) getObject(ctx context.Context, objectType, id string, properties []string, archived bool) (*Object, error) {
	path := c.objectsPath + "/" + escape(objectType) + "/" + escape(id)
	if objectType == "" || id == "" {
		return nil, c.invalid(http.MethodGet, path, "object type and id are required")
	}
	q := url.Values{}
	if len(properties) > 0 {
		q.Set("properties", strings.Join(properties, ","))
	}
	if archived {
		q.Set("archived", "true")
	}
	var w wireObject
	if status, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q}, &w); err != nil {
		return nil, err
	} else if w.ID == "" {
		// A 2xx "null" or "{}" decodes without error; taken as a record it would read as a contact
		// with every property empty (so "not checked"), which is not what HubSpot said.
		return nil, c.decodeError(request{method: http.MethodGet, path: path}, status, "the response holds no record id")
	}
	o := w.object()
	return &o, nil
}

// BatchReadObjects reads records by id, 100 per call. Ids HubSpot reports as not found are
// returned in missing, not as an error. Empty and repeated ids are dropped.
func (c *Client) BatchReadObjects(ctx context.Context, objectType string, ids, properties []string) (found []Object, missing []string, err error) {
	path := c.objectsPath + "/" + escape(objectType) + "/batch/read"
	if objectType == "" {
		return nil, nil, c.invalid(http.MethodPost, path, "object type is required")
	}
	type body struct {
		Properties []string  `json:"properties,omitempty"`
		Inputs     []idInput `json:"inputs"`
	}
	req := request{method: http.MethodPost, path: path}
	for _, chunk := range chunks(uniqueIDs(ids), batchSize) {
		in := body{Properties: properties, Inputs: make([]idInput, len(chunk))}
		for i, id := range chunk {
			in.Inputs[i] = idInput{ID: id}
		}
		req.body = in
		var ans batchAnswer[wireObject]
		status, err := c.do(ctx, req, &ans)
		if err != nil {
			return found, missing, err
		}
		for _, w := range ans.Results {
			found = append(found, w.object())
		}
		var other []errorDetail
		for _, e := range ans.Errors {
			if e.Category == "OBJECT_NOT_FOUND" {
				missing = append(missing, e.contextValues("ids")...)
				continue
			}
			other = append(other, e)
		}
		if len(other) > 0 {
			return found, missing, c.batchError(req, status, other)
		}
	}
	return found, uniqueIDs(missing), nil
}

// UpdateObject sets properties on one record and returns the record as HubSpot answered it.
func (c *Client) UpdateObject(ctx context.Context, objectType, id string, props map[string]string) (*Object, error) {
	path := c.objectsPath + "/" + escape(objectType) + "/" + escape(id)
	if objectType == "" || id == "" {
		return nil, c.invalid(http.MethodPatch, path, "object type and id are required")
	}
	if props == nil {
		props = map[string]string{}
	}
	var w wireObject
	req := request{method: http.MethodPatch, path: path, body: map[string]any{"properties": props}}
	if _, err := c.do(ctx, req, &w); err != nil {
		return nil, err
	}
	o := w.object()
	return &o, nil
}

// BatchUpdateObjects sets properties on many records, 100 per call. It stops at the first call
// that fails; earlier calls stay applied.
func (c *Client) BatchUpdateObjects(ctx context.Context, objectType string, inputs []BatchUpdateInput) error {
	path := c.objectsPath + "/" + escape(objectType) + "/batch/update"
	if objectType == "" {
		return c.invalid(http.MethodPost, path, "object type is required")
	}
	batch := make([]BatchUpdateInput, len(inputs))
	for i, in := range inputs {
		if in.ID == "" {
			return c.invalid(http.MethodPost, path, "every input needs an id")
		}
		if in.Properties == nil {
			in.Properties = map[string]string{}
		}
		batch[i] = in
	}
	req := request{method: http.MethodPost, path: path}
	for _, chunk := range chunks(batch, batchSize) {
		req.body = map[string]any{"inputs": chunk}
		var ans batchAnswer[wireObject]
		status, err := c.do(ctx, req, &ans)
		if err != nil {
			return err
		}
		if len(ans.Errors) > 0 {
			return c.batchError(req, status, ans.Errors)
		}
	}
	return nil
}

// batchError reports the errors of a 207 answer that are real failures. When all of them are
// "not found", the kind is NotFound and the details list the ids.
func (c *Client) batchError(req request, status int, errs []errorDetail) *apierr.Error {
	e := c.core.Fail(c.exchange(req), apierr.NotFound, status, c.secrets.Clean(errs[0].Message, maxMessageRunes))
	e.Category = errs[0].Category
	for _, d := range errs {
		if d.Category != "OBJECT_NOT_FOUND" {
			e.Kind, e.Category, e.Message = apierr.Validation, d.Category, c.secrets.Clean(d.Message, maxMessageRunes)
		}
		detail := d.Message
		if ids := d.contextValues("ids"); len(ids) > 0 {
			detail = strings.Join(ids, ", ") + ": " + detail
		}
		e.Details = append(e.Details, c.secrets.Clean(detail, maxMessageRunes))
	}
	if len(errs) > 1 {
		e.Message += " (and more)"
	}
	return e
}
