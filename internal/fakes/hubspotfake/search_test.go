package hubspotfake_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

func search(t *testing.T, s *hubspotfake.Server, body string) answer {
	t.Helper()
	return call(t, s, "POST", "/crm/v3/objects/contacts/search", body)
}

func filter(prop, op, value string) string {
	return fmt.Sprintf(`{"filterGroups":[{"filters":[{"propertyName":%q,"operator":%q,"value":%q}]}]}`, prop, op, value)
}

func TestSearchOperators(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	// Contacts: 99 Nomail; 512 Brian (BH@HubSpot.com, active, score 10, tags a;C);
	// 513 Dharmesh (inactive, score 9, modified 2025-07-07T20:27:17.947Z); 1000 xavier (score 100).
	modified := strconv.FormatInt(time.Date(2025, 7, 7, 20, 27, 17, 947e6, time.UTC).UnixMilli(), 10)
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"EQ is case-insensitive for strings":     {filter("email", "EQ", "bh@hubspot.com"), []string{"512"}},
		"EQ is case-sensitive for enumerations":  {filter("cs_status", "EQ", "Active"), nil},
		"EQ on an enumeration":                   {filter("cs_status", "EQ", "active"), []string{"512"}},
		"EQ on one of multiple checkboxes":       {filter("tags", "EQ", "C"), []string{"512"}},
		"checkbox filtered with true":            {filter("sync_cs", "EQ", "true"), []string{"512", "513"}},
		"NEQ includes records without a value":   {filter("sync_cs", "NEQ", "true"), []string{"99", "1000"}},
		"numbers compare numerically":            {filter("score", "GT", "9"), []string{"512", "1000"}},
		"LT":                                     {filter("score", "LT", "10"), []string{"513"}},
		"LTE":                                    {filter("score", "LTE", "10"), []string{"512", "513"}},
		"GTE on ids":                             {filter("hs_object_id", "GTE", "513"), []string{"513", "1000"}},
		"dates compare as epoch ms":              {filter("lastmodifieddate", "LTE", modified), []string{"513"}},
		"dates after":                            {filter("lastmodifieddate", "GT", modified), []string{"99", "512", "1000"}},
		"HAS_PROPERTY":                           {`{"filterGroups":[{"filters":[{"propertyName":"email","operator":"HAS_PROPERTY"}]}]}`, []string{"512", "513", "1000"}},
		"NOT_HAS_PROPERTY":                       {`{"filterGroups":[{"filters":[{"propertyName":"email","operator":"NOT_HAS_PROPERTY"}]}]}`, []string{"99"}},
		"IN is case-insensitive for strings":     {`{"filterGroups":[{"filters":[{"propertyName":"firstname","operator":"IN","values":["brian","XAVIER"]}]}]}`, []string{"512", "1000"}},
		"NOT_IN":                                 {`{"filterGroups":[{"filters":[{"propertyName":"firstname","operator":"NOT_IN","values":["brian","xavier"]}]}]}`, []string{"99", "513"}},
		"BETWEEN is inclusive":                   {`{"filterGroups":[{"filters":[{"propertyName":"score","operator":"BETWEEN","value":"9","highValue":"10"}]}]}`, []string{"512", "513"}},
		"CONTAINS_TOKEN":                         {filter("jobtitle", "CONTAINS_TOKEN", "sales"), []string{"1000"}},
		"CONTAINS_TOKEN on an email domain":      {filter("email", "CONTAINS_TOKEN", "hubspot.com"), []string{"512", "513"}},
		"CONTAINS_TOKEN with a wildcard":         {filter("email", "CONTAINS_TOKEN", "*@example.com"), []string{"1000"}},
		"NOT_CONTAINS_TOKEN":                     {filter("email", "NOT_CONTAINS_TOKEN", "hubspot"), []string{"99", "1000"}},
		"numeric filter values given as numbers": {`{"filterGroups":[{"filters":[{"propertyName":"score","operator":"EQ","value":100}]}]}`, []string{"1000"}},
		"groups are ORed, filters ANDed": {`{"filterGroups":[
			{"filters":[{"propertyName":"sync_cs","operator":"EQ","value":"true"},{"propertyName":"score","operator":"LT","value":"10"}]},
			{"filters":[{"propertyName":"firstname","operator":"EQ","value":"nomail"}]}]}`, []string{"99", "513"}},
		"no filters: everything": {`{}`, []string{"99", "512", "513", "1000"}},
	} {
		t.Run(name, func(t *testing.T) {
			a := search(t, s, tc.body)
			require.Equal(t, 200, a.code, a.raw)
			got := resultIDs(t, a)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, json.Number(strconv.Itoa(len(tc.want))), a.body["total"])
		})
	}
}

func TestSearchPagingAndSorting(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	f := hubspotfake.Fixture{}
	for i := range 25 {
		id := strconv.Itoa(2000 + i)
		f.Contacts = append(f.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{
			"email": id + "@example.com", "score": strconv.Itoa(i % 5),
			"lastmodifieddate": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(25-i) * time.Minute).Format(time.RFC3339),
		}})
	}
	s.Seed(f)
	base := `"filterGroups":[{"filters":[{"propertyName":"hs_object_id","operator":"GTE","value":"2000"}]}]`

	a := search(t, s, `{`+base+`}`)
	assert.Len(t, results(t, a), 10, "default limit")
	assert.Equal(t, json.Number("25"), a.body["total"])
	assert.Equal(t, "10", a.body["paging"].(map[string]any)["next"].(map[string]any)["after"])

	a = search(t, s, `{`+base+`,"limit":10,"after":"20"}`)
	assert.Equal(t, []string{"2020", "2021", "2022", "2023", "2024"}, resultIDs(t, a))
	assert.Nil(t, a.body["paging"], "no paging on the last page")

	a = search(t, s, `{`+base+`,"sorts":[{"propertyName":"lastmodifieddate","direction":"ASCENDING"}],"limit":3,"properties":["email"]}`)
	assert.Equal(t, []string{"2024", "2023", "2022"}, resultIDs(t, a))
	assert.ElementsMatch(t, []string{"email", "hs_object_id", "createdate", "lastmodifieddate"}, keys(props(t, results(t, a)[0])))

	a = search(t, s, `{`+base+`,"sorts":[{"propertyName":"score","direction":"DESCENDING"}],"limit":6}`)
	assert.Equal(t, []string{"2004", "2009", "2014", "2019", "2024", "2003"}, resultIDs(t, a), "ties in id order")

	a = search(t, s, `{`+base+`,"sorts":[{"propertyName":"hs_object_id","direction":"DESCENDING"}],"limit":2}`)
	assert.Equal(t, []string{"2024", "2023"}, resultIDs(t, a))

	a = search(t, s, filter("email", "EQ", "nobody@example.com"))
	require.Equal(t, 200, a.code)
	assert.JSONEq(t, `{"total":0,"results":[]}`, a.raw)
}

func TestSearchLimits(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	f := `{"propertyName":"email","operator":"HAS_PROPERTY"}`
	group := func(n int) string { return `{"filters":[` + strings.TrimSuffix(strings.Repeat(f+",", n), ",") + `]}` }
	groups := func(n, per int) string {
		return `{"filterGroups":[` + strings.TrimSuffix(strings.Repeat(group(per)+",", n), ",") + `]}`
	}
	for name, body := range map[string]string{
		"limit over 200":         `{"limit":201}`,
		"negative limit":         `{"limit":-1}`,
		"past 10,000":            `{"limit":200,"after":"9900"}`,
		"bad after":              `{"after":"abc"}`,
		"six groups":             groups(6, 1),
		"seven filters in group": groups(1, 7),
		"two sorts":              `{"sorts":[{"propertyName":"email"},{"propertyName":"firstname"}]}`,
		"bad direction":          `{"sorts":[{"propertyName":"email","direction":"UP"}]}`,
		"unknown operator":       filter("email", "LIKE", "x"),
		"EQ without value":       `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ"}]}]}`,
		"IN without values":      `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"IN"}]}]}`,
		"body over 3000 chars":   `{"properties":["` + strings.Repeat("x", 3000) + `"]}`,
		"not JSON":               `{"limit":`,
	} {
		a := search(t, s, body)
		assert.Equal(t, 400, a.code, name)
		assert.Equal(t, "VALIDATION_ERROR", a.body["category"], name)
	}
	for name, body := range map[string]string{
		"limit 200":                    `{"limit":200}`,
		"up to exactly 10,000":         `{"limit":200,"after":"9800"}`,
		"five groups of three (15)":    groups(5, 3),
		"three groups of six (18)":     groups(3, 6),
		"four groups of five (20)":     groups(4, 5),
		"limit 0 is the default (10)":  `{"limit":0}`,
		"after as a number in JSON":    `{"after":5}`,
		"one group of six":             groups(1, 6),
		"empty groups list":            `{"filterGroups":[]}`,
		"a group without filters":      `{"filterGroups":[{"filters":[]}]}`,
		"a query string is accepted":   `{"query":"brian"}`,
		"sort without direction (ASC)": `{"sorts":[{"propertyName":"email"}]}`,
	} {
		a := search(t, s, body)
		if name == "four groups of five (20)" {
			assert.Equal(t, 400, a.code, "more than 18 filters in all")
			continue
		}
		assert.Equal(t, 200, a.code, "%s: %s", name, a.raw)
	}
}

// TestLargeSearch checks a 100,000-contact portal stays fast to page through by id.
func TestLargeSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 contacts")
	}
	s := hubspotfake.New(hubspotfake.Options{Token: token})
	f := hubspotfake.Fixture{Contacts: make([]hubspotfake.Record, 0, 100_000)}
	for i := range 100_000 {
		id := strconv.Itoa(1_000_000 - i*3) // seeded in descending order
		sync := "false"
		if i%2 == 0 {
			sync = "true"
		}
		f.Contacts = append(f.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{"email": id + "@example.com", "sync_cs": sync}})
	}
	s.Seed(f)
	after, pages := "0", 0
	for pages < 20 {
		a := search(t, s, `{"filterGroups":[{"filters":[{"propertyName":"sync_cs","operator":"EQ","value":"true"},{"propertyName":"hs_object_id","operator":"GT","value":"`+after+`"}]}],"sorts":[{"propertyName":"hs_object_id","direction":"ASCENDING"}],"limit":200}`)
		require.Equal(t, 200, a.code, a.raw)
		ids := resultIDs(t, a)
		require.Len(t, ids, 200)
		after = ids[len(ids)-1]
		pages++
	}
	assert.Equal(t, "724000", after)
}
