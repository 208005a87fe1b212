package hubspotfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultProperties are returned when a request names no properties.
var defaultProperties = map[string][]string{
	"contacts":  {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
	"companies": {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
	"deals":     {"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
}

// flexString decodes a value given as a JSON string, number or boolean, and null as "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case string(b) == "true" || string(b) == "false":
		*f = flexString(b)
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string, number or boolean, got %.40s", b)
		}
		*f = flexString(n.String())
	}
	return nil
}

// pathType reads an object type from the path, answering 400 for one HubSpot would not know.
func (s *Server) pathType(w http.ResponseWriter, name string) (string, bool) {
	t, ok := normalizeType(name)
	if !ok {
		s.validationError(w, "Unable to infer object type from: %s", name)
	}
	return t, ok
}

// splitProperties reads ?properties=a,b (also repeated).
func splitProperties(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// render is a record as HubSpot answers it: the requested properties (or the type's defaults)
// plus hs_object_id, createdate and the last-modified property. A requested property that is
// defined but has no value is null; an unknown one is left out. Call with s.mu held.
func (s *Server) render(typ string, rec *record, requested []string) map[string]any {
	names := requested
	if len(names) == 0 {
		names = defaultProperties[typ]
	}
	names = append(slices.Clip(names), "hs_object_id", "createdate", lastModifiedProperty(typ))
	props := make(map[string]any, len(names))
	for _, n := range names {
		if v, ok := rec.props[n]; ok {
			props[n] = v
		} else if s.propertyDef(typ, n) != nil {
			props[n] = nil
		}
	}
	out := map[string]any{
		"id":         rec.id,
		"properties": props,
		"createdAt":  formatTime(rec.created),
		"updatedAt":  formatTime(rec.updated),
		"archived":   !rec.archivedAt.IsZero(),
	}
	if !rec.archivedAt.IsZero() {
		out["archivedAt"] = formatTime(rec.archivedAt)
	}
	return out
}

// getObject answers one record. An id merged away answers the survivor (see merge.go). With
// archived=true it answers only a deleted record, by id, as HubSpot does; a live one is a 404.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request) {
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	store := s.objects[typ]
	var rec *record
	if q.Get("archived") == "true" {
		rec = store.archived[store.resolve(r.PathValue("id"))]
	} else {
		rec = store.lookup(r.PathValue("id"), q.Get("idProperty"))
	}
	var body map[string]any
	if rec != nil {
		body = s.render(typ, rec, splitProperties(q["properties"]))
	}
	s.mu.Unlock()
	if rec == nil {
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// propertyValues decodes a properties object, accepting strings, numbers, booleans and null.
func propertyValues(raw map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case string(v) == "null":
			out[k] = ""
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, err
			}
			out[k] = s
		case string(v) == "true" || string(v) == "false":
			out[k] = string(v)
		default:
			var n json.Number
			if err := json.Unmarshal(v, &n); err != nil {
				return nil, fmt.Errorf("property %s: value must be a string, number, boolean or null", k)
			}
			out[k] = n.String()
		}
	}
	return out, nil
}

// invalidProperty is one entry of HubSpot's "Property values were not valid" list.
type invalidProperty struct {
	IsValid bool   `json:"isValid"`
	Message string `json:"message"`
	Error   string `json:"error"`
	Name    string `json:"name"`
}

// writeInvalid answers 400 VALIDATION_ERROR listing the invalid values, in HubSpot's format.
func (s *Server) writeInvalid(w http.ResponseWriter, invalid []invalidProperty) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(invalid)
	s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR",
		"Property values were not valid: "+strings.TrimSpace(buf.String()), nil)
}

// readOnly are the properties HubSpot maintains itself.
var readOnly = map[string]bool{"hs_object_id": true, "lastmodifieddate": true, "hs_lastmodifieddate": true, "hs_merged_object_ids": true}

// validate checks values to write to a record of typ, as HubSpot does, and returns them
// normalised as HubSpot stores them (dates as ISO 8601). Call with s.mu held.
func (s *Server) validate(typ string, values map[string]string) (map[string]string, []invalidProperty) {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make(map[string]string, len(values))
	var bad []invalidProperty
	fail := func(name, code, msg string) {
		bad = append(bad, invalidProperty{Message: msg, Error: code, Name: name})
	}
	for _, name := range names {
		v := values[name]
		def := s.propertyDef(typ, name)
		switch {
		case readOnly[name] || (def != nil && def.ReadOnlyValue()):
			fail(name, "READ_ONLY_VALUE", fmt.Sprintf("%s is a read only property; its value cannot be set.", name))
			continue
		case def == nil && len(s.defs[typ]) > 0:
			fail(name, "PROPERTY_DOESNT_EXIST", fmt.Sprintf("Property %q does not exist", name))
			continue
		case v == "":
			out[name] = "" // clears the property
			continue
		case v != strings.TrimSpace(v):
			fail(name, "LEADING_TRAILING_WHITESPACE", fmt.Sprintf("%q has leading or trailing whitespace", v))
			continue
		case def == nil:
			out[name] = v
			continue
		}
		switch def.Type {
		case "enumeration", "bool":
			allowed := make([]string, 0, len(def.Options))
			for _, o := range def.Options {
				allowed = append(allowed, o.Value)
			}
			if def.Type == "bool" && len(allowed) == 0 {
				allowed = []string{"true", "false"}
			}
			parts := []string{v}
			if def.FieldType == "checkbox" { // multiple checkboxes: values joined with ";"
				parts = strings.Split(v, ";")
			}
			ok := true
			for _, p := range parts {
				if !slices.Contains(allowed, p) {
					fail(name, "INVALID_OPTION", fmt.Sprintf("%s was not one of the allowed options: [%s]", p, strings.Join(allowed, ", ")))
					ok = false
					break
				}
			}
			if ok {
				out[name] = v
			}
		case "number":
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				fail(name, "INVALID_NUMBER", fmt.Sprintf("%s was not a valid number.", v))
				continue
			}
			out[name] = v
		case "date":
			t, ok := parseTimestamp(v)
			if !ok || !t.Equal(t.Truncate(24*time.Hour)) {
				fail(name, "INVALID_DATE", fmt.Sprintf("%s is not a valid date: use YYYY-MM-DD or epoch milliseconds at midnight UTC.", v))
				continue
			}
			out[name] = t.Format("2006-01-02")
		case "datetime":
			t, ok := parseTimestamp(v)
			if !ok {
				fail(name, "INVALID_DATE", fmt.Sprintf("%s is not a valid datetime: use ISO 8601 or epoch milliseconds.", v))
				continue
			}
			out[name] = formatTime(t)
		default:
			out[name] = v
		}
	}
	return out, bad
}

// apply writes validated values to a record; the last-modified time moves only when a value
// changed. Call with s.mu held.
func (s *Server) apply(typ string, rec *record, values map[string]string) {
	store := s.objects[typ]
	changed := map[string]string{}
	for k, v := range values {
		if store.set(rec, k, v) {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		touch(typ, rec)
		s.propertyChanged(typ, rec, changed, "INTEGRATION")
	}
}

func (s *Server) updateObject(w http.ResponseWriter, r *http.Request) {
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	var body struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	values, err := propertyValues(body.Properties)
	if err != nil {
		s.validationError(w, "Invalid input JSON: %v", err)
		return
	}
	s.mu.Lock()
	rec := s.objects[typ].lookup(r.PathValue("id"), r.URL.Query().Get("idProperty"))
	if rec == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found", nil)
		return
	}
	norm, bad := s.validate(typ, values)
	if len(bad) > 0 {
		s.mu.Unlock()
		s.writeInvalid(w, bad)
		return
	}
	s.apply(typ, rec, norm)
	names := make([]string, 0, len(norm))
	for k := range norm {
		names = append(names, k)
	}
	out := s.render(typ, rec, names)
	s.writes++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// notFoundError is the 207 error entry listing ids that do not exist.
func notFoundError(typ string, ids []string) map[string]any {
	return map[string]any{
		"status":   "error",
		"category": "OBJECT_NOT_FOUND",
		"message": fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.",
			strings.ToUpper(singular(typ))),
		"context": map[string][]string{"ids": ids},
	}
}

// batchAnswer is the body of a batch answer; with errors it goes out as 207.
func batchAnswer(results []map[string]any, errs []map[string]any, started time.Time) (int, map[string]any) {
	if results == nil {
		results = []map[string]any{}
	}
	body := map[string]any{
		"status":      "COMPLETE",
		"results":     results,
		"startedAt":   formatTime(started),
		"completedAt": formatTime(now()),
	}
	if len(errs) == 0 {
		return http.StatusOK, body
	}
	body["numErrors"] = len(errs)
	body["errors"] = errs
	return http.StatusMultiStatus, body
}

func (s *Server) batchReadObjects(w http.ResponseWriter, r *http.Request) {
	started := now()
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	var body struct {
		Properties []string `json:"properties"`
		IDProperty string   `json:"idProperty"`
		Inputs     []struct {
			ID flexString `json:"id"`
		} `json:"inputs"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if len(body.Inputs) > maxBatchObjects {
		s.validationError(w, "Batch input size %d exceeds the limit of %d inputs.", len(body.Inputs), maxBatchObjects)
		return
	}
	var results, errs []map[string]any
	var missing []string
	seen := map[string]bool{}
	answered := map[*record]bool{} // ids merged into one survivor answer it once
	s.mu.Lock()
	for _, in := range body.Inputs {
		id := string(in.ID)
		if seen[id] {
			continue
		}
		seen[id] = true
		if rec := s.objects[typ].lookup(id, body.IDProperty); rec == nil {
			missing = append(missing, id)
		} else if !answered[rec] {
			answered[rec] = true
			results = append(results, s.render(typ, rec, body.Properties))
		}
	}
	s.mu.Unlock()
	if len(missing) > 0 {
		errs = append(errs, notFoundError(typ, missing))
	}
	status, out := batchAnswer(results, errs, started)
	writeJSON(w, status, out)
}

func (s *Server) batchUpdateObjects(w http.ResponseWriter, r *http.Request) {
	started := now()
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	var body struct {
		Inputs []struct {
			ID         flexString                 `json:"id"`
			IDProperty string                     `json:"idProperty"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"inputs"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if len(body.Inputs) > maxBatchObjects {
		s.validationError(w, "Batch input size %d exceeds the limit of %d inputs.", len(body.Inputs), maxBatchObjects)
		return
	}
	seen := map[string]bool{}
	var dups []string
	values := make([]map[string]string, len(body.Inputs))
	for i, in := range body.Inputs {
		if seen[string(in.ID)] {
			dups = append(dups, string(in.ID))
		}
		seen[string(in.ID)] = true
		v, err := propertyValues(in.Properties)
		if err != nil {
			s.validationError(w, "Invalid input JSON: %v", err)
			return
		}
		values[i] = v
	}
	if len(dups) > 0 {
		s.validationError(w, "Duplicate IDs found in batch input: [%s]. IDs must be unique", strings.Join(dups, ", "))
		return
	}

	s.mu.Lock()
	norms := make([]map[string]string, len(values))
	var bad []invalidProperty
	for i, v := range values {
		n, b := s.validate(typ, v)
		norms[i], bad = n, append(bad, b...)
	}
	if len(bad) > 0 {
		s.mu.Unlock()
		s.writeInvalid(w, bad)
		return
	}
	var results, errs []map[string]any
	var missing []string
	for i, in := range body.Inputs {
		rec := s.objects[typ].lookup(string(in.ID), in.IDProperty)
		if rec == nil {
			missing = append(missing, string(in.ID))
			continue
		}
		s.apply(typ, rec, norms[i])
		names := make([]string, 0, len(norms[i]))
		for k := range norms[i] {
			names = append(names, k)
		}
		results = append(results, s.render(typ, rec, names))
	}
	if len(results) > 0 {
		s.writes++
	}
	s.mu.Unlock()
	if len(missing) > 0 {
		errs = append(errs, notFoundError(typ, missing))
	}
	status, out := batchAnswer(results, errs, started)
	writeJSON(w, status, out)
}
