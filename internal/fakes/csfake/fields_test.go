package csfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
)

// allContactKeys are the fields every contact answers: the 16 the client types and the 14 more
// real details carry.
var allContactKeys = []string{"advocate", "champion", "city", "clientId", "contactState", "country", "customFieldValues",
	"email", "executiveSponsor", "externalId", "firstName", "id", "keyContact", "lastName", "linkedinUrl", "mobile", "name",
	"note", "phone", "preferredName", "starred", "state", "statusId", "street", "street2", "timeZone", "title",
	"twitterHandle", "uuid", "zip"}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// seedRich gives client 1 contact 7 with standard and unknown extra fields set.
func seedRich(s *Server) {
	s.Seed(Fixture{
		Clients: []clientsuccess.Client{{ID: 1, Name: "Acme", ExternalID: "D-1"}, {ID: 2, Name: "Globex"}},
		Contacts: []clientsuccess.Contact{{ID: 7, ClientID: 1, Email: "ann@acme.com", FirstName: "Ann", LastName: "Lee", ExternalID: "hs-1",
			Extra: map[string]json.RawMessage{"linkedinUrl": raw(`"https://linkedin.com/in/ann"`), "note": raw(`"Met at SaaStr"`),
				"advocate": raw(`true`), "city": raw(`null`), "favoriteColor": raw(`"teal"`)}}},
	})
}

func decodeMap(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return m
}

func TestContactAnswersEveryField(t *testing.T) {
	h := newHarness(t, Options{})
	seedRich(h.s)

	status, body := h.call("GET", "/v1/clients/1/contacts/7/details", "")
	require.Equal(t, 200, status, body)
	detail := decodeMap(t, body)
	assert.ElementsMatch(t, append(slices.Clone(allContactKeys), "favoriteColor"), slices.Collect(maps.Keys(detail)))
	assert.Equal(t, "https://linkedin.com/in/ann", detail["linkedinUrl"])
	assert.Equal(t, true, detail["advocate"])
	assert.Equal(t, false, detail["starred"], "an empty flag is false")
	assert.Nil(t, detail["city"])
	assert.Nil(t, detail["street2"])
	assert.Equal(t, "teal", detail["favoriteColor"], "a field the fake does not model is kept")

	status, body = h.call("GET", "/v1/clients/1/contacts", "")
	require.Equal(t, 200, status, body)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Len(t, list, 1)
	assert.Equal(t, detail, list[0], "the list answers the full contacts")
}

func TestPutWithoutAFieldBlanksIt(t *testing.T) {
	h := newHarness(t, Options{})
	seedRich(h.s)
	before, _ := h.s.ContactFields(7)

	// What a client knowing only the 16 typed fields sends: linkedinUrl, note, advocate are lost.
	status, body := h.call("PUT", "/v1/clients/1/contacts/7/details",
		`{"id":7,"clientId":1,"email":"ann@acme.com","firstName":"Ann","lastName":"Lee","externalId":"hs-1","title":"CEO"}`)
	require.Equal(t, 200, status, body)
	after := decodeMap(t, body)
	assert.Nil(t, after["linkedinUrl"], "not sent, so blanked")
	assert.Nil(t, after["note"])
	assert.Equal(t, false, after["advocate"])
	assert.NotContains(t, after, "favoriteColor", "a field the fake does not model, not sent again, is gone")
	assert.Equal(t, "CEO", after["title"])
	assert.Equal(t, before["uuid"], after["uuid"])
	stored, _ := h.s.ContactFields(7)
	assert.Equal(t, after, stored)
}

func TestPutAndPostStoreEverySentField(t *testing.T) {
	h := newHarness(t, Options{})
	seedRich(h.s)
	before, _ := h.s.ContactFields(7)

	status, body := h.call("PUT", "/v1/clients/1/contacts/7/details", `{"id":99,"uuid":"cnt_other","clientId":2,"email":"ann@acme.com",
		"linkedinUrl":"https://linkedin.com/in/ann2","starred":true,"timeZone":"Europe/Paris","shoeSize":{"eu":38}}`)
	require.Equal(t, 200, status, body)
	after := decodeMap(t, body)
	for _, k := range []string{"id", "uuid", "clientId"} {
		assert.Equal(t, before[k], after[k], "%s never changes", k)
	}
	assert.Equal(t, "https://linkedin.com/in/ann2", after["linkedinUrl"])
	assert.Equal(t, true, after["starred"])
	assert.Equal(t, "Europe/Paris", after["timeZone"])
	assert.Equal(t, map[string]any{"eu": float64(38)}, after["shoeSize"], "a new key is stored and answered: the set can grow")
	assert.Len(t, h.s.ContactsOf(2), 0, "the contact stayed on its client")

	status, body = h.call("POST", "/v1/clients/2/contacts", `{"email":"cy@globex.com","firstName":"Cy","advocate":true,
		"street":"1 Main St","zip":"02139","favoriteColor":null,"nickname":"C"}`)
	require.Equal(t, 200, status, body)
	created := decodeMap(t, body)
	assert.Equal(t, true, created["advocate"])
	assert.Equal(t, "1 Main St", created["street"])
	assert.Equal(t, "C", created["nickname"])
	assert.Contains(t, created, "favoriteColor", "an unknown key sent as null is kept as null")
	assert.Nil(t, created["favoriteColor"])
	id := int64(created["id"].(float64))
	stored, ok := h.s.ContactFields(id)
	require.True(t, ok)
	assert.Equal(t, created, stored)
}

func TestStandardFieldTypesChecked(t *testing.T) {
	h := newHarness(t, Options{})
	seedRich(h.s)
	writes := h.s.Writes()
	for _, bad := range []struct{ body, want string }{
		{`{"email":"ann@acme.com","advocate":"yes"}`, "advocate: true or false"},
		{`{"email":"ann@acme.com","linkedinUrl":7}`, "Invalid value 7 for linkedinUrl"},
		{`{"email":"ann@acme.com","note":false}`, "note: a text"},
	} {
		status, body := h.call("PUT", "/v1/clients/1/contacts/7/details", bad.body)
		assert.Equal(t, 400, status, bad.body)
		assert.Contains(t, body, bad.want)
	}
	assert.Equal(t, writes, h.s.Writes())
	fields, _ := h.s.ContactFields(7)
	assert.Equal(t, "https://linkedin.com/in/ann", fields["linkedinUrl"], "a refused PUT changes nothing")
}

func TestEditContactInUI(t *testing.T) {
	h := newHarness(t, Options{})
	seedRich(h.s)
	before, ok := h.s.ContactFields(7)
	require.True(t, ok)
	h.s.ResetCounters()

	edit := map[string]any{"email": "ann.lee@acme.com", "linkedinUrl": nil, "starred": true, "lastName": "Li"}
	require.NoError(t, h.s.EditContactInUI(7, edit))
	after, _ := h.s.ContactFields(7)
	for k, v := range before {
		switch k {
		case "email":
			assert.Equal(t, "ann.lee@acme.com", after[k])
		case "linkedinUrl":
			assert.Nil(t, after[k])
		case "starred":
			assert.Equal(t, true, after[k])
		case "lastName":
			assert.Equal(t, "Li", after[k])
		case "name":
			assert.Equal(t, "Ann Li", after[k], "the name follows")
		default:
			assert.Equal(t, v, after[k], "%s is untouched", k)
		}
	}
	assert.Equal(t, 0, h.s.Writes(), "a UI edit is not an API write")
	status, body := h.call("GET", "/v1/contacts/search?term=ann.lee", "")
	require.Equal(t, 200, status)
	assert.Contains(t, body, `"id":7`, "the search sees the new email")

	assert.ErrorContains(t, h.s.EditContactInUI(7, map[string]any{"uuid": "x"}), "cannot be edited")
	assert.ErrorContains(t, h.s.EditContactInUI(7, map[string]any{"email": "no-at-sign"}), "valid email")
	assert.ErrorContains(t, h.s.EditContactInUI(7, map[string]any{"advocate": "yes"}), "advocate")
	assert.ErrorContains(t, h.s.EditContactInUI(8, map[string]any{"email": "a@b"}), "no contact 8")
	unchanged, _ := h.s.ContactFields(7)
	assert.Equal(t, after, unchanged, "a refused edit changes nothing")
	_, ok = h.s.ContactFields(8)
	assert.False(t, ok)
}

func TestSeedExtraFields(t *testing.T) {
	s := New(Options{})
	seedRich(s)
	got := s.ContactsOf(1)[0]
	assert.JSONEq(t, `"https://linkedin.com/in/ann"`, string(got.Extra["linkedinUrl"]))
	assert.NotContains(t, got.Extra, "city", "an empty standard field is not stored: it answers null anyway")
	got.Extra["note"] = raw(`"changed"`)
	fields, _ := s.ContactFields(7)
	assert.Equal(t, "Met at SaaStr", fields["note"], "accessors return copies")

	path := filepath.Join(t.TempDir(), "cs.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"clients":[{"id":5}],
		"contacts":[{"id":9,"clientId":5,"email":"a@b.c","linkedinUrl":"https://in/a","advocate":true,"street2":"Suite 4"}]}`), 0o600))
	f, err := LoadFixture(path)
	require.NoError(t, err)
	s.Seed(f)
	fields, _ = s.ContactFields(9)
	assert.Equal(t, "https://in/a", fields["linkedinUrl"])
	assert.Equal(t, true, fields["advocate"])
	assert.Equal(t, "Suite 4", fields["street2"])
	assert.Equal(t, fmt.Sprint(allContactKeys), fmt.Sprint(slices.Sorted(maps.Keys(fields))))
}
