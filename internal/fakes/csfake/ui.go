package csfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cssync/cssync/internal/clientsuccess"
)

// Helpers for end-to-end tests: what a CSM sees and changes in the ClientSuccess UI. They touch the
// store directly, so the API counters (Calls, Writes) count only what a client did.

// uiReadOnly are the keys a person cannot edit: ClientSuccess assigns them (name is derived from
// firstName and lastName).
var uiReadOnly = []string{"id", "uuid", "clientId", "name"}

// ContactFields returns a contact's full stored object as GET …/details answers it, every field
// included (null, or false for the flags, when empty), decoded as encoding/json decodes into any.
func (s *Server) ContactFields(id int64) (map[string]any, bool) {
	s.mu.RLock()
	rec, ok := s.contacts[id]
	var data []byte
	var err error
	if ok {
		data, err = json.Marshal(contactOf(&rec.c))
	}
	s.mu.RUnlock()
	if !ok {
		return nil, false
	}
	var out map[string]any
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if err != nil {
		panic(fmt.Sprintf("csfake: rendering contact %d: %v", id, err)) // the fake's own output: a bug here
	}
	return out, true
}

// EditContactInUI changes some fields of a contact as a CSM would in the ClientSuccess UI, leaving
// every other field as it is. changes maps field names (typed, standard or any other, such as
// "email" or "linkedinUrl") to their new values; nil clears a field. It fails for an unknown
// contact, a key the UI cannot edit (id, uuid, clientId, name) and a value the API would refuse.
func (s *Server) EditContactInUI(id int64, changes map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.contacts[id]
	if !ok {
		return fmt.Errorf("csfake: no contact %d", id)
	}
	fields := contactOf(&rec.c)
	for k, v := range changes {
		if slices.Contains(uiReadOnly, k) {
			return fmt.Errorf("csfake: %s of contact %d cannot be edited in the UI", k, id)
		}
		fields[k] = v
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("csfake: editing contact %d: %w", id, err)
	}
	var c clientsuccess.Contact
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("csfake: editing contact %d: %w", id, err)
	}
	if msg := s.contactProblemLocked(c); msg != "" {
		return errors.New("csfake: " + msg)
	}
	s.putContactLocked(c)
	return nil
}
