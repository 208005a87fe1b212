package clientsuccess_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
)

const (
	user = "sync@example.com"
	pass = "s3cret-Pa55word"
)

// env is a fake ClientSuccess over loopback HTTP and a client logged in to it.
type env struct {
	fake *csfake.Server
	srv  *httptest.Server
	api  *clientsuccess.API
	// auth records the Authorization header of every request but logins.
	mu   sync.Mutex
	auth []string
}

func newEnv(t *testing.T, opts csfake.Options) *env {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Password = user, pass
	}
	e := &env{fake: csfake.New(opts)}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/auth" {
			e.mu.Lock()
			e.auth = append(e.auth, r.Header.Get("Authorization"))
			e.mu.Unlock()
		}
		e.fake.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.api = clientsuccess.New(clientsuccess.Config{BaseURL: e.srv.URL + "/v1", Username: user, Password: pass})
	return e
}

func (e *env) authHeaders() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.auth...)
}

func ptr[T any](v T) *T { return &v }

// seed gives the fake two clients (one inactive) with contacts; the same email is on both.
func (e *env) seed() {
	e.fake.Seed(csfake.Fixture{
		Clients: []clientsuccess.Client{
			{ID: 10, Name: "Acme", StatusID: 1, Active: true, ExternalID: "deal-1", CrmCustomerID: "0015", CrmCustomerURL: "https://crm/acme",
				SuccessScore: ptr(87.5), ManagedByEmployeeID: ptr(int64(7)), ClientSegmentID: ptr(int64(3))},
			{ID: 20, Name: "Globex", StatusID: 2, Active: false, ExternalID: "deal-2"},
		},
		Contacts: []clientsuccess.Contact{
			{ID: 100, ClientID: 10, Email: "Ann@Acme.com", FirstName: "Ann", LastName: "Lee", Title: "CTO", Phone: "1", Mobile: "2",
				ExternalID: "hs-1", StatusID: ptr(5), Champion: true,
				CustomFieldValues: []clientsuccess.CustomFieldValue{{FieldID: 1, Value: json.RawMessage(`"blue"`)}}},
			{ID: 101, ClientID: 10, Email: "bob@acme.com", FirstName: "Bob"},
			{ID: 200, ClientID: 20, Email: "ann@acme.com", FirstName: "Annie", ExternalID: "hs-9"},
		},
		ContactCustomFields: []clientsuccess.CustomField{{ID: 1, Name: "color", Label: "Color", Type: "STRING"}},
	})
}

func TestClients(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	e.seed()

	all, err := e.api.ListClients(ctx, false)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, "Acme", all[0].Name)
	assert.Equal(t, "deal-1", all[0].ExternalID)
	require.NotNil(t, all[0].SuccessScore)
	assert.Equal(t, 87.5, *all[0].SuccessScore)

	active, err := e.api.ListClients(ctx, true)
	require.NoError(t, err)
	require.Len(t, active, 1)
	assert.Equal(t, int64(10), active[0].ID)

	c, err := e.api.GetClient(ctx, 10)
	require.NoError(t, err)
	assert.Equal(t, clientsuccess.Client{ID: 10, Name: "Acme", StatusID: 1, Active: true, ExternalID: "deal-1", CrmCustomerID: "0015",
		CrmCustomerURL: "https://crm/acme", SuccessScore: ptr(87.5), ManagedByEmployeeID: ptr(int64(7)), ClientSegmentID: ptr(int64(3)),
		CustomFieldValues: []clientsuccess.CustomFieldValue{}}, *c)

	byExt, err := e.api.GetClientByExternalID(ctx, "DEAL-2")
	require.NoError(t, err)
	assert.Equal(t, int64(20), byExt.ID)

	created, err := e.api.CreateClient(ctx, clientsuccess.Client{Name: "Initech", StatusID: 3, Active: true, ExternalID: "deal-3"})
	require.NoError(t, err)
	assert.NotZero(t, created.ID)
	assert.Equal(t, "Initech", created.Name)
	got, ok := e.fake.Client(created.ID)
	require.True(t, ok)
	assert.Equal(t, "deal-3", got.ExternalID)

	// PUT replaces: fields not sent are cleared.
	updated, err := e.api.UpdateClient(ctx, clientsuccess.Client{ID: 10, Name: "Acme Corp", StatusID: 1, Active: true})
	require.NoError(t, err)
	assert.Equal(t, "Acme Corp", updated.Name)
	assert.Empty(t, updated.ExternalID)
	assert.Nil(t, updated.SuccessScore)

	statuses, err := e.api.ListClientStatuses(ctx)
	require.NoError(t, err)
	assert.Equal(t, []clientsuccess.Status{{1, "A", "Active"}, {2, "I", "Inactive"}, {3, "F", "Trial"}, {4, "T", "Terminated"}}, statuses)
}

func TestContacts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	e.seed()

	list, err := e.api.ListContacts(ctx, 10)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "hs-1", list[0].ExternalID)
	assert.Equal(t, int64(10), list[0].ClientID)

	c, err := e.api.GetContact(ctx, 10, 100)
	require.NoError(t, err)
	assert.Equal(t, "Ann Lee", c.Name)
	assert.NotEmpty(t, c.UUID)
	require.NotNil(t, c.StatusID)
	assert.Equal(t, 5, *c.StatusID)
	assert.True(t, c.Champion)
	require.Len(t, c.CustomFieldValues, 1)
	assert.Equal(t, clientsuccess.CustomFieldValue{FieldID: 1, Name: "color", Label: "Color", Type: "STRING", Value: json.RawMessage(`"blue"`)}, c.CustomFieldValues[0])

	found, err := e.api.FindContact(ctx, "deal-1", "ANN@acme.com")
	require.NoError(t, err)
	require.NotNil(t, found)
	assert.Equal(t, int64(100), found.ID)

	none, err := e.api.FindContact(ctx, "deal-1", "nobody@acme.com")
	require.NoError(t, err)
	assert.Nil(t, none)

	hits, err := e.api.SearchContacts(ctx, "ann@acme")
	require.NoError(t, err)
	require.Len(t, hits, 2, "the same email under two clients")
	assert.Equal(t, clientsuccess.ContactHit{ClientID: 10, ID: 100, Email: "Ann@Acme.com", FirstName: "Ann", LastName: "Lee", Title: "CTO", Phone: "1", Mobile: "2"}, hits[0])
	assert.Equal(t, int64(20), hits[1].ClientID)
	loose, err := e.api.SearchContacts(ctx, "acme.com")
	require.NoError(t, err)
	assert.Len(t, loose, 3)

	created, err := e.api.CreateContact(ctx, 20, clientsuccess.Contact{Email: "cy@globex.com", FirstName: "Cy", ExternalID: "hs-3", KeyContact: true})
	require.NoError(t, err)
	assert.NotZero(t, created.ID)
	assert.NotEmpty(t, created.UUID)
	assert.Equal(t, int64(20), created.ClientID)
	assert.True(t, created.KeyContact)
	require.Len(t, e.fake.ContactsOf(20), 2)

	// Update is a full replacement: GET, change, PUT.
	c.Title = "CEO"
	upd, err := e.api.UpdateContact(ctx, 10, *c)
	require.NoError(t, err)
	assert.Equal(t, "CEO", upd.Title)
	assert.Equal(t, "hs-1", upd.ExternalID)
	upd, err = e.api.UpdateContact(ctx, 10, clientsuccess.Contact{ID: 100, Email: "ann@acme.com"})
	require.NoError(t, err)
	assert.Empty(t, upd.Title)
	assert.Empty(t, upd.ExternalID)
	assert.Nil(t, upd.StatusID)
	assert.Equal(t, c.UUID, upd.UUID, "the uuid is the server's")

	require.NoError(t, e.api.DeleteContact(ctx, 10, 101))
	_, err = e.api.GetContact(ctx, 10, 101)
	assert.True(t, apierr.Is(err, apierr.NotFound), "%v", err)

	fields, err := e.api.ListContactCustomFields(ctx)
	require.NoError(t, err)
	assert.Equal(t, []clientsuccess.CustomField{{ID: 1, Name: "color", Label: "Color", Type: "STRING"}}, fields)
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	e.seed()

	_, err := e.api.GetClient(ctx, 999)
	requireKind(t, err, apierr.NotFound, 404)
	_, err = e.api.GetClientByExternalID(ctx, "no-such-deal")
	requireKind(t, err, apierr.NotFound, 404)
	assert.Contains(t, err.Error(), "Client not found")
	var ae *apierr.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "/v1/clients", ae.Path, "no query string in the path")
	_, err = e.api.GetContact(ctx, 10, 999)
	requireKind(t, err, apierr.NotFound, 404)
	_, err = e.api.GetContact(ctx, 20, 100) // exists, but on another client
	requireKind(t, err, apierr.NotFound, 404)
	err = e.api.DeleteContact(ctx, 10, 999)
	requireKind(t, err, apierr.NotFound, 404)
	_, err = e.api.CreateContact(ctx, 999, clientsuccess.Contact{Email: "x@y.z"})
	requireKind(t, err, apierr.NotFound, 404)
	_, err = e.api.UpdateClient(ctx, clientsuccess.Client{ID: 999, Name: "x"})
	requireKind(t, err, apierr.NotFound, 404)
}

func requireKind(t *testing.T, err error, kind apierr.Kind, status int) *apierr.Error {
	t.Helper()
	var ae *apierr.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, kind, ae.Kind, "%v", err)
	assert.Equal(t, status, ae.StatusCode, "%v", err)
	assert.Equal(t, clientsuccess.System, ae.System)
	return ae
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	e.seed()

	_, err := e.api.CreateContact(ctx, 10, clientsuccess.Contact{Email: "not-an-email"})
	ae := requireKind(t, err, apierr.Validation, 400)
	assert.NotEmpty(t, ae.Message)
	assert.False(t, ae.Retryable())

	_, err = e.api.CreateClient(ctx, clientsuccess.Client{Name: "Bad", StatusID: 99})
	ae = requireKind(t, err, apierr.Validation, 417)
	assert.Contains(t, ae.Message, "statusId")

	_, err = e.api.UpdateClient(ctx, clientsuccess.Client{ID: 10, Name: "Acme", StatusID: 42})
	requireKind(t, err, apierr.Validation, 417)
	assert.Equal(t, 0, e.fake.Writes())
}

func TestBadCredentials(t *testing.T) {
	e := newEnv(t, csfake.Options{Username: user, Password: "the-right-one"})
	_, err := e.api.ListClients(context.Background(), false)
	ae := requireKind(t, err, apierr.Auth, 401)
	assert.Contains(t, err.Error(), "ClientSuccess login was rejected")
	assert.Equal(t, "/v1/auth", ae.Path)
	assert.NotContains(t, err.Error(), pass)
	assert.NotContains(t, err.Error(), user)
	assert.Equal(t, 0, e.fake.Logins())
}

func TestReloginAfterExpiry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	e.seed()

	_, err := e.api.ListClientStatuses(ctx)
	require.NoError(t, err)
	_, err = e.api.ListClientStatuses(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, e.fake.Logins(), "the token is cached")

	e.fake.ExpireTokens()
	clients, err := e.api.ListClients(ctx, false)
	require.NoError(t, err)
	assert.Len(t, clients, 2)
	assert.Equal(t, 2, e.fake.Logins(), "exactly one re-login")
	assert.Equal(t, 2, e.fake.CallsByRoute()["GET /v1/clients"], "the call was repeated once")

	// Many calls that all hold the expired token log in once between them.
	e.fake.ExpireTokens()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 20 {
		wg.Go(func() {
			if _, err := e.api.ListContacts(ctx, 10); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Equal(t, 3, e.fake.Logins())
}

func TestTokenRejectedTwice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	const route = "GET /v1/client-statuses"
	e.fake.Faults().FailNth(route, 1, http.StatusUnauthorized)
	e.fake.Faults().FailNth(route, 2, http.StatusUnauthorized)

	_, err := e.api.ListClientStatuses(ctx)
	requireKind(t, err, apierr.Auth, 401)
	assert.Equal(t, 2, e.fake.Faults().Calls(route), "one retry, no loop")
	assert.Equal(t, 2, e.fake.Logins())
	for _, h := range e.authHeaders() {
		assert.NotContains(t, err.Error(), h)
	}

	// The next call works again.
	_, err = e.api.ListClientStatuses(ctx)
	require.NoError(t, err)
}

func TestRateLimited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	e.seed()
	e.fake.Faults().FailNth("GET /v1/clients/{cid}/contacts", 1, http.StatusTooManyRequests)

	_, err := e.api.ListContacts(ctx, 10)
	ae := requireKind(t, err, apierr.RateLimited, 429)
	assert.Equal(t, time.Second, ae.RetryAfter)
	assert.True(t, ae.Retryable())

	list, err := e.api.ListContacts(ctx, 10) // the caller's retry
	require.NoError(t, err)
	assert.Len(t, list, 2)
}

func TestFakeRequestRate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{RequestsPerSecond: 3})
	// Login, then two calls fill the second; the third is refused. (Assumes these four
	// loopback calls take less than a second.)
	for range 2 {
		_, err := e.api.ListClientStatuses(ctx)
		require.NoError(t, err)
	}
	_, err := e.api.ListClientStatuses(ctx)
	ae := requireKind(t, err, apierr.RateLimited, 429)
	assert.Equal(t, time.Second, ae.RetryAfter)
}

func TestMaintenancePage(t *testing.T) {
	e := newEnv(t, csfake.Options{})
	e.fake.Faults().FailNext("GET /v1/clients", 3, http.StatusServiceUnavailable)
	_, err := e.api.ListClients(context.Background(), true)
	ae := requireKind(t, err, apierr.Server, 503)
	assert.True(t, ae.Retryable())
	assert.LessOrEqual(t, len([]rune(ae.Message)), 200)
	assert.Contains(t, ae.Message, "Scheduled Maintenance")
	assert.NotContains(t, ae.Message, "<")
	assert.NotContains(t, ae.Message, "font-family", "style sheets are dropped")
}

func TestDecodeErrors(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"access_token":"tok-123","token_type":"Bearer","expires_in":43200}`))
	})
	mux.HandleFunc("GET /v1/clients/1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id": 1, "name": "trunc`))
	})
	mux.HandleFunc("GET /v1/clients", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<html><body>Welcome</body></html>`))
	})
	mux.HandleFunc("GET /v1/client-statuses", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":1}`)) // an object where an array belongs
	})
	mux.HandleFunc("GET /v1/clients/2", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`null`))
	})
	mux.HandleFunc("GET /v1/clients/3/contacts", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`null`))
	})
	mux.HandleFunc("GET /v1/contacts/search", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(` null `))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	api := clientsuccess.New(clientsuccess.Config{BaseURL: srv.URL + "/v1", Username: user, Password: pass})

	_, err := api.GetClient(ctx, 1)
	requireKind(t, err, apierr.Decode, 200)
	_, err = api.ListClients(ctx, false)
	requireKind(t, err, apierr.Decode, 200)
	_, err = api.ListClientStatuses(ctx)
	ae := requireKind(t, err, apierr.Decode, 200)
	assert.False(t, ae.Retryable())
	_, err = api.GetClient(ctx, 2)
	requireKind(t, err, apierr.NotFound, 200)
	// A null list is not "no contacts": read that way it would hide records the sync owns.
	_, err = api.ListContacts(ctx, 3)
	requireKind(t, err, apierr.Decode, 200)
	_, err = api.SearchContacts(ctx, "bh@hubspot.com")
	requireKind(t, err, apierr.Decode, 200)
}

func TestLoginDecodeError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"token_type":"Bearer"}`))
	}))
	defer srv.Close()
	api := clientsuccess.New(clientsuccess.Config{BaseURL: srv.URL + "/v1", Username: user, Password: pass})
	_, err := api.ListClients(context.Background(), false)
	ae := requireKind(t, err, apierr.Decode, 200)
	assert.Equal(t, "/v1/auth", ae.Path)
}

func TestBareAuthorizationHeader(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, csfake.Options{})
	_, err := e.api.ListClientStatuses(ctx)
	require.NoError(t, err)
	_, err = e.api.ListContactCustomFields(ctx)
	require.NoError(t, err)
	h := e.authHeaders()
	require.Len(t, h, 2)
	assert.NotEmpty(t, h[0])
	assert.False(t, strings.HasPrefix(strings.ToLower(h[0]), "bearer"), "sent %q", h[0])
	assert.Equal(t, h[0], h[1])
}

// TestSecretsNeverInErrors answers with the token (and password) echoed in every error body.
func TestSecretsNeverInErrors(t *testing.T) {
	ctx := context.Background()
	const token = "6f1c2a9e-0000-4000-8000-0123456789ab"
	var logins atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth", func(w http.ResponseWriter, r *http.Request) {
		logins.Add(1)
		_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"Bearer","expires_in":43200}`))
	})
	mux.HandleFunc("GET /v1/client-statuses", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_token","error_description":"` + r.Header.Get("Authorization") + `"}`))
	})
	mux.HandleFunc("GET /v1/clients/1", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"userMessage":"bad request for token ` + token + ` and password ` + pass + `"}`))
	})
	mux.HandleFunc("GET /v1/clients/2", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`<html><body>Error for ` + token + `</body></html>`))
	})
	mux.HandleFunc("GET /v1/clients/3", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":1,"name":"` + token))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	api := clientsuccess.New(clientsuccess.Config{BaseURL: srv.URL + "/v1", Username: user, Password: pass})

	_, err := api.ListClientStatuses(ctx)
	requireKind(t, err, apierr.Auth, 401)
	assert.EqualValues(t, 2, logins.Load(), "one re-login, then give up")
	errs := []error{err}
	for id := int64(1); id <= 3; id++ {
		_, err := api.GetClient(ctx, id)
		require.Error(t, err)
		errs = append(errs, err)
	}
	for _, err := range errs {
		assert.NotContains(t, err.Error(), token)
		assert.NotContains(t, err.Error(), pass)
	}
	assert.Contains(t, errs[1].Error(), "[REDACTED]")
}

func TestLimiterIsUsed(t *testing.T) {
	e := newEnv(t, csfake.Options{})
	api := clientsuccess.New(clientsuccess.Config{BaseURL: e.srv.URL + "/v1", Username: user, Password: pass,
		Limiter: rate.NewLimiter(rate.Limit(1), 0)}) // a burst of 0 refuses every wait
	_, err := api.ListClients(context.Background(), false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rate limiter")
	assert.Equal(t, 0, e.fake.Calls())
}

func TestNetworkErrorIsNotAPIError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	api := clientsuccess.New(clientsuccess.Config{BaseURL: url + "/v1", Username: user, Password: pass})
	_, err := api.ListClients(context.Background(), false)
	require.Error(t, err)
	var ae *apierr.Error
	assert.False(t, errors.As(err, &ae))
	assert.NotContains(t, err.Error(), pass)
}

func TestContextCanceled(t *testing.T) {
	e := newEnv(t, csfake.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.api.ListClients(ctx, false)
	require.ErrorIs(t, err, context.Canceled)
}
