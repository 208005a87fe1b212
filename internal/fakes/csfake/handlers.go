package csfake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/clientsuccess"
)

// maxRequestBody bounds a request body the fake reads.
const maxRequestBody = 1 << 20

// The wire shapes below render every field, with null for empty values, as the API does.

type clientSummaryJSON struct {
	ID                  int64    `json:"id"`
	Name                *string  `json:"name"`
	ExternalID          *string  `json:"externalId"`
	StatusID            *int     `json:"statusId"`
	Active              bool     `json:"active"`
	SuccessScore        *float64 `json:"successScore"`
	ManagedByEmployeeID *int64   `json:"managedByEmployeeId"`
	ClientSegmentID     *int64   `json:"clientSegmentId"`
}

type clientJSON struct {
	clientSummaryJSON
	CrmCustomerID     *string                          `json:"crmCustomerId"`
	CrmCustomerURL    *string                          `json:"crmCustomerUrl"`
	CustomFieldValues []clientsuccess.CustomFieldValue `json:"customFieldValues"`
}

type hitJSON struct {
	ClientID  int64   `json:"clientId"`
	ID        int64   `json:"id"`
	Email     *string `json:"email"`
	FirstName *string `json:"firstName"`
	LastName  *string `json:"lastName"`
	Title     *string `json:"title"`
	Phone     *string `json:"phone"`
	Mobile    *string `json:"mobile"`
}

// str is nil for "" so it renders as null.
func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func summaryOf(c *clientsuccess.Client) clientSummaryJSON {
	out := clientSummaryJSON{
		ID: c.ID, Name: str(c.Name), ExternalID: str(c.ExternalID), Active: c.Active,
		SuccessScore: clonePtr(c.SuccessScore), ManagedByEmployeeID: clonePtr(c.ManagedByEmployeeID),
		ClientSegmentID: clonePtr(c.ClientSegmentID),
	}
	if c.StatusID != 0 {
		id := c.StatusID
		out.StatusID = &id
	}
	return out
}

func clientOf(c *clientsuccess.Client) clientJSON {
	vals := copyValues(c.CustomFieldValues)
	if vals == nil {
		vals = []clientsuccess.CustomFieldValue{}
	}
	return clientJSON{clientSummaryJSON: summaryOf(c), CrmCustomerID: str(c.CrmCustomerID),
		CrmCustomerURL: str(c.CrmCustomerURL), CustomFieldValues: vals}
}

// pathID reads a numeric path wildcard; false when it is not a positive integer.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// readBody decodes a JSON request body into v, answering 400 when it cannot.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, userMessage("The request body is not valid JSON: "+err.Error()))
		return false
	}
	return true
}

func (s *Server) getClients(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if q.Has("externalId") {
		ids := s.clientsByExternalIDLocked(q.Get("externalId"))
		if len(ids) == 0 {
			writeJSON(w, http.StatusNotFound, userMessage("Client not found"))
			return
		}
		writeJSON(w, http.StatusOK, clientOf(s.clients[ids[0]]))
		return
	}
	activeOnly := strings.EqualFold(q.Get("activeOnly"), "true")
	out := make([]clientSummaryJSON, 0, len(s.clients))
	for _, id := range sortedIDs(s.clients) {
		if c := s.clients[id]; !activeOnly || c.Active {
			out = append(out, summaryOf(c))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getClient(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r, "id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Client not found"))
		return
	}
	writeJSON(w, http.StatusOK, clientOf(c))
}

func (s *Server) postClient(w http.ResponseWriter, r *http.Request) {
	var c clientsuccess.Client
	if !readBody(w, r, &c) {
		return
	}
	c.ID = 0
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectStatusLocked(w, c.StatusID) {
		return
	}
	stored := s.putClientLocked(c)
	s.wrote()
	writeJSON(w, http.StatusCreated, clientOf(stored))
}

// rejectStatusLocked answers 417, as ClientSuccess does, when a client's statusId is not one of
// the statuses; 0 (not sent) is accepted.
func (s *Server) rejectStatusLocked(w http.ResponseWriter, statusID int) bool {
	if statusID == 0 || s.validStatusLocked(statusID) {
		return false
	}
	writeJSON(w, http.StatusExpectationFailed, userMessage(fmt.Sprintf("Invalid statusId %d", statusID)))
	return true
}

// putClient replaces a client: fields not sent become empty.
func (s *Server) putClient(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r, "id")
	var c clientsuccess.Client
	if !readBody(w, r, &c) {
		return
	}
	c.ID = id
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[id]; !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Client not found"))
		return
	}
	if s.rejectStatusLocked(w, c.StatusID) {
		return
	}
	stored := s.putClientLocked(c)
	s.wrote()
	writeJSON(w, http.StatusOK, clientOf(stored))
}

func (s *Server) getStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	writeJSON(w, http.StatusOK, s.statuses)
}

func (s *Server) getCustomFields(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := s.customFields
	if out == nil {
		out = []clientsuccess.CustomField{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getContacts(w http.ResponseWriter, r *http.Request) {
	cid, _ := pathID(r, "cid")
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.clients[cid]; !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Client not found"))
		return
	}
	recs := s.byClient[cid]
	out := make([]map[string]any, 0, len(recs))
	for _, id := range sortedIDs(recs) {
		out = append(out, contactOf(&recs[id].c))
	}
	writeJSON(w, http.StatusOK, out)
}

// contactLocked finds a contact on a client.
func (s *Server) contactLocked(r *http.Request) (*contactRec, bool) {
	cid, _ := pathID(r, "cid")
	id, _ := pathID(r, "id")
	rec, ok := s.byClient[cid][id]
	return rec, ok
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.contactLocked(r)
	if !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Contact not found"))
		return
	}
	writeJSON(w, http.StatusOK, contactOf(&rec.c))
}

// contactProblemLocked is the 400 message for a contact the API would refuse, or "": an email
// without "@", a standard field of the wrong type (see extraProblem), or a custom value whose field
// is not defined or whose JSON does not fit the field's type (a string for STRING and DATE, a
// number for DECIMAL, a whole number for INTEGER, a boolean for BOOLEAN; null clears any).
// A contact's statusId is not checked: the API notes document the 417 for clients only.
func (s *Server) contactProblemLocked(c clientsuccess.Contact) string {
	if !validEmail(c.Email) {
		return "Please enter a valid email address"
	}
	if msg := extraProblem(c.Extra); msg != "" {
		return msg
	}
	for _, v := range c.CustomFieldValues {
		i := slices.IndexFunc(s.customFields, func(d clientsuccess.CustomField) bool { return d.ID == v.FieldID })
		if i < 0 {
			return fmt.Sprintf("Unknown custom field %d", v.FieldID)
		}
		if typ := s.customFields[i].Type; !fitsType(typ, v.Value) {
			return fmt.Sprintf("Invalid value %s for %s field %q", v.Value, typ, s.customFields[i].Label)
		}
	}
	return ""
}

// rejectContactLocked answers 400 when contactProblemLocked finds a problem; it reports whether it answered.
func (s *Server) rejectContactLocked(w http.ResponseWriter, c clientsuccess.Contact) bool {
	msg := s.contactProblemLocked(c)
	if msg != "" {
		writeJSON(w, http.StatusBadRequest, userMessage(msg))
	}
	return msg != ""
}

func fitsType(typ string, raw json.RawMessage) bool {
	if len(raw) == 0 {
		return true
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false
	}
	if v == nil {
		return true
	}
	switch typ {
	case "STRING":
		_, ok := v.(string)
		return ok
	case "DATE":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse("2006-01-02", s)
		_, errRFC := time.Parse(time.RFC3339, s)
		return err == nil || errRFC == nil
	case "INTEGER":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "DECIMAL":
		_, ok := v.(float64)
		return ok
	case "BOOLEAN":
		_, ok := v.(bool)
		return ok
	}
	return true
}

// validEmail is the fake's check: an email, when given, must contain "@".
func validEmail(email string) bool { return email == "" || strings.Contains(email, "@") }

// postContact creates a contact with every field sent, keys the fake does not know included.
func (s *Server) postContact(w http.ResponseWriter, r *http.Request) {
	cid, _ := pathID(r, "cid")
	var c clientsuccess.Contact
	if !readBody(w, r, &c) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[cid]; !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Client not found"))
		return
	}
	if s.rejectContactLocked(w, c) {
		return
	}
	c.ID, c.UUID, c.ClientID = 0, "", cid
	rec := s.putContactLocked(c)
	s.wrote()
	writeJSON(w, http.StatusOK, contactOf(&rec.c))
}

// putContact replaces a contact: fields not sent become null (flags false), keys the fake does not
// know are stored as sent; id, uuid and client stay.
func (s *Server) putContact(w http.ResponseWriter, r *http.Request) {
	var c clientsuccess.Contact
	if !readBody(w, r, &c) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.contactLocked(r)
	if !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Contact not found"))
		return
	}
	if s.rejectContactLocked(w, c) {
		return
	}
	c.ID, c.UUID, c.ClientID = rec.c.ID, rec.c.UUID, rec.c.ClientID
	rec = s.putContactLocked(c)
	s.wrote()
	writeJSON(w, http.StatusOK, contactOf(&rec.c))
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.contactLocked(r)
	if !ok {
		writeJSON(w, http.StatusNotFound, userMessage("Contact not found"))
		return
	}
	s.deleteContactLocked(rec.c.ID)
	s.wrote()
	w.WriteHeader(http.StatusNoContent)
}

// findContact answers one contact by client externalId and email, or 200 with body null.
func (s *Server) findContact(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ext, email := q.Get("clientExternalId"), q.Get("email")
	if ext == "" || email == "" {
		writeJSON(w, http.StatusBadRequest, userMessage("clientExternalId and email are required"))
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, cid := range s.clientsByExternalIDLocked(ext) {
		recs := s.byClient[cid]
		for _, id := range sortedIDs(recs) {
			if strings.EqualFold(recs[id].c.Email, email) {
				writeJSON(w, http.StatusOK, contactOf(&recs[id].c))
				return
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("null"))
}

// searchContacts answers the loose search across all clients, as summaries without externalId.
func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	found := s.searchLocked(r.URL.Query().Get("term"))
	s.mu.RUnlock()
	out := make([]hitJSON, 0, len(found))
	for _, c := range found {
		out = append(out, hitJSON{ClientID: c.ClientID, ID: c.ID, Email: str(c.Email), FirstName: str(c.FirstName),
			LastName: str(c.LastName), Title: str(c.Title), Phone: str(c.Phone), Mobile: str(c.Mobile)})
	}
	writeJSON(w, http.StatusOK, out)
}
