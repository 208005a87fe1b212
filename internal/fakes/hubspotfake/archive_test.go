package hubspotfake_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

func TestDeletedRecordIsArchived(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	before, _ := s.Get("contacts", "512")
	s.Delete("contacts", "512")

	for _, path := range []string{"/crm/v3/objects/contacts/512", datedContacts + "/512"} {
		assert.Equal(t, 404, call(t, s, "GET", path, "").code, path)
		a := call(t, s, "GET", path+"?archived=true&properties=email,cs_status", "")
		require.Equal(t, 200, a.code, "%s: %s", path, a.raw)
		assert.Equal(t, "512", a.body["id"])
		assert.Equal(t, true, a.body["archived"])
		assert.NotEmpty(t, a.body["archivedAt"])
		assert.Equal(t, "BH@HubSpot.com", props(t, a.body)["email"], "an archived record keeps its properties")
		assert.Equal(t, "active", props(t, a.body)["cs_status"])
	}
	live := call(t, s, "GET", "/crm/v3/objects/contacts/513?archived=true", "")
	assert.Equal(t, 404, live.code, "archived=true reads only deleted records")
	assert.Equal(t, false, call(t, s, "GET", "/crm/v3/objects/contacts/513", "").body["archived"])

	assert.NotContains(t, allContactIDs(t, s), "512", "a deleted record leaves search")
	batch := call(t, s, "POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[{"id":"512"},{"id":"513"}]}`)
	require.Equal(t, 207, batch.code, batch.raw)
	assert.Equal(t, []string{"513"}, resultIDs(t, batch))
	errs := batch.body["errors"].([]any)
	require.Len(t, errs, 1)
	assert.Equal(t, "OBJECT_NOT_FOUND", errs[0].(map[string]any)["category"])
	assert.Equal(t, []any{"512"}, errs[0].(map[string]any)["context"].(map[string]any)["ids"])
	assert.Equal(t, 404, call(t, s, "PATCH", "/crm/v3/objects/contacts/512", `{"properties":{"jobtitle":"x"}}`).code)
	assert.Empty(t, associatedIDs(t, s, "/crm/v4/objects/deals/900/associations/contacts"), "associations are dropped")
	_, ok := s.Get("contacts", "512")
	assert.False(t, ok)

	require.True(t, s.Restore("contacts", "512"))
	a := call(t, s, "GET", "/crm/v3/objects/contacts/512?properties=email", "")
	require.Equal(t, 200, a.code, a.raw)
	assert.Equal(t, false, a.body["archived"])
	assert.NotContains(t, a.body, "archivedAt")
	assert.Contains(t, allContactIDs(t, s), "512", "a restored record is back in search")
	after, _ := s.Get("contacts", "512")
	assert.Greater(t, after["lastmodifieddate"], before["lastmodifieddate"], "a restore moves lastmodifieddate")
	assert.Equal(t, before["email"], after["email"])
	assert.Empty(t, associatedIDs(t, s, "/crm/v4/objects/contacts/512/associations/deals"), "a restore brings no associations back")
	assert.Equal(t, 404, call(t, s, "GET", "/crm/v3/objects/contacts/512?archived=true", "").code)
	assert.False(t, s.Restore("contacts", "512"), "nothing archived under that id any more")
	assert.False(t, s.Restore("contacts", "424242"))
}

func TestDeleteAfterMergeAndMergedIDsArchived(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	survivor := s.Merge("512", "513")
	s.Delete("contacts", "513") // an old id deletes its survivor
	assert.Equal(t, 404, call(t, s, "GET", "/crm/v3/objects/contacts/"+survivor, "").code)
	assert.Equal(t, 404, call(t, s, "GET", "/crm/v3/objects/contacts/512", "").code)
	a := call(t, s, "GET", "/crm/v3/objects/contacts/512?archived=true", "")
	require.Equal(t, 200, a.code, a.raw)
	assert.Equal(t, survivor, a.body["id"])
	require.True(t, s.Restore("contacts", "513"))
	assert.Equal(t, survivor, call(t, s, "GET", "/crm/v3/objects/contacts/513", "").body["id"])
}

// listPages follows a list's paging and returns the ids of every page.
func listPages(t *testing.T, s *hubspotfake.Server, query string) [][]string {
	t.Helper()
	var pages [][]string
	after := ""
	for range 100 {
		a := call(t, s, "GET", datedContacts+"?"+query+after, "")
		require.Equal(t, 200, a.code, a.raw)
		pages = append(pages, resultIDs(t, a))
		paging, ok := a.body["paging"].(map[string]any)
		if !ok {
			return pages
		}
		after = "&after=" + paging["next"].(map[string]any)["after"].(string)
	}
	t.Fatal("the paging does not end")
	return nil
}

func TestListArchived(t *testing.T) {
	s := newFake(t, hubspotfake.Options{})
	var recs []hubspotfake.Record
	for i := 2000; i < 2150; i++ {
		recs = append(recs, hubspotfake.Record{ID: strconv.Itoa(i), Properties: map[string]string{"email": fmt.Sprintf("p%d@x.com", i)}})
	}
	s.Seed(hubspotfake.Fixture{Contacts: recs})
	var deleted []string
	for i := 2149; i >= 2000; i -= 2 { // out of id order, to see the list sort them
		id := strconv.Itoa(i)
		s.Delete("contacts", id)
		deleted = append([]string{id}, deleted...)
	}

	pages := listPages(t, s, "archived=true&limit=50&properties=email")
	require.Len(t, pages, 2)
	assert.Len(t, pages[0], 50)
	assert.Equal(t, deleted, append(pages[0], pages[1]...), "every archived record once, in id order")
	first := call(t, s, "GET", "/crm/v3/objects/contacts?archived=true&limit=1&properties=email", "")
	require.Equal(t, 200, first.code, first.raw)
	rec := results(t, first)[0].(map[string]any)
	assert.Equal(t, true, rec["archived"])
	assert.Equal(t, "p2001@x.com", props(t, rec)["email"])

	live := listPages(t, s, "limit=100")
	var liveIDs []string
	for _, p := range live {
		liveIDs = append(liveIDs, p...)
	}
	assert.Len(t, liveIDs, 4+75, "without archived=true the list pages the live records")
	assert.NotContains(t, liveIDs, "2001")

	// A page survives deletions before its cursor.
	a := call(t, s, "GET", "/crm/v3/objects/contacts?archived=true&limit=10", "")
	next := a.body["paging"].(map[string]any)["next"].(map[string]any)["after"].(string)
	require.True(t, s.Restore("contacts", "2001"))
	b := call(t, s, "GET", "/crm/v3/objects/contacts?archived=true&limit=10&after="+next, "")
	assert.Equal(t, "2021", resultIDs(t, b)[0])

	for _, bad := range []string{"limit=101", "limit=0", "limit=x", "after=not-a-cursor!"} {
		assert.Equal(t, 400, call(t, s, "GET", "/crm/v3/objects/contacts?archived=true&"+bad, "").code, bad)
	}
	assert.Empty(t, results(t, call(t, s, "GET", "/crm/v3/objects/deals?archived=true", "")))
}
