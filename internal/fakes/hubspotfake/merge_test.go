package hubspotfake_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

const datedContacts = "/crm/objects/" + hubspotfake.DateVersion + "/contacts"

// allContactIDs searches every contact, in id order.
func allContactIDs(t *testing.T, s *hubspotfake.Server) []string {
	t.Helper()
	a := search(t, s, `{"limit":200}`)
	require.Equal(t, 200, a.code, a.raw)
	return resultIDs(t, a)
}

func associatedIDs(t *testing.T, s *hubspotfake.Server, path string) []string {
	t.Helper()
	a := call(t, s, "GET", path, "")
	require.Equal(t, 200, a.code, a.raw)
	var ids []string
	for _, r := range results(t, a) {
		ids = append(ids, fmt.Sprint(r.(map[string]any)["toObjectId"]))
	}
	return ids
}

func TestMergeCreatesASurvivorBothOldIDsAnswer(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	s.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "1000", ToType: "companies", ToID: "700"})
	before512, _ := s.Get("contacts", "512")
	before1000, _ := s.Get("contacts", "1000")

	survivor := s.Merge("512", "1000")
	n, err := strconv.Atoi(survivor)
	require.NoError(t, err)
	assert.Greater(t, n, 1000, "a new id, higher than any existing")

	got := call(t, s, "GET", "/crm/v3/objects/contacts/"+survivor+"?properties=email,jobtitle,score,firstname,hs_merged_object_ids", "")
	require.Equal(t, 200, got.code, got.raw)
	p := props(t, got.body)
	assert.Equal(t, "BH@HubSpot.com", p["email"], "the primary's values win")
	assert.Equal(t, "10", p["score"])
	assert.Equal(t, "VP of Sales", p["jobtitle"], "the secondary fills what the primary lacks")
	assert.Equal(t, "512;1000", p["hs_merged_object_ids"])
	assert.Equal(t, survivor, p["hs_object_id"])
	assert.Greater(t, p["lastmodifieddate"], before512["lastmodifieddate"], "lastmodifieddate moves")
	assert.Greater(t, p["lastmodifieddate"], before1000["lastmodifieddate"])

	for _, path := range []string{"/crm/v3/objects/contacts/512", datedContacts + "/1000"} {
		a := call(t, s, "GET", path+"?properties=email", "")
		require.Equal(t, 200, a.code, "%s: %s", path, a.raw)
		assert.Equal(t, survivor, a.body["id"], "%s answers the survivor under its own id", path)
		assert.Equal(t, "BH@HubSpot.com", props(t, a.body)["email"])
	}

	batch := call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[{"id":"512"},{"id":"1000"},{"id":"513"}]}`)
	require.Equal(t, 200, batch.code, batch.raw)
	assert.Equal(t, []string{survivor, "513"}, resultIDs(t, batch), "both old ids answer the survivor, once")

	assert.Equal(t, []string{"99", "513", survivor}, allContactIDs(t, s), "search shows only the survivor")
	byEmail := search(t, s, `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ","value":"bh@hubspot.com"}]}]}`)
	assert.Equal(t, []string{survivor}, resultIDs(t, byEmail))

	patched := call(t, s, "PATCH", datedContacts+"/1000", `{"properties":{"jobtitle":"CEO"}}`)
	require.Equal(t, 200, patched.code, patched.raw)
	assert.Equal(t, survivor, patched.body["id"])
	stored, _ := s.Get("contacts", survivor)
	assert.Equal(t, "CEO", stored["jobtitle"], "a PATCH by an old id updates the survivor")

	assert.Equal(t, []string{"900"}, associatedIDs(t, s, "/crm/v4/objects/contacts/"+survivor+"/associations/deals"))
	assert.Equal(t, []string{"700"}, associatedIDs(t, s, "/crm/v4/objects/contacts/"+survivor+"/associations/companies"),
		"associations are the union")
	assert.Equal(t, []string{survivor}, associatedIDs(t, s, "/crm/v4/objects/deals/900/associations/contacts"))
	assert.Equal(t, []string{"900"}, associatedIDs(t, s, "/crm/v4/objects/contacts/512/associations/deals"),
		"an old id reads the survivor's associations")

	bad := call(t, s, "PATCH", "/crm/v3/objects/contacts/"+survivor, `{"properties":{"hs_merged_object_ids":"1"}}`)
	assert.Equal(t, 400, bad.code, "hs_merged_object_ids is HubSpot's to write")
}

func TestChainedMergeAccumulatesIDs(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	first := s.Merge("512", "1000")
	second := s.Merge("513", "512") // an old id names its survivor
	assert.NotEqual(t, first, second)

	stored, ok := s.Get("contacts", second)
	require.True(t, ok)
	assert.Equal(t, "512;513;1000;"+first, stored["hs_merged_object_ids"], "every id folded in, in id order")
	assert.Equal(t, "ds@hubspot.com", stored["email"], "513 was the primary")
	for _, old := range []string{"512", "513", "1000", first} {
		a := call(t, s, "GET", "/crm/v3/objects/contacts/"+old, "")
		require.Equal(t, 200, a.code, a.raw)
		assert.Equal(t, second, a.body["id"], "%s answers the last survivor", old)
	}
	assert.Equal(t, []string{"99", second}, allContactIDs(t, s))

	third := s.Merge("99", second)
	n2, _ := strconv.Atoi(second)
	n3, _ := strconv.Atoi(third)
	assert.Greater(t, n3, n2)
	assert.Panics(t, func() { s.Merge(third, "512") }, "both name the same record")
	assert.Panics(t, func() { s.Merge(third, "424242") }, "an unknown id")
}

func TestMergeCompanies(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	other := hubspotfake.Record{ID: "701", Properties: map[string]string{"name": "HubSpot Inc", "domain": "hubspot.com"}}
	s.Seed(hubspotfake.Fixture{Companies: []hubspotfake.Record{other}})
	s.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "513", ToType: "companies", ToID: "701"})

	survivor := s.MergeCompanies("700", "701")
	got, ok := s.Get("companies", "701")
	require.True(t, ok)
	assert.Equal(t, survivor, got["hs_object_id"])
	assert.Equal(t, "HubSpot", got["name"])
	assert.Equal(t, "hubspot.com", got["domain"])
	assert.Equal(t, "700;701", got["hs_merged_object_ids"])
	assert.Equal(t, []string{survivor}, associatedIDs(t, s, "/crm/v4/objects/deals/900/associations/companies"))
	assert.Equal(t, []string{survivor}, associatedIDs(t, s, "/crm/v4/objects/contacts/513/associations/companies"))
}
