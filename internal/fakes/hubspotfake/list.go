package hubspotfake

import (
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
	"strconv"
)

// List page sizes, as HubSpot's GET /crm/v3/objects/{type}.
const (
	defaultListSize = 10
	maxListSize     = 100
)

// listCursor is the opaque "after" of a list page: HubSpot's is the base64 of the next record's
// id (NTI1Cg== is "525\n"), so a page survives records deleted before it.
func listCursor(nextID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(nextID + "\n"))
}

func parseListCursor(after string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(after)
	if err != nil || len(b) < 2 || b[len(b)-1] != '\n' {
		return "", false
	}
	return string(b[:len(b)-1]), true
}

// listObjects pages through the live records of a type in id order or, with archived=true, the
// deleted ones: limit (default 10, at most 100), after (the previous page's cursor), properties.
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request) {
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := defaultListSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListSize {
			s.validationError(w, "limit must be between 1 and %d, got %q.", maxListSize, v)
			return
		}
		limit = n
	}
	from := ""
	if after := q.Get("after"); after != "" {
		if from, ok = parseListCursor(after); !ok {
			s.validationError(w, "Invalid paging cursor %q.", after)
			return
		}
	}
	s.mu.Lock()
	store := s.objects[typ]
	recs := store.records
	ids := store.orderedIDs()
	if q.Get("archived") == "true" {
		recs = store.archived
		ids = slices.SortedFunc(maps.Keys(recs), compareIDs)
	}
	start := 0
	if from != "" {
		start, _ = slices.BinarySearchFunc(ids, from, compareIDs)
	}
	end := min(start+limit, len(ids))
	results := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		results = append(results, s.render(typ, recs[id], splitProperties(q["properties"])))
	}
	var next string
	if end < len(ids) {
		next = listCursor(ids[end])
	}
	s.mu.Unlock()
	body := map[string]any{"results": results}
	if next != "" {
		body["paging"] = map[string]any{"next": map[string]any{"after": next, "link": "?after=" + next}}
	}
	writeJSON(w, http.StatusOK, body)
}
