package hubspotfake

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cssync/cssync/internal/hubspot"
)

// Merges, as HubSpot does them today: the merge creates a new record with a new id (higher than
// any the type has used), and both old ids point at it from then on.
//   - Properties: the primary's values win; the secondary's fill what the primary lacks.
//     createdate is the older of the two; the last-modified property moves forward.
//   - hs_merged_object_ids lists, in id order and ";"-separated, both old ids and every id merged
//     into either before, so a chain of merges accumulates them.
//   - Associations are the union of both records'.
//   - An old id answers GET and PATCH (single and batch) with the survivor, whose "id" is its own,
//     not the one asked for; HubSpot sends no redirect. A batch read naming several ids of one
//     survivor answers it once. Association reads by an old id answer the survivor's associations
//     under the id asked for. Old ids never appear in search again.
//   - Every test helper taking an id (Get, Put, Delete, Restore, Merge) resolves an old id the same way.

// Merge merges two contacts and returns the survivor's id. It panics when either id is unknown or
// both name the same record: a test that does that has a bug.
func (s *Server) Merge(primaryID, secondaryID string) (survivorID string) {
	return s.merge("contacts", primaryID, secondaryID)
}

// MergeCompanies merges two companies as Merge merges contacts.
func (s *Server) MergeCompanies(primaryID, secondaryID string) (survivorID string) {
	return s.merge("companies", primaryID, secondaryID)
}

func (s *Server) merge(typ, primaryID, secondaryID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.objects[typ]
	primary, secondary := store.records[store.resolve(primaryID)], store.records[store.resolve(secondaryID)]
	if primary == nil || secondary == nil || primary == secondary {
		panic(fmt.Sprintf("hubspotfake: cannot merge %s %q into %q: each must be a different live record", typ, secondaryID, primaryID))
	}
	survivor := &record{id: store.newID(), props: maps.Clone(secondary.props)}
	maps.Copy(survivor.props, primary.props)
	survivor.created, survivor.updated = primary.created, primary.updated
	if secondary.created.Before(survivor.created) {
		survivor.created = secondary.created
	}
	if secondary.updated.After(survivor.updated) {
		survivor.updated = secondary.updated
	}
	survivor.props["hs_object_id"] = survivor.id
	survivor.props["createdate"] = formatTime(survivor.created)
	survivor.props["hs_merged_object_ids"] = mergedObjectIDs(primary, secondary)
	touch(typ, survivor)

	for _, old := range []*record{primary, secondary} {
		store.remove(old.id)
		for id, to := range store.mergedInto {
			if to == old.id {
				store.mergedInto[id] = survivor.id
			}
		}
		store.mergedInto[old.id] = survivor.id
		s.moveLinks(recordKey{typ, old.id}, recordKey{typ, survivor.id})
	}
	store.insert(survivor, false)
	// HubSpot's contact.merge names the new record (objectId, newObjectId), the primary and the
	// other merged ids.
	s.raise(typ, "merge", survivor.updated, hubspot.WebhookEvent{ObjectID: hubspot.WebhookID(survivor.id),
		NewObjectID: hubspot.WebhookID(survivor.id), PrimaryObjectID: hubspot.WebhookID(primary.id),
		MergedObjectIDs: []hubspot.WebhookID{hubspot.WebhookID(secondary.id)}, ChangeSource: "CRM_UI"})
	return survivor.id
}

// mergedObjectIDs is the survivor's hs_merged_object_ids: the merged records' ids and the ids
// they had absorbed, in id order.
func mergedObjectIDs(merged ...*record) string {
	var ids []string
	for _, rec := range merged {
		ids = append(ids, rec.id)
		if prev := rec.props["hs_merged_object_ids"]; prev != "" {
			ids = append(ids, strings.Split(prev, ";")...)
		}
	}
	slices.SortFunc(ids, compareIDs)
	return strings.Join(slices.Compact(ids), ";")
}

// newID is one more than the highest numeric id the type has used: live, archived or merged away.
func (o *objectStore) newID() string {
	var top uint64
	consider := func(id string) {
		if n, err := strconv.ParseUint(id, 10, 64); err == nil && n > top {
			top = n
		}
	}
	for id := range o.records {
		consider(id)
	}
	for id := range o.archived {
		consider(id)
	}
	for id := range o.mergedInto {
		consider(id)
	}
	return strconv.FormatUint(top+1, 10)
}

// moveLinks gives to every association of from, in both directions, and removes from's. Call
// with s.mu held.
func (s *Server) moveLinks(from, to recordKey) {
	for toType, links := range s.links[from] {
		for toID, l := range links {
			for _, t := range l.types {
				s.addLink(to, toType, toID, t)
				s.addLink(recordKey{toType, toID}, to.typ, to.id, reverseTypeID(from.typ, toType, t))
			}
		}
	}
	s.dropLinks(from)
}
