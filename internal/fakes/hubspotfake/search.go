package hubspotfake

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Search limits, as HubSpot documents them.
const (
	maxSearchBody     = 3000
	maxFilterGroups   = 5
	maxGroupFilters   = 6
	maxFilters        = 18
	defaultSearchSize = 10
	maxSearchSize     = 200
	maxSearchResults  = 10_000
)

var operators = []string{"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
	"HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}

type searchFilter struct {
	PropertyName string       `json:"propertyName"`
	Operator     string       `json:"operator"`
	Value        flexString   `json:"value"`
	HighValue    flexString   `json:"highValue"`
	Values       []flexString `json:"values"`
}

type searchBody struct {
	FilterGroups []struct {
		Filters []searchFilter `json:"filters"`
	} `json:"filterGroups"`
	Sorts []struct {
		PropertyName string `json:"propertyName"`
		Direction    string `json:"direction"`
	} `json:"sorts"`
	Properties []string   `json:"properties"`
	Limit      *int       `json:"limit"`
	After      flexString `json:"after"`
	Query      string     `json:"query"`
}

// valueKind says how a property's values compare.
type valueKind int

const (
	kindText   valueKind = iota // case-insensitive; numerically when both sides are numbers
	kindEnum                    // case-sensitive
	kindDate                    // as epoch milliseconds
	kindNumber                  // numerically
)

// kindOf is how values of a property compare. Call with s.mu held.
func (s *Server) kindOf(typ, name string) valueKind {
	d := s.propertyDef(typ, name)
	if d == nil {
		return kindText
	}
	switch d.Type {
	case "date", "datetime":
		return kindDate
	case "enumeration":
		return kindEnum
	case "number":
		return kindNumber
	}
	return kindText
}

// operand is a filter value, parsed once.
type operand struct {
	raw, lower string
	num        float64
	isNum      bool
	ms         int64
	isMs       bool
}

func newOperand(s string) operand {
	o := operand{raw: s, lower: strings.ToLower(s)}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		o.num, o.isNum = f, true
	}
	if t, ok := parseTimestamp(s); ok {
		o.ms, o.isMs = t.UnixMilli(), true
	}
	return o
}

// compare orders a stored value against a filter value.
func compare(kind valueKind, stored string, o operand) int {
	switch kind {
	case kindDate:
		if t, ok := parseTimestamp(stored); ok && o.isMs {
			return cmp(t.UnixMilli(), o.ms)
		}
	case kindEnum:
		return strings.Compare(stored, o.raw)
	}
	if o.isNum {
		if f, err := strconv.ParseFloat(stored, 64); err == nil {
			return cmp(f, o.num)
		}
	}
	return strings.Compare(strings.ToLower(stored), o.lower)
}

func cmp[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// condition is one compiled filter.
type condition struct {
	prop     string
	op       string
	kind     valueKind
	value    operand
	high     operand
	values   []operand
	tokens   []string       // CONTAINS_TOKEN without wildcard
	wildcard *regexp.Regexp // CONTAINS_TOKEN with *
}

func (c *condition) equal(stored string) bool {
	if c.kind == kindEnum && strings.Contains(stored, ";") { // multiple checkboxes
		for _, part := range strings.Split(stored, ";") {
			if part == c.value.raw {
				return true
			}
		}
		return false
	}
	return compare(c.kind, stored, c.value) == 0
}

func (c *condition) in(stored string) bool {
	for _, v := range c.values {
		if compare(c.kind, stored, v) == 0 {
			return true
		}
	}
	return false
}

func (c *condition) containsToken(stored string) bool {
	lower := strings.ToLower(stored)
	if c.wildcard != nil {
		if c.wildcard.MatchString(lower) {
			return true
		}
		for _, t := range strings.Fields(lower) {
			if c.wildcard.MatchString(t) {
				return true
			}
		}
		return false
	}
	have := tokenize(lower)
	for i := 0; i+len(c.tokens) <= len(have); i++ {
		if slices.Equal(have[i:i+len(c.tokens)], c.tokens) {
			return true
		}
	}
	return false
}

func tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func (c *condition) match(rec *record) bool {
	v, has := rec.props[c.prop]
	has = has && v != ""
	switch c.op {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "NEQ":
		return !has || !c.equal(v)
	case "NOT_IN":
		return !has || !c.in(v)
	case "NOT_CONTAINS_TOKEN":
		return !has || !c.containsToken(v)
	}
	if !has {
		return false
	}
	switch c.op {
	case "EQ":
		return c.equal(v)
	case "LT":
		return compare(c.kind, v, c.value) < 0
	case "LTE":
		return compare(c.kind, v, c.value) <= 0
	case "GT":
		return compare(c.kind, v, c.value) > 0
	case "GTE":
		return compare(c.kind, v, c.value) >= 0
	case "BETWEEN":
		return compare(c.kind, v, c.value) >= 0 && compare(c.kind, v, c.high) <= 0
	case "IN":
		return c.in(v)
	case "CONTAINS_TOKEN":
		return c.containsToken(v)
	}
	return false
}

// compile checks a search's filters and compiles them; the message says what is wrong.
// Call with s.mu held.
func (s *Server) compile(typ string, body *searchBody) ([][]condition, string) {
	if len(body.FilterGroups) > maxFilterGroups {
		return nil, "Too many filter groups: at most " + strconv.Itoa(maxFilterGroups) + " are allowed."
	}
	total := 0
	groups := make([][]condition, 0, len(body.FilterGroups))
	for _, g := range body.FilterGroups {
		if len(g.Filters) > maxGroupFilters {
			return nil, "Too many filters in a filter group: at most " + strconv.Itoa(maxGroupFilters) + " are allowed."
		}
		total += len(g.Filters)
		conds := make([]condition, 0, len(g.Filters))
		for _, f := range g.Filters {
			if f.PropertyName == "" {
				return nil, "A filter needs a propertyName."
			}
			if !slices.Contains(operators, f.Operator) {
				return nil, "Unknown operator " + strconv.Quote(f.Operator) + " for property " + f.PropertyName + "."
			}
			c := condition{prop: f.PropertyName, op: f.Operator, kind: s.kindOf(typ, f.PropertyName),
				value: newOperand(string(f.Value)), high: newOperand(string(f.HighValue))}
			switch f.Operator {
			case "IN", "NOT_IN":
				if len(f.Values) == 0 {
					return nil, f.Operator + " on " + f.PropertyName + " needs values."
				}
				for _, v := range f.Values {
					c.values = append(c.values, newOperand(string(v)))
				}
			case "BETWEEN":
				if f.Value == "" || f.HighValue == "" {
					return nil, "BETWEEN on " + f.PropertyName + " needs value and highValue."
				}
			case "HAS_PROPERTY", "NOT_HAS_PROPERTY":
			case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
				v := strings.ToLower(string(f.Value))
				if strings.Contains(v, "*") {
					parts := strings.Split(v, "*")
					for i, p := range parts {
						parts[i] = regexp.QuoteMeta(p)
					}
					c.wildcard = regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
				} else if c.tokens = tokenize(v); len(c.tokens) == 0 {
					return nil, f.Operator + " on " + f.PropertyName + " needs a value."
				}
			default:
				if f.Value == "" {
					return nil, f.Operator + " on " + f.PropertyName + " needs a value."
				}
			}
			conds = append(conds, c)
		}
		groups = append(groups, conds)
	}
	if total > maxFilters {
		return nil, "Too many filters: at most " + strconv.Itoa(maxFilters) + " are allowed in all."
	}
	return groups, ""
}

func matchesAny(groups [][]condition, rec *record) bool {
	if len(groups) == 0 {
		return true
	}
	for _, g := range groups {
		ok := true
		for i := range g {
			if !g[i].match(rec) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (s *Server) searchObjects(w http.ResponseWriter, r *http.Request) {
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.validationError(w, "Could not read the request body: %v", err)
		return
	}
	if len(data) > maxSearchBody {
		s.validationError(w, "The search request body has %d characters; at most %d are allowed.", len(data), maxSearchBody)
		return
	}
	var body searchBody
	if !s.decodeBytes(w, data, &body) {
		return
	}
	limit := defaultSearchSize
	if body.Limit != nil {
		if *body.Limit < 0 || *body.Limit > maxSearchSize {
			s.validationError(w, "limit must be between 0 and %d, got %d.", maxSearchSize, *body.Limit)
			return
		}
		if *body.Limit > 0 {
			limit = *body.Limit
		}
	}
	after := 0
	if body.After != "" {
		if after, err = strconv.Atoi(string(body.After)); err != nil || after < 0 {
			s.validationError(w, "after must be a non-negative offset, got %q.", body.After)
			return
		}
	}
	if after+limit > maxSearchResults {
		s.validationError(w, "Search results are limited to %d: after (%d) + limit (%d) is past that. Filter on hs_object_id or lastmodifieddate to page further.",
			maxSearchResults, after, limit)
		return
	}
	if len(body.Sorts) > 1 {
		s.validationError(w, "Only one sort is allowed, got %d.", len(body.Sorts))
		return
	}
	sortProp, desc := "hs_object_id", false
	if len(body.Sorts) == 1 {
		sortProp = body.Sorts[0].PropertyName
		switch body.Sorts[0].Direction {
		case "", "ASCENDING":
		case "DESCENDING":
			desc = true
		default:
			s.validationError(w, "Sort direction must be ASCENDING or DESCENDING, got %q.", body.Sorts[0].Direction)
			return
		}
	}

	s.mu.Lock()
	groups, msg := s.compile(typ, &body)
	if msg != "" {
		s.mu.Unlock()
		s.validationError(w, "%s", msg)
		return
	}
	store := s.objects[typ]
	ids := store.orderedIDs()
	idOrder := sortProp == "hs_object_id"
	total := 0
	var page, matched []*record
	for i := range ids {
		id := ids[i]
		if idOrder && desc {
			id = ids[len(ids)-1-i]
		}
		rec := store.records[id]
		if !matchesAny(groups, rec) {
			continue
		}
		if !idOrder {
			matched = append(matched, rec)
		} else if total >= after && total < after+limit {
			page = append(page, rec)
		}
		total++
	}
	if !idOrder {
		s.sortRecords(typ, matched, sortProp, desc)
		page = matched[min(after, len(matched)):min(after+limit, len(matched))]
	}
	results := make([]map[string]any, 0, len(page))
	for _, rec := range page {
		results = append(results, s.render(typ, rec, body.Properties))
	}
	s.mu.Unlock()

	out := map[string]any{"total": total, "results": results}
	if next := after + limit; next < total {
		out["paging"] = map[string]any{"next": map[string]any{"after": strconv.Itoa(next), "link": "?after=" + strconv.Itoa(next)}}
	}
	writeJSON(w, http.StatusOK, out)
}

// sortRecords orders records by one property (missing values last), then by id. The records
// arrive in id order, so a stable sort keeps ties in id order. Call with s.mu held.
func (s *Server) sortRecords(typ string, recs []*record, prop string, desc bool) {
	kind := s.kindOf(typ, prop)
	type key struct {
		rec   *record
		has   bool
		num   float64
		isNum bool
		str   string
	}
	keys := make([]key, len(recs))
	for i, rec := range recs {
		v := rec.props[prop]
		k := key{rec: rec, has: v != "", str: strings.ToLower(v)}
		if kind == kindEnum {
			k.str = v
		}
		if kind == kindDate {
			if t, ok := parseTimestamp(v); ok {
				k.num, k.isNum = float64(t.UnixMilli()), true
			}
		} else if f, err := strconv.ParseFloat(v, 64); err == nil {
			k.num, k.isNum = f, true
		}
		keys[i] = k
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if a.has != b.has {
			if a.has {
				return -1
			}
			return 1
		}
		var c int
		if a.isNum && b.isNum {
			c = cmp(a.num, b.num)
		} else {
			c = strings.Compare(a.str, b.str)
		}
		if desc {
			c = -c
		}
		return c
	})
	for i := range keys {
		recs[i] = keys[i].rec
	}
}
