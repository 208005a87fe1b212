package clientsuccess

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Contact is a person on a client. The same email may exist under several clients.
//
// PUT replaces the whole record: a field left empty here is cleared on the server. To change one
// field, GetContact, change it, UpdateContact: the fields the struct does not type travel in Extra,
// so the update sends back everything it read (see contact_json.go for the wire rules).
type Contact struct {
	ID                int64              `json:"id,omitempty"`
	UUID              string             `json:"uuid,omitempty"`
	ClientID          int64              `json:"clientId,omitempty"`
	StatusID          *int               `json:"statusId,omitempty"`
	Email             string             `json:"email,omitempty"`
	Phone             string             `json:"phone,omitempty"`
	Mobile            string             `json:"mobile,omitempty"`
	Title             string             `json:"title,omitempty"`
	FirstName         string             `json:"firstName,omitempty"`
	LastName          string             `json:"lastName,omitempty"`
	ExternalID        string             `json:"externalId,omitempty"` // the sync stores the HubSpot contact id here
	ExecutiveSponsor  bool               `json:"executiveSponsor"`
	Champion          bool               `json:"champion"`
	KeyContact        bool               `json:"keyContact"`
	CustomFieldValues []CustomFieldValue `json:"customFieldValues,omitempty"`
	Name              string             `json:"name,omitempty"` // full name, as ClientSuccess shows it
	// Extra holds every other key of the record exactly as read, null included (linkedinUrl, note,
	// advocate, address fields, and any ClientSuccess adds later). It is written back after the typed
	// fields and never overrides one. Delete a key to clear that field on the next update.
	Extra map[string]json.RawMessage `json:"-"`
}

// ContactHit is one result of SearchContacts: a summary without externalId or custom fields.
type ContactHit struct {
	ClientID  int64  `json:"clientId"`
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Title     string `json:"title"`
	Phone     string `json:"phone"`
	Mobile    string `json:"mobile"`
}

// ListContacts lists a client's contacts (the whole list: v1 has no paging).
func (a *API) ListContacts(ctx context.Context, clientID int64) ([]Contact, error) {
	var out []Contact
	req := request{method: http.MethodGet, path: idPath("/clients/", clientID, "/contacts")}
	if data, err := a.do(ctx, req, &out); err != nil {
		return nil, err
	} else if isNull(data) {
		// Not a documented answer. Read as "no contacts" it would let the sync create a duplicate
		// beside a record it already has there.
		return nil, a.decodeError(req, http.StatusOK, "the response is null, not a list")
	}
	for i := range out {
		if out[i].ClientID == 0 {
			out[i].ClientID = clientID
		}
	}
	return out, nil
}

// GetContact returns one contact's full detail, custom fields included; an unknown contact is a
// NotFound error.
func (a *API) GetContact(ctx context.Context, clientID, contactID int64) (*Contact, error) {
	req := request{method: http.MethodGet, path: idPath("/clients/", clientID, "/contacts/", contactID, "/details")}
	c, err := one[Contact](ctx, a, req, "Contact not found")
	if err != nil {
		return nil, err
	}
	if c.ClientID == 0 {
		c.ClientID = clientID
	}
	return c, nil
}

// FindContact returns the contact with this email (matched case-insensitively) on the client whose
// externalId is clientExternalID, or (nil, nil) when there is none. Other errors, a 404 included,
// are returned.
func (a *API) FindContact(ctx context.Context, clientExternalID, email string) (*Contact, error) {
	req := request{method: http.MethodGet, path: "/contacts", query: url.Values{"clientExternalId": {clientExternalID}, "email": {email}}}
	var out *Contact
	data, err := a.do(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	if isNull(data) {
		return nil, nil
	}
	if err := a.decode(req, http.StatusOK, data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SearchContacts searches contacts across all clients. The match is loose (ClientSuccess matches
// parts of emails and names), so callers must filter the hits exactly themselves.
func (a *API) SearchContacts(ctx context.Context, term string) ([]ContactHit, error) {
	var out []ContactHit
	req := request{method: http.MethodGet, path: "/contacts/search", query: url.Values{"term": {term}}}
	if data, err := a.do(ctx, req, &out); err != nil {
		return nil, err
	} else if isNull(data) {
		// As for ListContacts: "no hits" would hide records the sync owns on other clients.
		return nil, a.decodeError(req, http.StatusOK, "the response is null, not a list")
	}
	return out, nil
}

// CreateContact creates a contact on the client and returns it as stored (with its id and uuid).
// The keys ClientSuccess manages itself are dropped first (see ForCreate); everything else is sent.
func (a *API) CreateContact(ctx context.Context, clientID int64, c Contact) (*Contact, error) {
	c = c.ForCreate()
	c.ClientID = clientID
	req := request{method: http.MethodPost, path: idPath("/clients/", clientID, "/contacts"), body: c}
	return one[Contact](ctx, a, req, "")
}

// UpdateContact replaces contact c.ID on the client with c: fields left empty are cleared. Read it
// first with GetContact and change only what you mean to.
func (a *API) UpdateContact(ctx context.Context, clientID int64, c Contact) (*Contact, error) {
	path := idPath("/clients/", clientID, "/contacts/", c.ID, "/details")
	if c.ID == 0 {
		return nil, invalid(a, http.MethodPut, path, "UpdateContact needs the contact's id")
	}
	c.ClientID = clientID
	return one[Contact](ctx, a, request{method: http.MethodPut, path: path, body: c}, "")
}

// DeleteContact deletes a contact. A contact that does not exist is a NotFound error; the caller
// decides whether that counts as done.
func (a *API) DeleteContact(ctx context.Context, clientID, contactID int64) error {
	_, err := a.do(ctx, request{method: http.MethodDelete, path: idPath("/clients/", clientID, "/contacts/", contactID)}, nil)
	return err
}

// ListContactCustomFields lists the definitions of the contact custom fields.
func (a *API) ListContactCustomFields(ctx context.Context) ([]CustomField, error) {
	var out []CustomField
	if _, err := a.do(ctx, request{method: http.MethodGet, path: "/contact-custom-fields"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}
