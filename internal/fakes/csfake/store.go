package csfake

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/cssync/cssync/internal/clientsuccess"
)

// Fixture is a data set to seed the fake with.
type Fixture struct {
	Clients  []clientsuccess.Client  `json:"clients"`
	Contacts []clientsuccess.Contact `json:"contacts"`
	// Statuses replace the client statuses when given; New starts with DefaultStatuses.
	Statuses []clientsuccess.Status `json:"statuses,omitempty"`
	// ContactCustomFields replace the contact custom field definitions when given.
	ContactCustomFields []clientsuccess.CustomField `json:"contactCustomFields,omitempty"`
}

// LoadFixture reads a Fixture from a JSON file.
func LoadFixture(path string) (Fixture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Fixture{}, fmt.Errorf("reading the ClientSuccess fixture: %w", err)
	}
	var f Fixture
	if err := json.Unmarshal(b, &f); err != nil {
		return Fixture{}, fmt.Errorf("decoding the ClientSuccess fixture %s: %w", path, err)
	}
	return f, nil
}

// Seed adds the fixture's records, replacing any with the same id. Records keep their ids; a zero
// id (and an empty contact uuid) is assigned. Contacts are stored under their ClientID.
func (s *Server) Seed(f Fixture) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(f.Statuses) > 0 {
		s.statuses = slices.Clone(f.Statuses)
	}
	if len(f.ContactCustomFields) > 0 {
		s.customFields = slices.Clone(f.ContactCustomFields)
	}
	for _, c := range f.Clients {
		s.putClientLocked(copyClient(c))
	}
	for _, c := range f.Contacts {
		s.putContactLocked(copyContact(c))
	}
}

// Contacts returns copies of all contacts, sorted by id.
func (s *Server) Contacts() []clientsuccess.Contact {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]clientsuccess.Contact, 0, len(s.contacts))
	for _, id := range sortedIDs(s.contacts) {
		out = append(out, copyContact(s.contacts[id].c))
	}
	return out
}

// ContactsOf returns copies of one client's contacts, sorted by id.
func (s *Server) ContactsOf(clientID int64) []clientsuccess.Contact {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.contactsOfLocked(clientID)
}

func (s *Server) contactsOfLocked(clientID int64) []clientsuccess.Contact {
	recs := s.byClient[clientID]
	out := make([]clientsuccess.Contact, 0, len(recs))
	for _, id := range sortedIDs(recs) {
		out = append(out, copyContact(recs[id].c))
	}
	return out
}

// Client returns a copy of one client.
func (s *Server) Client(id int64) (clientsuccess.Client, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	if !ok {
		return clientsuccess.Client{}, false
	}
	return copyClient(*c), true
}

// ClientByExternalID returns the lowest-id client whose externalId is externalID (case-insensitive),
// as GET /v1/clients?externalId= answers it.
func (s *Server) ClientByExternalID(externalID string) (clientsuccess.Client, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.clientsByExternalIDLocked(externalID)
	if len(ids) == 0 {
		return clientsuccess.Client{}, false
	}
	return copyClient(*s.clients[ids[0]]), true
}

// ClientsByExternalID returns copies of every client whose externalId is externalID
// (case-insensitive), by id: a sync that made two clients for one deal shows here.
func (s *Server) ClientsByExternalID(externalID string) []clientsuccess.Client {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []clientsuccess.Client
	for _, id := range s.clientsByExternalIDLocked(externalID) {
		out = append(out, copyClient(*s.clients[id]))
	}
	return out
}

// AddClient stores a client (replacing one with the same id; a zero id is assigned) and returns it.
func (s *Server) AddClient(c clientsuccess.Client) clientsuccess.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := s.putClientLocked(copyClient(c))
	return copyClient(*stored)
}

// DeleteClient deletes a client and all its contacts.
func (s *Server) DeleteClient(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok {
		s.unindexClientLocked(c)
		delete(s.clients, id)
	}
	for cid := range s.byClient[id] {
		s.deleteContactLocked(cid)
	}
	delete(s.byClient, id)
}

// putClientLocked stores c, assigning an id when it has none.
func (s *Server) putClientLocked(c clientsuccess.Client) *clientsuccess.Client {
	if c.ID == 0 {
		c.ID = s.nextClient
	}
	s.nextClient = max(s.nextClient, c.ID+1)
	if old, ok := s.clients[c.ID]; ok {
		s.unindexClientLocked(old)
	}
	stored := &c
	s.clients[c.ID] = stored
	if c.ExternalID != "" {
		k := lower(c.ExternalID)
		if s.byExternalID[k] == nil {
			s.byExternalID[k] = map[int64]struct{}{}
		}
		s.byExternalID[k][c.ID] = struct{}{}
	}
	return stored
}

func (s *Server) unindexClientLocked(c *clientsuccess.Client) {
	if c.ExternalID == "" {
		return
	}
	k := lower(c.ExternalID)
	delete(s.byExternalID[k], c.ID)
	if len(s.byExternalID[k]) == 0 {
		delete(s.byExternalID, k)
	}
}

// clientsByExternalIDLocked lists the clients with this externalId (case-insensitive), by id.
func (s *Server) clientsByExternalIDLocked(externalID string) []int64 {
	return sortedIDs(s.byExternalID[lower(externalID)])
}

// putContactLocked stores c, assigning an id and uuid when it has none, deriving its name,
// filling custom field metadata from the definitions and keeping the extra fields that have a value.
func (s *Server) putContactLocked(c clientsuccess.Contact) *contactRec {
	if c.ID == 0 {
		c.ID = s.nextContact
	}
	s.nextContact = max(s.nextContact, c.ID+1)
	if c.UUID == "" {
		c.UUID = newUUID()
	}
	if full := strings.TrimSpace(c.FirstName + " " + c.LastName); full != "" {
		c.Name = full
	}
	s.describeFieldsLocked(c.CustomFieldValues)
	c.Extra = storedExtra(c.Extra)
	hay := lower(c.Email) + "\x00" + lower(c.FirstName) + "\x00" + lower(c.LastName)

	if rec, ok := s.contacts[c.ID]; ok {
		if rec.c.ClientID != c.ClientID {
			s.unlinkClientLocked(rec)
			s.linkClientLocked(rec, c.ClientID)
		}
		s.search.update(c.ID, rec.hay, hay)
		rec.c, rec.hay = c, hay
		s.maybeRebuildLocked()
		return rec
	}
	rec := &contactRec{c: c, hay: hay}
	s.contacts[c.ID] = rec
	s.search.update(c.ID, "", hay)
	s.linkClientLocked(rec, c.ClientID)
	return rec
}

func (s *Server) linkClientLocked(rec *contactRec, clientID int64) {
	if s.byClient[clientID] == nil {
		s.byClient[clientID] = map[int64]*contactRec{}
	}
	s.byClient[clientID][rec.c.ID] = rec
}

func (s *Server) unlinkClientLocked(rec *contactRec) {
	m := s.byClient[rec.c.ClientID]
	delete(m, rec.c.ID)
	if len(m) == 0 {
		delete(s.byClient, rec.c.ClientID)
	}
}

// deleteContactLocked removes a contact from every index; false when it does not exist.
func (s *Server) deleteContactLocked(id int64) bool {
	rec, ok := s.contacts[id]
	if !ok {
		return false
	}
	delete(s.contacts, id)
	s.unlinkClientLocked(rec)
	s.search.remove(rec.hay)
	s.maybeRebuildLocked()
	return true
}

// maybeRebuildLocked rebuilds the search index once more of its entries are stale than live.
func (s *Server) maybeRebuildLocked() {
	if s.search.stale < 1024 || s.search.stale < s.search.entries/2 {
		return
	}
	s.search = newTrigramIndex()
	for id, rec := range s.contacts {
		s.search.update(id, "", rec.hay)
	}
}

// describeFieldsLocked fills in the name, label and type of custom field values from the
// definitions, as the API returns them.
func (s *Server) describeFieldsLocked(vals []clientsuccess.CustomFieldValue) {
	for i := range vals {
		for _, d := range s.customFields {
			if d.ID != vals[i].FieldID {
				continue
			}
			if vals[i].Name == "" {
				vals[i].Name = d.Name
			}
			if vals[i].Label == "" {
				vals[i].Label = d.Label
			}
			if vals[i].Type == "" {
				vals[i].Type = d.Type
			}
		}
	}
}

// searchLocked finds the contacts whose email, first or last name contains term, ignoring case.
func (s *Server) searchLocked(term string) []clientsuccess.Contact {
	t := lower(strings.TrimSpace(term))
	if t == "" {
		return nil
	}
	var out []clientsuccess.Contact
	if ids, ok := s.search.candidates(t); ok {
		seen := make(map[int64]struct{}, len(ids))
		for _, id := range ids {
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			if rec, ok := s.contacts[id]; ok && strings.Contains(rec.hay, t) {
				out = append(out, rec.c)
			}
		}
	} else {
		for _, rec := range s.contacts {
			if strings.Contains(rec.hay, t) {
				out = append(out, rec.c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) validStatusLocked(id int) bool {
	for _, st := range s.statuses {
		if st.ID == id {
			return true
		}
	}
	return false
}

func copyClient(c clientsuccess.Client) clientsuccess.Client {
	c.SuccessScore = clonePtr(c.SuccessScore)
	c.ManagedByEmployeeID = clonePtr(c.ManagedByEmployeeID)
	c.ClientSegmentID = clonePtr(c.ClientSegmentID)
	c.CustomFieldValues = copyValues(c.CustomFieldValues)
	return c
}

func copyContact(c clientsuccess.Contact) clientsuccess.Contact { return c.Clone() }

func copyValues(vs []clientsuccess.CustomFieldValue) []clientsuccess.CustomFieldValue {
	if vs == nil {
		return nil
	}
	out := make([]clientsuccess.CustomFieldValue, len(vs))
	for i, v := range vs {
		v.Value = slices.Clone(v.Value)
		out[i] = v
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
