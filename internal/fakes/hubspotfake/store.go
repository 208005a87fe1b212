package hubspotfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/hubspot"
)

// objectTypes are the object types the fake stores.
var objectTypes = []string{"contacts", "companies", "deals"}

// normalizeType maps the names HubSpot accepts for an object type (plural, singular, type id)
// to the plural name the fake stores it under.
func normalizeType(t string) (string, bool) {
	switch strings.ToLower(t) {
	case "contacts", "contact", "0-1":
		return "contacts", true
	case "companies", "company", "0-2":
		return "companies", true
	case "deals", "deal", "0-3":
		return "deals", true
	}
	return "", false
}

func mustType(t string) string {
	n, ok := normalizeType(t)
	if !ok {
		panic(fmt.Sprintf("hubspotfake: unknown object type %q (want contacts, companies or deals)", t))
	}
	return n
}

// singular is the object type's singular name, as HubSpot's messages use it.
func singular(t string) string {
	switch t {
	case "companies":
		return "company"
	case "deals":
		return "deal"
	}
	return "contact"
}

// lastModifiedProperty is the property HubSpot maintains as the record's last change.
func lastModifiedProperty(t string) string {
	if t == "contacts" {
		return "lastmodifieddate"
	}
	return "hs_lastmodifieddate"
}

// Record is one seeded record. CreatedAt is optional (default: now, or the createdate property).
type Record struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt,omitzero"`
}

// Option and Property are HubSpot's own shapes, shared with the client so the fake cannot drift
// from what the client decodes.
type (
	Option   = hubspot.Option
	Property = hubspot.Property
)

// Assoc is an association between two records. TypeID 0 means the pair's default HubSpot-defined
// type (contact→company 279, contact→deal 4, deal→company 341, and their reverses).
type Assoc struct {
	FromType string `json:"fromType"`
	FromID   string `json:"fromId"`
	ToType   string `json:"toType"`
	ToID     string `json:"toId"`
	TypeID   int    `json:"typeId,omitempty"`
}

// Fixture is a portal's worth of data to seed.
type Fixture struct {
	Contacts     []Record              `json:"contacts,omitempty"`
	Companies    []Record              `json:"companies,omitempty"`
	Deals        []Record              `json:"deals,omitempty"`
	Properties   map[string][]Property `json:"properties,omitempty"` // object type -> definitions
	Associations []Assoc               `json:"associations,omitempty"`
}

// LoadFixture reads a fixture from a JSON file. Unknown fields are an error, to catch typos.
func LoadFixture(path string) (Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Fixture{}, fmt.Errorf("reading HubSpot fixture: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f Fixture
	if err := dec.Decode(&f); err != nil {
		return Fixture{}, fmt.Errorf("HubSpot fixture %s: %w", path, err)
	}
	for t := range f.Properties {
		if _, ok := normalizeType(t); !ok {
			return Fixture{}, fmt.Errorf("HubSpot fixture %s: unknown object type %q in properties", path, t)
		}
	}
	return f, nil
}

// record is one stored record. props always holds hs_object_id, createdate and the last-modified
// property; a property set to "" is removed, as HubSpot clears it.
type record struct {
	id         string
	props      map[string]string
	created    time.Time
	updated    time.Time
	archivedAt time.Time // set while the record is deleted (archived)
}

// objectStore holds the records of one object type, with their ids kept in id order (sorted
// lazily after bulk seeding) so that searches need no sort per page. Deleted records wait in
// archived for a restore; ids merged away point at their survivor through mergedInto.
type objectStore struct {
	records    map[string]*record
	ids        []string
	sorted     bool
	byEmail    map[string]string  // lower-cased email -> id
	archived   map[string]*record // id -> deleted record
	mergedInto map[string]string  // id merged away -> the survivor's id
}

func newObjectStore() *objectStore {
	return &objectStore{records: map[string]*record{}, sorted: true, byEmail: map[string]string{},
		archived: map[string]*record{}, mergedInto: map[string]string{}}
}

// resolve is the id a request for id reaches: the survivor's for an id merged away, else id.
func (o *objectStore) resolve(id string) string {
	if survivor, ok := o.mergedInto[id]; ok {
		return survivor
	}
	return id
}

// claim frees id for a new live record: an archived record or merge alias under it is forgotten.
func (o *objectStore) claim(id string) {
	delete(o.archived, id)
	delete(o.mergedInto, id)
}

// orderedIDs returns the ids in id order. The slice must not be kept past the lock.
func (o *objectStore) orderedIDs() []string {
	if !o.sorted {
		slices.SortFunc(o.ids, compareIDs)
		o.sorted = true
	}
	return o.ids
}

// insert adds a new record. bulk defers keeping the ids sorted to the next ordered read.
func (o *objectStore) insert(rec *record, bulk bool) {
	o.records[rec.id] = rec
	switch n := len(o.ids); {
	case !o.sorted || (bulk && n > 0 && compareIDs(o.ids[n-1], rec.id) > 0):
		o.ids = append(o.ids, rec.id)
		o.sorted = false
	default:
		pos, _ := slices.BinarySearchFunc(o.ids, rec.id, compareIDs)
		o.ids = slices.Insert(o.ids, pos, rec.id)
	}
	if e := rec.props["email"]; e != "" {
		o.byEmail[strings.ToLower(e)] = rec.id
	}
}

func (o *objectStore) remove(id string) {
	rec, ok := o.records[id]
	if !ok {
		return
	}
	delete(o.records, id)
	o.unindexEmail(rec)
	if o.sorted {
		if pos, found := slices.BinarySearchFunc(o.ids, id, compareIDs); found {
			o.ids = slices.Delete(o.ids, pos, pos+1)
		}
		return
	}
	if pos := slices.Index(o.ids, id); pos >= 0 {
		o.ids = slices.Delete(o.ids, pos, pos+1)
	}
}

func (o *objectStore) unindexEmail(rec *record) {
	if e := strings.ToLower(rec.props["email"]); e != "" && o.byEmail[e] == rec.id {
		delete(o.byEmail, e)
	}
}

// set changes one property ("" clears it) and keeps the email index. It reports whether the
// stored value changed.
func (o *objectStore) set(rec *record, name, value string) bool {
	old, had := rec.props[name]
	if (value == "" && !had) || (had && old == value) {
		return false
	}
	if name == "email" {
		o.unindexEmail(rec)
	}
	if value == "" {
		delete(rec.props, name)
	} else {
		rec.props[name] = value
	}
	if name == "email" && value != "" {
		o.byEmail[strings.ToLower(value)] = rec.id
	}
	return true
}

// lookup finds a record by id or, with idProperty, by a unique property such as email.
func (o *objectStore) lookup(id, idProperty string) *record {
	switch idProperty {
	case "", "hs_object_id":
		return o.records[o.resolve(id)]
	case "email":
		return o.records[o.byEmail[strings.ToLower(id)]]
	}
	for _, rid := range o.orderedIDs() {
		if rec := o.records[rid]; rec.props[idProperty] == id {
			return rec
		}
	}
	return nil
}

// compareIDs orders ids numerically when both are numbers, numbers before other ids, and
// otherwise as strings.
func compareIDs(a, b string) int {
	an, bn := isDigits(a), isDigits(b)
	switch {
	case an && bn:
		ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(ta) != len(tb) {
			return len(ta) - len(tb)
		}
		if c := strings.Compare(ta, tb); c != 0 {
			return c
		}
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Timestamps are stored as HubSpot shows them: ISO 8601 in UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// parseTimestamp reads an ISO 8601 timestamp, a date or epoch milliseconds.
func parseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// touch sets the record's last-modified time to now, always later than its previous one so that
// "modified since" searches see every change.
func touch(typ string, rec *record) {
	t := now()
	if !t.After(rec.updated) {
		t = rec.updated.Add(time.Millisecond)
	}
	rec.updated = t
	rec.props[lastModifiedProperty(typ)] = formatTime(t)
}

// Seed adds the fixture's definitions, records and associations, replacing records and
// definitions with the same id or name. The fake maintains hs_object_id, createdate and the
// last-modified property (lastmodifieddate for contacts, hs_lastmodifieddate otherwise); a
// record may set createdate and the last-modified property to backdate itself.
func (s *Server) Seed(f Fixture) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, defs := range f.Properties {
		typ := mustType(t)
		for _, d := range defs {
			d := d
			d.Options = slices.Clone(d.Options)
			if s.defs[typ] == nil {
				s.defs[typ] = map[string]*Property{}
			}
			s.defs[typ][d.Name] = &d
		}
	}
	for typ, recs := range map[string][]Record{"contacts": f.Contacts, "companies": f.Companies, "deals": f.Deals} {
		store := s.objects[typ]
		for _, r := range recs {
			s.seedRecord(typ, store, r)
		}
	}
	for _, a := range f.Associations {
		s.associate(a)
	}
}

func (s *Server) seedRecord(typ string, store *objectStore, r Record) {
	if r.ID == "" {
		panic("hubspotfake: a seeded record needs an id")
	}
	lastMod := lastModifiedProperty(typ)
	rec := &record{id: r.ID, props: make(map[string]string, len(r.Properties)+3)}
	for k, v := range r.Properties {
		if v != "" {
			rec.props[k] = v
		}
	}
	old := store.records[r.ID]
	switch t, ok := parseTimestamp(r.Properties["createdate"]); {
	case !r.CreatedAt.IsZero():
		rec.created = r.CreatedAt.UTC().Truncate(time.Millisecond)
	case ok:
		rec.created = t
	case old != nil:
		rec.created = old.created
	default:
		rec.created = now()
	}
	if t, ok := parseTimestamp(r.Properties[lastMod]); ok {
		rec.updated = t
		rec.props[lastMod] = formatTime(t)
	} else {
		if old != nil {
			rec.updated = old.updated
		}
		touch(typ, rec)
	}
	rec.props["hs_object_id"] = r.ID
	rec.props["createdate"] = formatTime(rec.created)
	store.claim(r.ID)
	if old != nil {
		store.unindexEmail(old)
		store.records[r.ID] = rec
		if e := rec.props["email"]; e != "" {
			store.byEmail[strings.ToLower(e)] = rec.id
		}
		return
	}
	store.insert(rec, true)
}

// Put creates the record or merges props into it, as a HubSpot user editing it would: the
// last-modified property moves forward. A value "" clears the property. An id merged away edits
// its survivor; a new record replaces an archived one with the same id.
func (s *Server) Put(objectType, id string, props map[string]string) {
	typ := mustType(objectType)
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.objects[typ]
	rec := store.records[store.resolve(id)]
	created := rec == nil
	if created {
		store.claim(id)
		rec = &record{id: id, props: map[string]string{}, created: now()}
		rec.props["hs_object_id"] = id
		rec.props["createdate"] = formatTime(rec.created)
		store.insert(rec, false)
	}
	changed := map[string]string{}
	for k, v := range props {
		switch k {
		case "hs_object_id", "createdate", lastModifiedProperty(typ):
			continue // maintained by the fake
		}
		if store.set(rec, k, v) {
			changed[k] = v
		}
	}
	touch(typ, rec)
	if created {
		s.raise(typ, "creation", rec.created, hubspot.WebhookEvent{ObjectID: hubspot.WebhookID(rec.id), ChangeSource: "CRM_UI"})
		return
	}
	s.propertyChanged(typ, rec, changed, "CRM_UI")
}

// Get returns a copy of the live record's stored properties; an id merged away gives the
// survivor's (whose hs_object_id tells), a deleted record none.
func (s *Server) Get(objectType, id string) (map[string]string, bool) {
	typ, ok := normalizeType(objectType)
	if !ok {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	store := s.objects[typ]
	rec := store.records[store.resolve(id)]
	if rec == nil {
		return nil, false
	}
	out := make(map[string]string, len(rec.props))
	for k, v := range rec.props {
		out[k] = v
	}
	return out, true
}

// Associate links two records in both directions, using the documented type id for the reverse.
func (s *Server) Associate(a Assoc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	linked := s.linked(a)
	s.associate(a)
	if !linked {
		s.associationChanged(a, false)
	}
}

// Dissociate removes an association in both directions: only a.TypeID when it is set, else
// every type linking the two records.
func (s *Server) Dissociate(a Assoc) {
	from, to := mustType(a.FromType), mustType(a.ToType)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.linked(a) {
		return
	}
	defer func() {
		if !s.linked(a) {
			s.associationChanged(a, true)
		}
	}()
	if a.TypeID == 0 {
		s.dropLink(recordKey{from, a.FromID}, to, a.ToID)
		s.dropLink(recordKey{to, a.ToID}, from, a.FromID)
		return
	}
	s.dropType(recordKey{from, a.FromID}, to, a.ToID, a.TypeID)
	s.dropType(recordKey{to, a.ToID}, from, a.FromID, reverseTypeID(from, to, a.TypeID))
}

// linked reports whether any association links a's two records. Call with s.mu held.
func (s *Server) linked(a Assoc) bool {
	return s.links[recordKey{mustType(a.FromType), a.FromID}][mustType(a.ToType)][a.ToID] != nil
}
