package csfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
)

const (
	user = "u@example.com"
	pass = "pw"
)

type harness struct {
	t     *testing.T
	s     *Server
	srv   *httptest.Server
	token string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	opts.Username, opts.Password = user, pass
	h := &harness{t: t, s: New(opts)}
	h.srv = httptest.NewServer(h.s)
	t.Cleanup(h.srv.Close)
	status, body := h.do("POST", "/v1/auth", `{"username":"`+user+`","password":"`+pass+`"}`, "")
	require.Equal(t, 200, status, body)
	var ar struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ar))
	h.token = ar.AccessToken
	return h
}

// do sends a request with the given Authorization header and returns the status and body.
func (h *harness) do(method, path, body, auth string) (int, string) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	require.NoError(h.t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, string(b)
}

func (h *harness) call(method, path, body string) (int, string) {
	h.t.Helper()
	return h.do(method, path, body, h.token)
}

func TestAuth(t *testing.T) {
	h := newHarness(t, Options{TokenTTL: time.Hour})

	// Form body.
	resp, err := http.PostForm(h.srv.URL+"/v1/auth", url.Values{"username": {user}, "password": {pass}})
	require.NoError(t, err)
	var ar struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ar))
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, ar.AccessToken, 36)
	assert.Equal(t, "Bearer", ar.TokenType)
	assert.Equal(t, 3600, ar.ExpiresIn)
	assert.Equal(t, 2, h.s.Logins())

	status, body := h.do("POST", "/v1/auth", `{"username":"`+user+`","password":"nope"}`, "")
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"code":"Unauthorized","message":""}`, body)
	assert.Equal(t, 2, h.s.Logins())

	status, _ = h.call("GET", "/v1/client-statuses", "")
	assert.Equal(t, 200, status)
	status, body = h.do("GET", "/v1/client-statuses", "", "Bearer "+h.token)
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"error":"invalid_token","error_description":"Bearer `+h.token+`"}`, body)
	status, _ = h.do("GET", "/v1/client-statuses", "", "")
	assert.Equal(t, 401, status)

	h.s.ExpireTokens()
	status, body = h.call("GET", "/v1/client-statuses", "")
	assert.Equal(t, 401, status)
	assert.Contains(t, body, "invalid_token")
}

func TestTokenTTL(t *testing.T) {
	h := newHarness(t, Options{TokenTTL: time.Nanosecond})
	status, _ := h.call("GET", "/v1/client-statuses", "")
	assert.Equal(t, 401, status, "the token has expired")
}

func seedSmall(s *Server) {
	s.Seed(Fixture{
		Clients: []clientsuccess.Client{
			{ID: 1, Name: "Acme", Active: true, ExternalID: "D-1", StatusID: 1},
			{Name: "Globex", ExternalID: "d-2"},
		},
		Contacts: []clientsuccess.Contact{
			{ID: 7, ClientID: 1, Email: "ann@acme.com", FirstName: "Ann", LastName: "Lee", ExternalID: "hs-1", Title: "CTO"},
			{ClientID: 1, Email: "joann@acme.com", FirstName: "Joann"},
		},
	})
}

func TestSeedAndAccessors(t *testing.T) {
	s := New(Options{})
	seedSmall(s)
	c, ok := s.Client(1)
	require.True(t, ok)
	assert.Equal(t, "Acme", c.Name)
	c2, ok := s.Client(firstClientID)
	require.True(t, ok, "a zero id is assigned")
	assert.Equal(t, "Globex", c2.Name)

	all := s.Contacts()
	require.Len(t, all, 2)
	assert.Equal(t, int64(7), all[0].ID)
	assert.Equal(t, int64(firstContactID), all[1].ID)
	assert.NotEmpty(t, all[1].UUID)
	assert.Equal(t, "Ann Lee", all[0].Name)

	// Copies: changing one does not change the fake.
	all[0].Email = "changed"
	assert.Equal(t, "ann@acme.com", s.ContactsOf(1)[0].Email)

	added := s.AddClient(clientsuccess.Client{Name: "Initech"})
	assert.Equal(t, int64(firstClientID+1), added.ID)

	s.DeleteClient(1)
	_, ok = s.Client(1)
	assert.False(t, ok)
	assert.Empty(t, s.Contacts(), "deleting a client deletes its contacts")
	assert.Empty(t, s.ContactsOf(1))
}

func TestLoadFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.json")
	require.NoError(t, os.WriteFile(path, []byte(`{
		"clients": [{"id": 5, "name": "Acme", "active": true, "externalId": "123"}],
		"contacts": [{"id": 9, "clientId": 5, "email": "a@b.c", "externalId": "h1",
			"customFieldValues": [{"fieldId": 1, "value": 3}]}],
		"contactCustomFields": [{"id": 1, "name": "seats", "label": "Seats", "type": "INTEGER"}]
	}`), 0o600))
	f, err := LoadFixture(path)
	require.NoError(t, err)
	s := New(Options{})
	s.Seed(f)
	got := s.ContactsOf(5)
	require.Len(t, got, 1)
	assert.Equal(t, "h1", got[0].ExternalID)
	assert.Equal(t, "INTEGER", got[0].CustomFieldValues[0].Type)
	assert.JSONEq(t, `3`, string(got[0].CustomFieldValues[0].Value))

	_, err = LoadFixture(filepath.Join(t.TempDir(), "missing.json"))
	require.Error(t, err)
}

func TestClientRoutes(t *testing.T) {
	h := newHarness(t, Options{})
	seedSmall(h.s)

	status, body := h.call("GET", "/v1/clients?activeOnly=true", "")
	require.Equal(t, 200, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Len(t, list, 1)
	assert.Equal(t, "D-1", list[0]["externalId"])
	assert.Contains(t, list[0], "successScore")

	status, body = h.call("GET", "/v1/clients?externalId=d-1", "")
	require.Equal(t, 200, status)
	assert.True(t, strings.HasPrefix(body, "{"), "a single object")
	status, body = h.call("GET", "/v1/clients?externalId=nope", "")
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"userMessage":"Client not found"}`, body)

	status, _ = h.call("GET", "/v1/clients/999", "")
	assert.Equal(t, 404, status)

	status, body = h.call("POST", "/v1/clients", `{"name":"New","statusId":4,"crmCustomerId":"x"}`)
	require.Equal(t, 201, status, body)
	var created clientsuccess.Client
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	assert.Equal(t, "x", created.CrmCustomerID)

	status, _ = h.call("POST", "/v1/clients", `{"name":"Bad","statusId":9}`)
	assert.Equal(t, 417, status)
	status, _ = h.call("POST", "/v1/clients", `{"name":`)
	assert.Equal(t, 400, status)

	status, body = h.call("PUT", fmt.Sprintf("/v1/clients/%d", created.ID), `{"name":"Renamed"}`)
	require.Equal(t, 200, status, body)
	var detail map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &detail))
	assert.Equal(t, "Renamed", detail["name"])
	assert.Nil(t, detail["crmCustomerId"], "fields not sent become null")
	assert.Nil(t, detail["statusId"])
	assert.Equal(t, []any{}, detail["customFieldValues"])
	status, _ = h.call("PUT", "/v1/clients/999", `{"name":"x"}`)
	assert.Equal(t, 404, status)

	assert.Equal(t, 2, h.s.Writes(), "one create and one update succeeded")
}

func TestContactRoutes(t *testing.T) {
	h := newHarness(t, Options{})
	seedSmall(h.s)

	status, body := h.call("GET", "/v1/clients/1/contacts", "")
	require.Equal(t, 200, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Len(t, list, 2)
	assert.Equal(t, "hs-1", list[0]["externalId"])
	for _, k := range []string{"id", "uuid", "clientId", "statusId", "email", "phone", "mobile", "title", "firstName",
		"lastName", "externalId", "executiveSponsor", "champion", "keyContact", "customFieldValues", "name"} {
		assert.Contains(t, list[0], k)
	}

	status, _ = h.call("GET", "/v1/clients/1/contacts/7/details", "")
	assert.Equal(t, 200, status)
	status, _ = h.call("GET", "/v1/clients/1/contacts/8/details", "")
	assert.Equal(t, 404, status)

	status, body = h.call("POST", "/v1/clients/1/contacts", `{"email":"cy@acme.com","firstName":"Cy","externalId":"hs-2"}`)
	require.Equal(t, 200, status, body)
	var created clientsuccess.Contact
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	assert.Equal(t, int64(1), created.ClientID)
	assert.NotEmpty(t, created.UUID)
	status, _ = h.call("POST", "/v1/clients/999/contacts", `{"email":"cy@acme.com"}`)
	assert.Equal(t, 404, status)
	status, body = h.call("POST", "/v1/clients/1/contacts", `{"email":"cy.acme.com"}`)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "userMessage")
	status, _ = h.call("POST", "/v1/clients/1/contacts", `{"firstName":"No email"}`)
	assert.Equal(t, 200, status, "an empty email is allowed")

	// PUT replaces.
	status, body = h.call("PUT", fmt.Sprintf("/v1/clients/1/contacts/%d/details", created.ID), `{"email":"cy2@acme.com"}`)
	require.Equal(t, 200, status, body)
	var detail map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &detail))
	assert.Equal(t, "cy2@acme.com", detail["email"])
	assert.Nil(t, detail["externalId"])
	assert.Nil(t, detail["firstName"])
	assert.Equal(t, created.UUID, detail["uuid"])
	status, _ = h.call("PUT", "/v1/clients/1/contacts/12345/details", `{"email":"a@b"}`)
	assert.Equal(t, 404, status)

	status, body = h.call("DELETE", fmt.Sprintf("/v1/clients/1/contacts/%d", created.ID), "")
	assert.Equal(t, 204, status)
	assert.Empty(t, body)
	status, _ = h.call("DELETE", fmt.Sprintf("/v1/clients/1/contacts/%d", created.ID), "")
	assert.Equal(t, 404, status)

	assert.Equal(t, 4, h.s.Writes())
}

func TestFindAndSearch(t *testing.T) {
	h := newHarness(t, Options{})
	seedSmall(h.s)
	h.s.Seed(Fixture{Contacts: []clientsuccess.Contact{{ClientID: firstClientID, Email: "ANN@acme.com", ExternalID: "hs-1"}}})

	status, body := h.call("GET", "/v1/contacts?clientExternalId=d-1&email=Ann@ACME.com", "")
	require.Equal(t, 200, status)
	var c clientsuccess.Contact
	require.NoError(t, json.Unmarshal([]byte(body), &c))
	assert.Equal(t, int64(7), c.ID)

	status, body = h.call("GET", "/v1/contacts?clientExternalId=d-1&email=zed@acme.com", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "null", body)
	status, body = h.call("GET", "/v1/contacts?clientExternalId=nope&email=ann@acme.com", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "null", body)

	status, body = h.call("GET", "/v1/contacts/search?term="+url.QueryEscape("ann@acme.com"), "")
	require.Equal(t, 200, status)
	var hits []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &hits))
	require.Len(t, hits, 3, "loose: joann@acme.com matches too; the same email under two clients")
	for _, hit := range hits {
		keys := make([]string, 0, len(hit))
		for k := range hit {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		assert.Equal(t, []string{"clientId", "email", "firstName", "id", "lastName", "mobile", "phone", "title"}, keys)
	}

	status, body = h.call("GET", "/v1/contacts/search?term=LEE", "")
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal([]byte(body), &hits))
	require.Len(t, hits, 1, "matches the last name")
}

func TestFaultsAndCounters(t *testing.T) {
	h := newHarness(t, Options{})
	h.s.ResetCounters()
	assert.Equal(t, 0, h.s.Logins())

	h.s.Faults().FailNth("GET /v1/client-statuses", 1, 503)
	h.s.Faults().FailNth("GET /v1/client-statuses", 2, 500)
	h.s.Faults().FailNth("GET /v1/client-statuses", 3, 429)
	h.s.Faults().FailNth("POST /v1/auth", 1, 401)

	status, body := h.call("GET", "/v1/client-statuses", "")
	assert.Equal(t, 503, status)
	assert.Contains(t, body, "<html>")
	status, body = h.call("GET", "/v1/client-statuses", "")
	assert.Equal(t, 500, status)
	assert.Contains(t, body, "userMessage")

	req, _ := http.NewRequest("GET", h.srv.URL+"/v1/client-statuses", nil)
	req.Header.Set("Authorization", h.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))

	status, body = h.do("POST", "/v1/auth", `{"username":"`+user+`","password":"`+pass+`"}`, "")
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"code":"Unauthorized","message":""}`, body)

	status, body = h.call("GET", "/v1/nothing-here", "")
	assert.Equal(t, 404, status)
	assert.Contains(t, body, "userMessage")

	assert.Equal(t, 5, h.s.Calls())
	assert.Equal(t, map[string]int{"GET /v1/client-statuses": 3, "POST /v1/auth": 1}, h.s.CallsByRoute())
	assert.Equal(t, 0, h.s.Writes())
	h.s.ResetCounters()
	assert.Equal(t, 0, h.s.Calls())
	assert.Empty(t, h.s.CallsByRoute())
}

func TestConcurrentWrites(t *testing.T) {
	h := newHarness(t, Options{})
	seedSmall(h.s)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			status, body := h.call("POST", "/v1/clients/1/contacts", fmt.Sprintf(`{"email":"p%d@acme.com"}`, i))
			assert.Equal(t, 200, status, body)
			h.call("GET", "/v1/contacts/search?term=acme", "")
		})
	}
	wg.Wait()
	assert.Len(t, h.s.ContactsOf(1), 52)
}

// seedMany gives one fake n contacts over n/10 clients.
func seedMany(s *Server, n int) {
	f := Fixture{}
	for i := range n / 10 {
		f.Clients = append(f.Clients, clientsuccess.Client{ID: int64(i + 1), Name: fmt.Sprint("Client ", i), ExternalID: fmt.Sprint("deal-", i)})
	}
	for i := range n {
		f.Contacts = append(f.Contacts, clientsuccess.Contact{ClientID: int64(i%(n/10) + 1), Email: fmt.Sprintf("person%d@example%d.com", i, i%7),
			FirstName: fmt.Sprint("First", i), LastName: "Last", ExternalID: fmt.Sprint(i)})
	}
	s.Seed(f)
}

func TestManyContacts(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 contacts")
	}
	h := newHarness(t, Options{})
	seedMany(h.s, 100_000)
	assert.Len(t, h.s.Contacts(), 100_000)

	status, body := h.call("GET", "/v1/contacts/search?term=person99999@", "")
	require.Equal(t, 200, status)
	var hits []clientsuccess.ContactHit
	require.NoError(t, json.Unmarshal([]byte(body), &hits))
	require.Len(t, hits, 1)

	status, body = h.call("GET", "/v1/clients/42/contacts", "")
	require.Equal(t, 200, status)
	var list []clientsuccess.Contact
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	assert.Len(t, list, 10)

	// Deleting from the middle keeps the search index consistent.
	h.s.DeleteClient(42)
	assert.Len(t, h.s.Contacts(), 99_990)
	status, body = h.call("GET", "/v1/contacts/search?term="+url.QueryEscape(list[0].Email), "")
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal([]byte(body), &hits))
	for _, hit := range hits {
		assert.NotEqual(t, int64(42), hit.ClientID)
	}
}

func BenchmarkSearch100k(b *testing.B) {
	s := New(Options{})
	seedMany(s, 100_000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.mu.RLock()
		_ = s.searchLocked(fmt.Sprintf("person%d@example", i%100_000))
		s.mu.RUnlock()
	}
}

// TestSearchIndexMatchesScan checks the trigram index against a plain scan through creates,
// updates, moves, deletes and index rebuilds.
func TestSearchIndexMatchesScan(t *testing.T) {
	s := New(Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"ann", "anna", "bob", "lee", "acme", "ex", "a", "jo", "joann", "Ñandú", "x@y"}
	pick := func() string { return words[rng.IntN(len(words))] + words[rng.IntN(len(words))] }
	s.Seed(Fixture{Clients: []clientsuccess.Client{{ID: 1}, {ID: 2}}})
	scan := func(term string) []int64 {
		t := strings.ToLower(strings.TrimSpace(term))
		var ids []int64
		for _, c := range s.Contacts() {
			if t != "" && (strings.Contains(strings.ToLower(c.Email), t) || strings.Contains(strings.ToLower(c.FirstName), t) ||
				strings.Contains(strings.ToLower(c.LastName), t)) {
				ids = append(ids, c.ID)
			}
		}
		return ids
	}
	search := func(term string) []int64 {
		s.mu.RLock()
		defer s.mu.RUnlock()
		var ids []int64
		for _, c := range s.searchLocked(term) {
			ids = append(ids, c.ID)
		}
		return ids
	}
	var live []int64
	for i := range 6000 {
		switch op := rng.IntN(10); {
		case op < 5 || len(live) == 0:
			c := clientsuccess.Contact{ClientID: int64(1 + rng.IntN(2)), Email: pick() + "@" + pick() + ".com", FirstName: pick(), LastName: pick()}
			s.Seed(Fixture{Contacts: []clientsuccess.Contact{c}})
			all := s.Contacts()
			live = append(live, all[len(all)-1].ID)
		case op < 8:
			id := live[rng.IntN(len(live))]
			s.Seed(Fixture{Contacts: []clientsuccess.Contact{{ID: id, ClientID: int64(1 + rng.IntN(2)), Email: pick() + "@z.io", FirstName: pick()}}})
		default:
			j := rng.IntN(len(live))
			s.mu.Lock()
			s.deleteContactLocked(live[j])
			s.mu.Unlock()
			live = append(live[:j], live[j+1:]...)
		}
		if i%50 == 0 {
			for range 5 {
				term := pick()
				if rng.IntN(3) == 0 {
					term = term[:min(len(term), 2)]
				}
				require.Equal(t, scan(term), search(term), "term %q", term)
			}
		}
	}
	require.NotZero(t, len(live))
}

func TestContactCustomValuesChecked(t *testing.T) {
	h := newHarness(t, Options{})
	seedSmall(h.s)
	h.s.Seed(Fixture{ContactCustomFields: []clientsuccess.CustomField{
		{ID: 1, Name: "seats", Label: "Seats", Type: "INTEGER"}, {ID: 2, Name: "renewal", Label: "Renewal", Type: "DATE"},
		{ID: 3, Name: "vip", Label: "VIP", Type: "BOOLEAN"}, {ID: 4, Name: "tier", Label: "Tier", Type: "STRING"},
	}})
	writes := h.s.Writes()
	status, body := h.call("POST", "/v1/clients/1/contacts", `{"email":"cy@acme.com","statusId":1,
		"customFieldValues":[{"fieldId":1,"value":3},{"fieldId":2,"value":"2026-01-31"},{"fieldId":3,"value":true},{"fieldId":4,"value":null}]}`)
	require.Equal(t, 200, status, body)
	var created clientsuccess.Contact
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	require.Len(t, created.CustomFieldValues, 4)
	assert.Equal(t, "Seats", created.CustomFieldValues[0].Label, "the answer describes each value")

	for _, bad := range []struct{ body, want string }{
		{`{"email":"cy@acme.com","customFieldValues":[{"fieldId":9,"value":"x"}]}`, "Unknown custom field 9"},
		{`{"email":"cy@acme.com","customFieldValues":[{"fieldId":1,"value":"3"}]}`, `Invalid value \"3\" for INTEGER field \"Seats\"`},
		{`{"email":"cy@acme.com","customFieldValues":[{"fieldId":1,"value":2.5}]}`, "for INTEGER field"},
		{`{"email":"cy@acme.com","customFieldValues":[{"fieldId":2,"value":"31/01/2026"}]}`, "for DATE field"},
		{`{"email":"cy@acme.com","customFieldValues":[{"fieldId":3,"value":"yes"}]}`, "for BOOLEAN field"},
		{`{"email":"cy@acme.com","customFieldValues":[{"fieldId":4,"value":7}]}`, "for STRING field"},
	} {
		status, body = h.call("PUT", fmt.Sprintf("/v1/clients/1/contacts/%d/details", created.ID), bad.body)
		assert.Equal(t, 400, status, bad.body)
		assert.Contains(t, body, bad.want)
	}
	assert.Equal(t, writes+1, h.s.Writes(), "rejected writes are not counted")
}
