package hubspotfake

import (
	"time"

	"github.com/cssync/cssync/internal/hubspot"
)

// Deletion, as HubSpot does it: a deleted record is archived. It answers 404 to GET, leaves search
// and batch reads (which report it OBJECT_NOT_FOUND), and is read with GET …/{id}?archived=true
// and listed by GET …/{type}?archived=true until it is restored.
//
// Its associations are dropped on delete, so a restored record comes back without them: HubSpot
// does not document that a restore brings them back, and a sync must not count on it.

// Delete archives the record (an id merged away archives its survivor) and drops its
// associations. An unknown id is ignored.
func (s *Server) Delete(objectType, id string) {
	typ := mustType(objectType)
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.objects[typ]
	rec := store.records[store.resolve(id)]
	if rec == nil {
		return
	}
	store.remove(rec.id)
	rec.archivedAt = now()
	store.archived[rec.id] = rec
	s.dropLinks(recordKey{typ, rec.id})
	s.raise(typ, "deletion", rec.archivedAt, hubspot.WebhookEvent{ObjectID: hubspot.WebhookID(rec.id), ChangeSource: "CRM_UI"})
}

// Restore brings an archived record back under its id, with its properties, as HubSpot's restore
// does; its last-modified property moves forward. It reports whether there was one to restore.
func (s *Server) Restore(objectType, id string) bool {
	typ := mustType(objectType)
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.objects[typ]
	rec := store.archived[store.resolve(id)]
	if rec == nil {
		return false
	}
	delete(store.archived, rec.id)
	rec.archivedAt = time.Time{}
	touch(typ, rec)
	store.insert(rec, false)
	s.raise(typ, "restore", rec.updated, hubspot.WebhookEvent{ObjectID: hubspot.WebhookID(rec.id), ChangeSource: "CRM_UI"})
	return true
}

// dropLinks removes every association of a record, in both directions. Call with s.mu held.
func (s *Server) dropLinks(from recordKey) {
	for toType, links := range s.links[from] {
		for toID := range links {
			s.dropLink(recordKey{toType, toID}, from.typ, from.id)
		}
	}
	delete(s.links, from)
}
