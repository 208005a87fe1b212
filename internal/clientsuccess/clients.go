package clientsuccess

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/cssync/cssync/internal/apierr"
)

// Client is a ClientSuccess client (a customer account). List calls return summaries, in which
// the detail-only fields (statusId, crmCustomerId, crmCustomerUrl, customFieldValues) may be empty.
//
// PUT replaces the whole record: a field left empty here is cleared on the server. To change one
// field, GetClient, change it, UpdateClient.
type Client struct {
	ID                  int64              `json:"id,omitempty"`
	Name                string             `json:"name,omitempty"`
	StatusID            int                `json:"statusId,omitempty"` // one of ListClientStatuses; 0 = none
	Active              bool               `json:"active"`
	ExternalID          string             `json:"externalId,omitempty"` // the sync stores the HubSpot deal id here
	CrmCustomerID       string             `json:"crmCustomerId,omitempty"`
	CrmCustomerURL      string             `json:"crmCustomerUrl,omitempty"`
	SuccessScore        *float64           `json:"successScore,omitempty"`
	ManagedByEmployeeID *int64             `json:"managedByEmployeeId,omitempty"`
	ClientSegmentID     *int64             `json:"clientSegmentId,omitempty"`
	CustomFieldValues   []CustomFieldValue `json:"customFieldValues,omitempty"`
}

// Status is a client status, such as {1, "A", "Active"}.
type Status struct {
	ID          int    `json:"id"`
	Code        string `json:"code"`
	Description string `json:"description"`
}

// CustomFieldValue is one custom field's value on a client or contact.
type CustomFieldValue struct {
	FieldID int64  `json:"fieldId"`
	Name    string `json:"name,omitempty"`
	Label   string `json:"label,omitempty"`
	// Value is the raw JSON value, whose shape depends on Type: a string for STRING and DATE, a
	// number for INTEGER and DECIMAL, a boolean for BOOLEAN, or null. It is passed through as is.
	Value json.RawMessage `json:"value,omitempty"`
	Type  string          `json:"type,omitempty"` // STRING, INTEGER, DECIMAL, BOOLEAN or DATE
}

// CustomField is the definition of a custom field.
type CustomField struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Label string `json:"label"`
	Type  string `json:"type"`
}

// ListClients lists all clients (summaries), or only the active ones. v1 has no paging: the answer
// is the whole list.
func (a *API) ListClients(ctx context.Context, activeOnly bool) ([]Client, error) {
	req := request{method: http.MethodGet, path: "/clients"}
	if activeOnly {
		req.query = url.Values{"activeOnly": {"true"}}
	}
	var out []Client
	if _, err := a.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetClient returns one client's full detail; an unknown id is a NotFound error.
func (a *API) GetClient(ctx context.Context, id int64) (*Client, error) {
	return one[Client](ctx, a, request{method: http.MethodGet, path: idPath("/clients/", id)}, "Client not found")
}

// GetClientByExternalID returns the client whose externalId is externalID (ClientSuccess matches
// it case-insensitively); none is a NotFound error.
func (a *API) GetClientByExternalID(ctx context.Context, externalID string) (*Client, error) {
	req := request{method: http.MethodGet, path: "/clients", query: url.Values{"externalId": {externalID}}}
	return one[Client](ctx, a, req, "Client not found")
}

// CreateClient creates a client and returns it as stored (with its id).
func (a *API) CreateClient(ctx context.Context, c Client) (*Client, error) {
	c.ID = 0
	return one[Client](ctx, a, request{method: http.MethodPost, path: "/clients", body: c}, "")
}

// UpdateClient replaces client c.ID with c: fields left empty are cleared. Read it first with
// GetClient and change only what you mean to.
func (a *API) UpdateClient(ctx context.Context, c Client) (*Client, error) {
	if c.ID == 0 {
		return nil, invalid(a, http.MethodPut, "/clients/0", "UpdateClient needs the client's id")
	}
	return one[Client](ctx, a, request{method: http.MethodPut, path: idPath("/clients/", c.ID), body: c}, "")
}

// ListClientStatuses lists the client statuses a client's statusId may take.
func (a *API) ListClientStatuses(ctx context.Context) ([]Status, error) {
	var out []Status
	if _, err := a.do(ctx, request{method: http.MethodGet, path: "/client-statuses"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// one makes a call answered with one object. A 2xx "null" is a NotFound error with message
// notFoundMsg for a lookup, and a Decode error for a write (notFoundMsg "").
func one[T any](ctx context.Context, a *API, req request, notFoundMsg string) (*T, error) {
	var out *T
	if _, err := a.do(ctx, req, &out); err != nil {
		return nil, err
	}
	if out == nil {
		if notFoundMsg == "" {
			return nil, a.decodeError(req, http.StatusOK, "the response is null")
		}
		return nil, notFound(a, req, notFoundMsg)
	}
	return out, nil
}

// notFound is a documented "none" answer that came as a 2xx.
func notFound(a *API, req request, msg string) *apierr.Error {
	return a.core.Fail(a.exchange(req, ""), apierr.NotFound, http.StatusOK, msg)
}

// invalid is a call refused before it was sent, because its arguments cannot be right.
func invalid(a *API, method, path, msg string) *apierr.Error {
	return a.core.Invalid(method, path, msg)
}
