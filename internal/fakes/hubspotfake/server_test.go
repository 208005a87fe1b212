package hubspotfake_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

const token = "pat-na1-fake-token"

func fixture() hubspotfake.Fixture {
	return hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{
			"contacts": {
				{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
					Options: []hubspotfake.Option{{Label: "Active", Value: "active"}, {Label: "Inactive", Value: "inactive", DisplayOrder: 1}}},
				{Name: "sync_cs", Label: "Sync", Type: "bool", FieldType: "booleancheckbox", GroupName: "contactinformation",
					Options: []hubspotfake.Option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false"}}},
				{Name: "tags", Label: "Tags", Type: "enumeration", FieldType: "checkbox", GroupName: "contactinformation",
					Options: []hubspotfake.Option{{Label: "A", Value: "a"}, {Label: "B", Value: "b"}, {Label: "C", Value: "C"}}},
				{Name: "score", Label: "Score", Type: "number", FieldType: "number", GroupName: "contactinformation"},
				{Name: "days_to_renewal", Label: "Days to renewal", Type: "number", FieldType: "calculation_equation", GroupName: "contactinformation", Calculated: true},
				{Name: "renewal", Label: "Renewal", Type: "date", FieldType: "date", GroupName: "contactinformation"},
			},
		},
		Contacts: []hubspotfake.Record{
			{ID: "512", Properties: map[string]string{"email": "BH@HubSpot.com", "firstname": "Brian", "lastname": "Halligan", "sync_cs": "true", "cs_status": "active", "score": "10", "tags": "a;C"},
				CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
			{ID: "513", Properties: map[string]string{"email": "ds@hubspot.com", "firstname": "Dharmesh", "lastname": "Shah", "sync_cs": "true", "cs_status": "inactive", "score": "9", "lastmodifieddate": "2025-07-07T20:27:17.947Z"}},
			{ID: "1000", Properties: map[string]string{"email": "x@example.com", "firstname": "xavier", "sync_cs": "false", "score": "100", "jobtitle": "VP of Sales"}},
			{ID: "99", Properties: map[string]string{"firstname": "Nomail"}},
		},
		Deals:     []hubspotfake.Record{{ID: "900", Properties: map[string]string{"dealname": "Renewal"}}},
		Companies: []hubspotfake.Record{{ID: "700", Properties: map[string]string{"name": "HubSpot"}}},
		Associations: []hubspotfake.Assoc{
			{FromType: "contacts", FromID: "512", ToType: "deals", ToID: "900"},
			{FromType: "deals", FromID: "900", ToType: "companies", ToID: "700", TypeID: 5},
		},
	}
}

func newFake(t *testing.T, opts hubspotfake.Options) *hubspotfake.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	s := hubspotfake.New(opts)
	s.Seed(fixture())
	return s
}

type answer struct {
	code   int
	header http.Header
	raw    string
	body   map[string]any
}

func call(t *testing.T, h http.Handler, method, path, body string) answer {
	t.Helper()
	return callAs(t, h, token, method, path, body)
}

func callAs(t *testing.T, h http.Handler, tok, method, path, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{code: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		d := json.NewDecoder(strings.NewReader(a.raw))
		d.UseNumber()
		require.NoError(t, d.Decode(&a.body), a.raw)
	}
	return a
}

func props(t *testing.T, obj any) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	require.True(t, ok, "%v", obj)
	p, ok := m["properties"].(map[string]any)
	require.True(t, ok, "%v", obj)
	return p
}

func results(t *testing.T, a answer) []any {
	t.Helper()
	r, ok := a.body["results"].([]any)
	require.True(t, ok, a.raw)
	return r
}

func resultIDs(t *testing.T, a answer) []string {
	t.Helper()
	var out []string
	for _, r := range results(t, a) {
		out = append(out, r.(map[string]any)["id"].(string))
	}
	return out
}

var isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestAuthentication(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	for _, tok := range []string{"", "pat-na1-wrong"} {
		a := callAs(t, s, tok, "GET", "/crm/v3/objects/contacts/512", "")
		require.Equal(t, 401, a.code)
		assert.Equal(t, "error", a.body["status"])
		assert.Equal(t, "INVALID_AUTHENTICATION", a.body["category"])
		assert.True(t, strings.HasPrefix(a.body["message"].(string), "Authentication credentials not found"))
		assert.NotEmpty(t, a.body["correlationId"])
		assert.Equal(t, a.body["correlationId"], a.header.Get("X-HubSpot-Correlation-Id"))
	}
	assert.Equal(t, 200, call(t, s, "GET", "/crm/v3/objects/contacts/512", "").code)
}

func TestBothPathFamilies(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	pairs := [][3]string{
		{"GET", "/crm/v3/objects/contacts/512?properties=email", ""},
		{"GET", "/crm/objects/2026-03/contacts/512?properties=email", ""},
		{"POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[{"id":"512"}]}`},
		{"POST", "/crm/objects/2026-03/contacts/batch/read", `{"inputs":[{"id":"512"}]}`},
		{"POST", "/crm/v3/objects/contacts/search", `{}`},
		{"POST", "/crm/objects/2026-03/contacts/search", `{}`},
		{"GET", "/crm/v3/properties/contacts/cs_status", ""},
		{"GET", "/crm/properties/2026-03/contacts/cs_status", ""},
		{"GET", "/crm/v4/objects/contacts/512/associations/deals", ""},
		{"GET", "/crm/objects/2026-03/contacts/512/associations/deals", ""},
		{"POST", "/crm/v4/associations/contacts/deals/batch/read", `{"inputs":[{"id":"512"}]}`},
		{"POST", "/crm/associations/2026-03/contacts/deals/batch/read", `{"inputs":[{"id":"512"}]}`},
		{"PATCH", "/crm/v3/objects/contacts/512", `{"properties":{"jobtitle":"CEO"}}`},
		{"PATCH", "/crm/objects/2026-03/contacts/512", `{"properties":{"jobtitle":"CEO"}}`},
		{"POST", "/crm/v3/objects/contacts/batch/update", `{"inputs":[{"id":"512","properties":{"jobtitle":"CEO"}}]}`},
		{"POST", "/crm/objects/2026-03/contacts/batch/update", `{"inputs":[{"id":"512","properties":{"jobtitle":"CEO"}}]}`},
		{"POST", "/crm/v3/properties/deals", `{"name":"p1","label":"P1","type":"string","fieldType":"text","groupName":"dealinformation"}`},
		{"POST", "/crm/properties/2026-03/deals", `{"name":"p2","label":"P2","type":"string","fieldType":"text","groupName":"dealinformation"}`},
	}
	for _, p := range pairs {
		a := call(t, s, p[0], p[1], p[2])
		assert.Contains(t, []int{200, 201}, a.code, "%s %s: %s", p[0], p[1], a.raw)
	}
	byRoute := s.CallsByRoute()
	for _, r := range []string{hubspotfake.RouteGetObject, hubspotfake.RouteBatchReadObjects, hubspotfake.RouteSearch, hubspotfake.RouteGetProperty,
		hubspotfake.RouteListAssociations, hubspotfake.RouteBatchReadAssociations, hubspotfake.RouteUpdateObject,
		hubspotfake.RouteBatchUpdateObjects, hubspotfake.RouteCreateProperty} {
		assert.Equal(t, 2, byRoute[r], r)
	}
	assert.Equal(t, len(pairs), s.Calls())
	assert.Equal(t, 6, s.Writes())
	assert.Equal(t, 404, call(t, s, "GET", "/crm/v5/objects/contacts/512", "").code)
	assert.Equal(t, 400, call(t, s, "GET", "/crm/v3/objects/widgets/512", "").code)

	s.ResetCounters()
	assert.Zero(t, s.Calls())
	assert.Zero(t, s.Writes())
	assert.Empty(t, s.CallsByRoute())
}

func TestGetObject(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})

	a := call(t, s, "GET", "/crm/v3/objects/contacts/512", "")
	require.Equal(t, 200, a.code, a.raw)
	assert.Equal(t, "512", a.body["id"])
	assert.Equal(t, false, a.body["archived"])
	assert.Equal(t, "2024-01-02T03:04:05.000Z", a.body["createdAt"])
	assert.Regexp(t, isoMillis, a.body["updatedAt"])
	p := props(t, a.body)
	assert.ElementsMatch(t, []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}, keys(p), "HubSpot's defaults")
	assert.Equal(t, "512", p["hs_object_id"])
	assert.Equal(t, "2024-01-02T03:04:05.000Z", p["createdate"])
	assert.Regexp(t, isoMillis, p["lastmodifieddate"])

	a = call(t, s, "GET", "/crm/v3/objects/contacts/512?properties=sync_cs,cs_status,jobtitle,no_such&properties=score", "")
	p = props(t, a.body)
	assert.ElementsMatch(t, []string{"sync_cs", "cs_status", "jobtitle", "score", "hs_object_id", "createdate", "lastmodifieddate"}, keys(p))
	assert.Equal(t, "true", p["sync_cs"], "booleans are strings")
	assert.Equal(t, "10", p["score"], "numbers are strings")
	assert.Nil(t, p["jobtitle"], "defined but empty is null")

	a = call(t, s, "GET", "/crm/v3/objects/contacts/bh@hubspot.com?idProperty=email&properties=firstname", "")
	require.Equal(t, 200, a.code, a.raw)
	assert.Equal(t, "512", a.body["id"])

	a = call(t, s, "GET", "/crm/v3/objects/contacts/4242", "")
	require.Equal(t, 404, a.code)
	assert.Equal(t, "OBJECT_NOT_FOUND", a.body["category"])

	a = call(t, s, "GET", "/crm/v3/objects/deals/900", "")
	assert.Contains(t, keys(props(t, a.body)), "hs_lastmodifieddate")
	assert.NotContains(t, keys(props(t, a.body)), "lastmodifieddate")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestBatchRead(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	a := call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"properties":["email"],"inputs":[{"id":"512"},{"id":"99999"},{"id":"513"},{"id":"88888"}]}`)
	require.Equal(t, 207, a.code, a.raw)
	assert.Equal(t, "COMPLETE", a.body["status"])
	assert.Equal(t, []string{"512", "513"}, resultIDs(t, a))
	assert.Equal(t, json.Number("1"), a.body["numErrors"])
	e := a.body["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, "OBJECT_NOT_FOUND", e["category"])
	assert.Equal(t, "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.", e["message"])
	assert.Equal(t, []any{"99999", "88888"}, e["context"].(map[string]any)["ids"])

	a = call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[{"id":"512"}]}`)
	require.Equal(t, 200, a.code)
	assert.Nil(t, a.body["errors"])

	a = call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"idProperty":"email","inputs":[{"id":"DS@hubspot.com"}]}`)
	assert.Equal(t, []string{"513"}, resultIDs(t, a))

	inputs := make([]string, 101)
	for i := range inputs {
		inputs[i] = `{"id":"` + strconv.Itoa(i) + `"}`
	}
	a = call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[`+strings.Join(inputs, ",")+`]}`)
	assert.Equal(t, 400, a.code)
	assert.Equal(t, "VALIDATION_ERROR", a.body["category"])

	a = call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[`)
	assert.Equal(t, 400, a.code)
}

func TestUpdateValidation(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	patch := func(typ, id, body string) answer { return call(t, s, "PATCH", "/crm/v3/objects/"+typ+"/"+id, body) }

	a := patch("contacts", "512", `{"properties":{"cs_status":"Active"}}`)
	require.Equal(t, 400, a.code)
	assert.Equal(t, "VALIDATION_ERROR", a.body["category"])
	assert.Equal(t, `Property values were not valid: [{"isValid":false,"message":"Active was not one of the allowed options: [active, inactive]","error":"INVALID_OPTION","name":"cs_status"}]`, a.body["message"])
	assert.NotEmpty(t, a.body["correlationId"])

	for body, code := range map[string]string{
		`{"properties":{"sync_cs":"True"}}`:        "INVALID_OPTION",
		`{"properties":{"sync_cs":"yes"}}`:         "INVALID_OPTION",
		`{"properties":{"firstname":"Brian "}}`:    "LEADING_TRAILING_WHITESPACE",
		`{"properties":{"cs_status":" active"}}`:   "LEADING_TRAILING_WHITESPACE",
		`{"properties":{"favourite_colour":"x"}}`:  "PROPERTY_DOESNT_EXIST",
		`{"properties":{"tags":"a;d"}}`:            "INVALID_OPTION",
		`{"properties":{"tags":"a;c"}}`:            "INVALID_OPTION",
		`{"properties":{"score":"ten"}}`:           "INVALID_NUMBER",
		`{"properties":{"renewal":"next week"}}`:   "INVALID_DATE",
		`{"properties":{"hs_object_id":"1"}}`:      "READ_ONLY_VALUE",
		`{"properties":{"lastmodifieddate":"1"}}`:  "READ_ONLY_VALUE",
		`{"properties":{"days_to_renewal":"3"}}`:   "READ_ONLY_VALUE",
		`{"properties":{"email":"a@b.c","x":"1"}}`: "PROPERTY_DOESNT_EXIST",
	} {
		a := patch("contacts", "512", body)
		require.Equal(t, 400, a.code, body)
		assert.Contains(t, a.body["message"], `"error":"`+code+`"`, body)
	}
	stored, _ := s.Get("contacts", "512")
	assert.Equal(t, "BH@HubSpot.com", stored["email"], "rejected writes change nothing")
	assert.Zero(t, s.Writes())

	for body, want := range map[string][2]string{
		`{"properties":{"sync_cs":"false"}}`:               {"sync_cs", "false"},
		`{"properties":{"tags":"b;C"}}`:                    {"tags", "b;C"},
		`{"properties":{"score":12.5}}`:                    {"score", "12.5"},
		`{"properties":{"renewal":"1767225600000"}}`:       {"renewal", "2026-01-01"},
		`{"properties":{"jobtitle":"CEO","company":"HS"}}`: {"jobtitle", "CEO"},
	} {
		a := patch("contacts", "512", body)
		require.Equal(t, 200, a.code, "%s: %s", body, a.raw)
		assert.Equal(t, want[1], props(t, a.body)[want[0]], body)
	}
	a = patch("contacts", "512", `{"properties":{"jobtitle":""}}`)
	require.Equal(t, 200, a.code)
	stored, _ = s.Get("contacts", "512")
	assert.NotContains(t, stored, "jobtitle", `"" clears a property`)

	// Without definitions for a type, any property is accepted (standard ones always are).
	a = patch("companies", "700", `{"properties":{"anything_goes":"1","name":"HubSpot, Inc."}}`)
	require.Equal(t, 200, a.code, a.raw)
	stored, _ = s.Get("companies", "700")
	assert.Equal(t, "1", stored["anything_goes"])

	assert.Equal(t, 404, patch("contacts", "4242", `{"properties":{"jobtitle":"x"}}`).code)
	assert.Equal(t, 400, patch("contacts", "512", `{"properties":`).code)
}

func TestLastModified(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	p, _ := s.Get("contacts", "513")
	assert.Equal(t, "2025-07-07T20:27:17.947Z", p["lastmodifieddate"], "a fixture may backdate a record")

	s.Put("contacts", "513", map[string]string{"firstname": "D"})
	p2, _ := s.Get("contacts", "513")
	assert.Greater(t, p2["lastmodifieddate"], p["lastmodifieddate"])
	s.Put("contacts", "513", map[string]string{"firstname": "D"})
	p3, _ := s.Get("contacts", "513")
	assert.Greater(t, p3["lastmodifieddate"], p2["lastmodifieddate"], "a user edit always moves last-modified forward")

	a := call(t, s, "PATCH", "/crm/v3/objects/contacts/513", `{"properties":{"firstname":"D"}}`)
	require.Equal(t, 200, a.code)
	p4, _ := s.Get("contacts", "513")
	assert.Equal(t, p3["lastmodifieddate"], p4["lastmodifieddate"], "an API write that changes nothing leaves it")
	call(t, s, "PATCH", "/crm/v3/objects/contacts/513", `{"properties":{"firstname":"Dharmesh"}}`)
	p5, _ := s.Get("contacts", "513")
	assert.Greater(t, p5["lastmodifieddate"], p4["lastmodifieddate"])

	s.Put("contacts", "7", map[string]string{"email": "new@example.com", "hs_object_id": "8"})
	p, ok := s.Get("contacts", "7")
	require.True(t, ok)
	assert.Equal(t, "7", p["hs_object_id"])
	assert.Regexp(t, isoMillis, p["createdate"])
	assert.Equal(t, "7", call(t, s, "GET", "/crm/v3/objects/contacts/NEW@example.com?idProperty=email", "").body["id"])

	s.Put("contacts", "7", map[string]string{"email": ""})
	assert.Equal(t, 404, call(t, s, "GET", "/crm/v3/objects/contacts/new@example.com?idProperty=email", "").code)
}

func TestBatchUpdate(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	url := "/crm/v3/objects/contacts/batch/update"

	a := call(t, s, "POST", url, `{"inputs":[{"id":"512","properties":{"cs_status":"inactive"}},{"id":"513","properties":{"cs_status":"Nope"}}]}`)
	require.Equal(t, 400, a.code)
	stored, _ := s.Get("contacts", "512")
	assert.Equal(t, "active", stored["cs_status"], "an invalid batch is refused whole")

	a = call(t, s, "POST", url, `{"inputs":[{"id":"512","properties":{"cs_status":"inactive"}},{"id":"512","properties":{"cs_status":"active"}}]}`)
	require.Equal(t, 400, a.code)
	assert.Contains(t, a.body["message"], "Duplicate IDs")

	a = call(t, s, "POST", url, `{"inputs":[{"id":"512","properties":{"cs_status":"inactive"}},{"id":"4242","properties":{"cs_status":"active"}}]}`)
	require.Equal(t, 207, a.code, a.raw)
	assert.Equal(t, []string{"512"}, resultIDs(t, a))
	stored, _ = s.Get("contacts", "512")
	assert.Equal(t, "inactive", stored["cs_status"])
	assert.Equal(t, 1, s.Writes())

	inputs := make([]string, 101)
	for i := range inputs {
		inputs[i] = `{"id":"` + strconv.Itoa(i) + `","properties":{}}`
	}
	assert.Equal(t, 400, call(t, s, "POST", url, `{"inputs":[`+strings.Join(inputs, ",")+`]}`).code)
}

func TestProperties(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	a := call(t, s, "GET", "/crm/v3/properties/contacts/cs_status", "")
	require.Equal(t, 200, a.code)
	assert.Equal(t, "enumeration", a.body["type"])
	assert.Equal(t, "select", a.body["fieldType"])
	assert.Equal(t, []any{
		map[string]any{"label": "Active", "value": "active", "displayOrder": json.Number("0"), "hidden": false},
		map[string]any{"label": "Inactive", "value": "inactive", "displayOrder": json.Number("1"), "hidden": false},
	}, a.body["options"])

	a = call(t, s, "GET", "/crm/v3/properties/contacts/email", "")
	require.Equal(t, 200, a.code, "standard properties are defined")
	assert.Equal(t, []any{}, a.body["options"])
	assert.Equal(t, false, a.body["modificationMetadata"].(map[string]any)["readOnlyValue"])

	// Read-only values: HubSpot's own, and calculated properties.
	for name, calculated := range map[string]bool{"hs_object_id": false, "days_to_renewal": true} {
		a = call(t, s, "GET", "/crm/v3/properties/contacts/"+name, "")
		require.Equal(t, 200, a.code)
		assert.Equal(t, calculated, a.body["calculated"], name)
		assert.Equal(t, true, a.body["modificationMetadata"].(map[string]any)["readOnlyValue"], name)
	}

	assert.Equal(t, 404, call(t, s, "GET", "/crm/v3/properties/contacts/no_such", "").code)

	def := `{"name":"cs_tier","label":"CS Tier","type":"enumeration","fieldType":"radio","groupName":"contactinformation","options":[{"label":"Gold","value":"gold","displayOrder":0,"hidden":false}]}`
	a = call(t, s, "POST", "/crm/v3/properties/contacts", def)
	require.Equal(t, 201, a.code, a.raw)
	assert.Equal(t, "cs_tier", a.body["name"])
	a = call(t, s, "POST", "/crm/v3/properties/contacts", def)
	assert.Equal(t, 409, a.code)
	assert.Equal(t, 409, call(t, s, "POST", "/crm/v3/properties/contacts", strings.Replace(def, "cs_tier", "email", 1)).code)
	assert.Equal(t, 400, call(t, s, "POST", "/crm/v3/properties/contacts", `{"name":"Bad Name","label":"x","type":"string","fieldType":"text","groupName":"g"}`).code)
	assert.Equal(t, 1, s.Writes())

	assert.Equal(t, 400, call(t, s, "PATCH", "/crm/v3/objects/contacts/512", `{"properties":{"cs_tier":"Gold"}}`).code, "new definitions validate writes")
	assert.Equal(t, 200, call(t, s, "PATCH", "/crm/v3/objects/contacts/512", `{"properties":{"cs_tier":"gold"}}`).code)
}

func TestAssociations(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})

	a := call(t, s, "GET", "/crm/v4/objects/contacts/512/associations/deals", "")
	require.Equal(t, 200, a.code)
	assert.Contains(t, a.raw, `"toObjectId":900`, "a JSON number")
	assert.Equal(t, []any{map[string]any{"toObjectId": json.Number("900"),
		"associationTypes": []any{map[string]any{"category": "HUBSPOT_DEFINED", "typeId": json.Number("4"), "label": nil}}}}, results(t, a))
	assert.Nil(t, a.body["paging"])

	// Reverse directions use the documented ids.
	for path, typeID := range map[string]string{
		"/crm/v4/objects/deals/900/associations/contacts":  "3",
		"/crm/v4/objects/deals/900/associations/companies": "5",
		"/crm/v4/objects/companies/700/associations/deals": "6",
	} {
		a := call(t, s, "GET", path, "")
		r := results(t, a)
		require.Len(t, r, 1, path)
		assert.Equal(t, json.Number(typeID), r[0].(map[string]any)["associationTypes"].([]any)[0].(map[string]any)["typeId"], path)
	}
	a = call(t, s, "GET", "/crm/v4/objects/companies/700/associations/deals", "")
	assert.Equal(t, "Primary", results(t, a)[0].(map[string]any)["associationTypes"].([]any)[0].(map[string]any)["label"])

	for _, id := range []string{"901", "902", "903", "904", "905"} {
		s.Associate(hubspotfake.Assoc{FromType: "deals", FromID: id, ToType: "contacts", ToID: "512"})
	}
	var got []string
	after := ""
	for range 10 {
		a := call(t, s, "GET", "/crm/v4/objects/contacts/512/associations/deals?limit=2&after="+after, "")
		require.Equal(t, 200, a.code, a.raw)
		for _, r := range results(t, a) {
			got = append(got, string(r.(map[string]any)["toObjectId"].(json.Number)))
		}
		paging, _ := a.body["paging"].(map[string]any)
		if paging == nil {
			break
		}
		after = paging["next"].(map[string]any)["after"].(string)
	}
	assert.Equal(t, []string{"900", "901", "902", "903", "904", "905"}, got)
	assert.Equal(t, 400, call(t, s, "GET", "/crm/v4/objects/contacts/512/associations/deals?after=garbage!", "").code)

	a = call(t, s, "POST", "/crm/v4/associations/contacts/deals/batch/read", `{"inputs":[{"id":"512"},{"id":"513"}]}`)
	require.Equal(t, 207, a.code, a.raw)
	r := results(t, a)
	require.Len(t, r, 1)
	assert.Equal(t, "512", r[0].(map[string]any)["from"].(map[string]any)["id"])
	assert.Len(t, r[0].(map[string]any)["to"], 6)
	e := a.body["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, "OBJECT_NOT_FOUND", e["category"])
	assert.Equal(t, "crm.associations.NO_ASSOCIATIONS_FOUND", e["subCategory"])
	assert.Equal(t, "No deal is associated with contact 513.", e["message"])
	assert.Equal(t, []any{"513"}, e["context"].(map[string]any)["fromObjectId"])

	inputs := make([]string, 1001)
	for i := range inputs {
		inputs[i] = `{"id":"` + strconv.Itoa(i) + `"}`
	}
	assert.Equal(t, 400, call(t, s, "POST", "/crm/v4/associations/contacts/deals/batch/read", `{"inputs":[`+strings.Join(inputs, ",")+`]}`).code)

	s.Dissociate(hubspotfake.Assoc{FromType: "contacts", FromID: "512", ToType: "deals", ToID: "901"})
	assert.Empty(t, results(t, call(t, s, "GET", "/crm/v4/objects/deals/901/associations/contacts", "")), "both directions go")
	s.Delete("deals", "900")
	_, ok := s.Get("deals", "900")
	assert.False(t, ok)
	assert.Len(t, results(t, call(t, s, "GET", "/crm/v4/objects/contacts/512/associations/deals", "")), 4)
	assert.Empty(t, results(t, call(t, s, "GET", "/crm/v4/objects/companies/700/associations/deals", "")))
}

func TestRateLimits(t *testing.T) {
	s := newFake(t, hubspotfake.Options{TenSecondLimit: 3, SearchPerSecond: 1})
	a := call(t, s, "GET", "/crm/v3/objects/contacts/512", "")
	require.Equal(t, 200, a.code)
	assert.Equal(t, "3", a.header.Get("X-HubSpot-RateLimit-Max"))
	assert.Equal(t, "2", a.header.Get("X-HubSpot-RateLimit-Remaining"))
	assert.Equal(t, "10000", a.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))

	assert.Equal(t, 200, call(t, s, "POST", "/crm/v3/objects/contacts/search", `{}`).code)
	a = call(t, s, "POST", "/crm/v3/objects/contacts/search", `{}`)
	require.Equal(t, 429, a.code)
	assert.Equal(t, "You have reached your secondly limit.", a.body["message"])
	assert.Equal(t, "RATE_LIMITS", a.body["category"])
	assert.Equal(t, "SECONDLY", a.body["policyName"])

	a = call(t, s, "GET", "/crm/v3/objects/contacts/512", "")
	require.Equal(t, 429, a.code, "three requests used the ten seconds")
	assert.Equal(t, "TEN_SECONDLY_ROLLING", a.body["policyName"])
	assert.Equal(t, "0", a.header.Get("X-HubSpot-RateLimit-Remaining"))
}

func TestFaults(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	s.Faults().FailNth(hubspotfake.RouteGetObject, 1, 503)
	s.Faults().FailNth(hubspotfake.RouteGetObject, 2, 500)
	s.Faults().FailNth(hubspotfake.RouteGetObject, 3, 429)

	a := call(t, s, "GET", "/crm/objects/2026-03/contacts/512", "")
	require.Equal(t, 503, a.code)
	assert.Contains(t, a.header.Get("Content-Type"), "text/html")
	assert.Contains(t, a.raw, "maintenance")

	a = call(t, s, "GET", "/crm/v3/objects/contacts/512", "")
	require.Equal(t, 500, a.code)
	assert.Equal(t, "error", a.body["status"])

	a = call(t, s, "GET", "/crm/v3/objects/contacts/512", "")
	require.Equal(t, 429, a.code)
	assert.Equal(t, "RATE_LIMITS", a.body["category"])

	assert.Equal(t, 200, call(t, s, "GET", "/crm/v3/objects/contacts/512", "").code)
	assert.Equal(t, 4, s.Faults().Calls(hubspotfake.RouteGetObject))

	// Faults come before authentication, as the injector sees every request.
	s.Faults().FailNth(hubspotfake.RouteSearch, 1, 502)
	assert.Equal(t, 502, callAs(t, s, "", "POST", "/crm/v3/objects/contacts/search", `{}`).code)
}

func TestLoadFixture(t *testing.T) {
	dir := t.TempDir()
	data, err := json.Marshal(fixture())
	require.NoError(t, err)
	path := filepath.Join(dir, "hubspot.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	f, err := hubspotfake.LoadFixture(path)
	require.NoError(t, err)
	assert.Equal(t, fixture(), f)

	require.NoError(t, os.WriteFile(path, []byte(`{"contacts":[{"id":"1","propertys":{}}]}`), 0o600))
	_, err = hubspotfake.LoadFixture(path)
	assert.ErrorContains(t, err, "propertys")
	_, err = hubspotfake.LoadFixture(filepath.Join(dir, "missing.json"))
	assert.Error(t, err)
}

func TestConcurrentUse(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := strconv.Itoa(10_000 + g*100 + i)
				s.Put("contacts", id, map[string]string{"email": id + "@example.com"})
				req := httptest.NewRequest("POST", "/crm/v3/objects/contacts/search", strings.NewReader(`{"limit":5}`))
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != 200 {
					t.Errorf("search: %d %s", rec.Code, rec.Body)
				}
				s.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: id, ToType: "deals", ToID: "900"})
			}
		}()
	}
	wg.Wait()
	a := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[{"filters":[{"propertyName":"hs_object_id","operator":"GTE","value":"10000"}]}]}`)
	assert.Equal(t, json.Number("400"), a.body["total"])
	assert.Len(t, results(t, call(t, s, "GET", "/crm/v4/objects/deals/900/associations/contacts", "")), 401)
}
