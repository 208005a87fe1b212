package hubspotfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// associationPageSize is the most associations HubSpot returns per record and page (v4).
const associationPageSize = 500

type recordKey struct{ typ, id string }

// link is an association from one record to another, with every type linking them.
type link struct {
	toID  string
	types []int
}

type typedPair struct {
	from, to string
	typeID   int
}

// hubspotDefined maps each documented HUBSPOT_DEFINED type to its reverse.
var hubspotDefined = map[typedPair]int{
	{"contacts", "companies", 279}: 280, {"companies", "contacts", 280}: 279,
	{"contacts", "companies", 1}: 2, {"companies", "contacts", 2}: 1, // primary company
	{"contacts", "deals", 4}: 3, {"deals", "contacts", 3}: 4,
	{"deals", "companies", 341}: 342, {"companies", "deals", 342}: 341,
	{"deals", "companies", 5}: 6, {"companies", "deals", 6}: 5, // primary company
}

// defaultTypeID is the unlabelled type between two object types.
var defaultTypeID = map[[2]string]int{
	{"contacts", "companies"}: 279, {"companies", "contacts"}: 280,
	{"contacts", "deals"}: 4, {"deals", "contacts"}: 3,
	{"deals", "companies"}: 341, {"companies", "deals"}: 342,
}

// primaryTypes carry the label "Primary".
var primaryTypes = map[int]bool{1: true, 2: true, 5: true, 6: true}

// reverseTypeID is the type id of the other direction; a user-defined type is its own reverse
// here, since the fake knows no label pairs.
func reverseTypeID(from, to string, typeID int) int {
	if r, ok := hubspotDefined[typedPair{from, to, typeID}]; ok {
		return r
	}
	return typeID
}

// associate stores a in both directions. Call with s.mu held.
func (s *Server) associate(a Assoc) {
	from, to := mustType(a.FromType), mustType(a.ToType)
	typeID := a.TypeID
	if typeID == 0 {
		if typeID = defaultTypeID[[2]string{from, to}]; typeID == 0 {
			panic(fmt.Sprintf("hubspotfake: no default association type from %s to %s; set TypeID", from, to))
		}
	}
	s.addLink(recordKey{from, a.FromID}, to, a.ToID, typeID)
	s.addLink(recordKey{to, a.ToID}, from, a.FromID, reverseTypeID(from, to, typeID))
	// A primary association is also a plain one: HubSpot lists both types (279 and 1 for a
	// contact's primary company), so a reader that looks for the plain type still finds it.
	if primaryTypes[typeID] {
		if plain := defaultTypeID[[2]string{from, to}]; plain != 0 {
			s.addLink(recordKey{from, a.FromID}, to, a.ToID, plain)
			s.addLink(recordKey{to, a.ToID}, from, a.FromID, reverseTypeID(from, to, plain))
		}
	}
}

func (s *Server) addLink(from recordKey, toType, toID string, typeID int) {
	byType := s.links[from]
	if byType == nil {
		byType = map[string]map[string]*link{}
		s.links[from] = byType
	}
	links := byType[toType]
	if links == nil {
		links = map[string]*link{}
		byType[toType] = links
	}
	l := links[toID]
	if l == nil {
		l = &link{toID: toID}
		links[toID] = l
	}
	if !slices.Contains(l.types, typeID) {
		l.types = append(l.types, typeID)
		slices.Sort(l.types)
	}
}

// dropLink removes every type from one record to another, in that direction only.
func (s *Server) dropLink(from recordKey, toType, toID string) {
	links := s.links[from][toType]
	if links == nil {
		return
	}
	delete(links, toID)
	if len(links) == 0 {
		delete(s.links[from], toType)
		if len(s.links[from]) == 0 {
			delete(s.links, from)
		}
	}
}

// dropType removes one type from one record to another, in that direction only.
func (s *Server) dropType(from recordKey, toType, toID string, typeID int) {
	l := s.links[from][toType][toID]
	if l == nil {
		return
	}
	l.types = slices.DeleteFunc(l.types, func(t int) bool { return t == typeID })
	if len(l.types) == 0 {
		s.dropLink(from, toType, toID)
	}
}

// linksOf lists a record's associations to toType in id order. Call with s.mu held.
func (s *Server) linksOf(from recordKey, toType string) []*link {
	links := s.links[from][toType]
	out := make([]*link, 0, len(links))
	for _, l := range links {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b *link) int { return compareIDs(a.toID, b.toID) })
	return out
}

// renderLink is one association as v4 answers it; toObjectId is a JSON number.
func renderLink(from, to string, l *link) map[string]any {
	types := make([]map[string]any, 0, len(l.types))
	for _, t := range l.types {
		category := "USER_DEFINED"
		if _, ok := hubspotDefined[typedPair{from, to, t}]; ok {
			category = "HUBSPOT_DEFINED"
		}
		var label any
		if primaryTypes[t] && category == "HUBSPOT_DEFINED" {
			label = "Primary"
		}
		types = append(types, map[string]any{"category": category, "typeId": t, "label": label})
	}
	var id any = l.toID
	if isDigits(l.toID) && (len(l.toID) == 1 || l.toID[0] != '0') {
		id = json.Number(l.toID)
	}
	return map[string]any{"toObjectId": id, "associationTypes": types}
}

// Association cursors are opaque to clients, as HubSpot's are.
func cursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func parseCursor(after string) (int, bool) {
	if after == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(after)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "offset:") {
		return 0, false
	}
	return n, true
}

// pageOf renders links[offset:offset+size] and returns the cursor of the next page, or "".
func pageOf(from, to string, links []*link, offset, size int) ([]map[string]any, string) {
	end := min(offset+size, len(links))
	out := make([]map[string]any, 0, max(end-offset, 0))
	for _, l := range links[min(offset, len(links)):end] {
		out = append(out, renderLink(from, to, l))
	}
	if end < len(links) {
		return out, cursor(end)
	}
	return out, ""
}

func (s *Server) listAssociations(w http.ResponseWriter, r *http.Request) {
	from, ok := s.pathType(w, r.PathValue("from"))
	if !ok {
		return
	}
	to, ok := s.pathType(w, r.PathValue("to"))
	if !ok {
		return
	}
	q := r.URL.Query()
	size := associationPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.validationError(w, "limit must be a positive number, got %q.", v)
			return
		}
		size = min(n, associationPageSize)
	}
	offset, ok := parseCursor(q.Get("after"))
	if !ok {
		s.validationError(w, "Invalid paging cursor %q.", q.Get("after"))
		return
	}
	s.mu.Lock()
	results, next := pageOf(from, to, s.linksOf(recordKey{from, s.objects[from].resolve(r.PathValue("id"))}, to), offset, size)
	s.mu.Unlock()
	body := map[string]any{"results": results}
	if next != "" {
		body["paging"] = map[string]any{"next": map[string]any{"after": next, "link": "?after=" + next}}
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) batchReadAssociations(w http.ResponseWriter, r *http.Request) {
	started := now()
	from, ok := s.pathType(w, r.PathValue("from"))
	if !ok {
		return
	}
	to, ok := s.pathType(w, r.PathValue("to"))
	if !ok {
		return
	}
	var body struct {
		Inputs []struct {
			ID    flexString `json:"id"`
			After string     `json:"after"`
		} `json:"inputs"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if len(body.Inputs) > maxBatchAssociations {
		s.validationError(w, "Batch input size %d exceeds the limit of %d inputs.", len(body.Inputs), maxBatchAssociations)
		return
	}
	var results, errs []map[string]any
	s.mu.Lock()
	for _, in := range body.Inputs {
		id := string(in.ID)
		offset, ok := parseCursor(in.After)
		if !ok {
			s.mu.Unlock()
			s.validationError(w, "Invalid paging cursor %q for %s.", in.After, id)
			return
		}
		links := s.linksOf(recordKey{from, s.objects[from].resolve(id)}, to) // asked by an old id: the survivor's, under that id
		if len(links) == 0 {
			errs = append(errs, map[string]any{
				"status":      "error",
				"category":    "OBJECT_NOT_FOUND",
				"subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
				"message":     fmt.Sprintf("No %s is associated with %s %s.", singular(to), singular(from), id),
				"context": map[string][]string{
					"fromObjectId": {id}, "fromObjectType": {singular(from)}, "toObjectType": {singular(to)},
				},
			})
			continue
		}
		page, next := pageOf(from, to, links, offset, associationPageSize)
		result := map[string]any{"from": map[string]any{"id": id}, "to": page}
		if next != "" {
			result["paging"] = map[string]any{"next": map[string]any{"after": next, "link": nil}}
		}
		results = append(results, result)
	}
	s.mu.Unlock()
	status, out := batchAnswer(results, errs, started)
	writeJSON(w, status, out)
}
