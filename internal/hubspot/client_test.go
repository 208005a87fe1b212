package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
)

const token = "pat-na1-11111111-2222-3333-4444-555555555555"

var families = []string{"2026-03", "v3"}

// fixture is a small portal: two checked contacts, one unchecked, a deal and a company.
func fixture() hubspotfake.Fixture {
	return hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{
			"contacts": {
				{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
					Options: []hubspotfake.Option{{Label: "Active", Value: "active"}, {Label: "Inactive", Value: "inactive", DisplayOrder: 1}}},
				{Name: "sync_cs", Label: "Sync to ClientSuccess", Type: "bool", FieldType: "booleancheckbox", GroupName: "contactinformation",
					Options: []hubspotfake.Option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false", DisplayOrder: 1}}},
				{Name: "associated_deal_id", Label: "Associated Deal ID", Type: "string", FieldType: "text", GroupName: "contactinformation"},
			},
		},
		Contacts: []hubspotfake.Record{
			{ID: "512", Properties: map[string]string{"email": "bh@hubspot.com", "firstname": "Brian", "lastname": "Halligan", "sync_cs": "true", "cs_status": "active"}},
			{ID: "513", Properties: map[string]string{"email": "ds@hubspot.com", "firstname": "Dharmesh", "lastname": "Shah", "sync_cs": "true"}},
			{ID: "514", Properties: map[string]string{"email": "x@example.com", "firstname": "Xavier", "sync_cs": "false"}},
		},
		Deals:     []hubspotfake.Record{{ID: "900", Properties: map[string]string{"dealname": "Renewal 2026"}}},
		Companies: []hubspotfake.Record{{ID: "700", Properties: map[string]string{"name": "HubSpot", "domain": "hubspot.com"}}},
		Associations: []hubspotfake.Assoc{
			{FromType: "contacts", FromID: "512", ToType: "deals", ToID: "900"},
			{FromType: "contacts", FromID: "512", ToType: "companies", ToID: "700"},
			{FromType: "contacts", FromID: "512", ToType: "companies", ToID: "700", TypeID: 1},
		},
	}
}

type env struct {
	fake   *hubspotfake.Server
	client *hubspot.Client
	url    string
}

func newEnv(t *testing.T, family string, opts hubspotfake.Options) env {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	fake := hubspotfake.New(opts)
	fake.Seed(fixture())
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return env{fake: fake, client: hubspot.New(hubspot.Config{BaseURL: srv.URL, Token: token, PathFamily: family}), url: srv.URL}
}

// clientFor serves h and returns a client pointed at it.
func clientFor(t *testing.T, h http.HandlerFunc) *hubspot.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return hubspot.New(hubspot.Config{BaseURL: srv.URL, Token: token})
}

// apiErr asserts err is an *apierr.Error of kind and returns it. It also checks the token
// never leaks into the error text.
func apiErr(t *testing.T, err error, kind apierr.Kind) *apierr.Error {
	t.Helper()
	require.Error(t, err)
	noToken(t, err)
	var e *apierr.Error
	require.True(t, errors.As(err, &e), "want *apierr.Error, got %T: %v", err, err)
	assert.Equal(t, "HubSpot", e.System)
	assert.Equal(t, kind, e.Kind, "error: %v", err)
	return e
}

func noToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	assert.NotContains(t, err.Error(), token)
	assert.NotContains(t, fmt.Sprintf("%+v", err), token)
	var e *apierr.Error
	if errors.As(err, &e) {
		assert.NotContains(t, fmt.Sprintf("%#v", *e), token)
	}
}

func TestNewDefaults(t *testing.T) {
	var got []string
	c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"id":"1","properties":{}}`))
	})
	_, err := c.GetObject(context.Background(), "contacts", "1", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"GET /crm/objects/2026-03/contacts/1", "Bearer " + token}, got)
}

func TestGetObject(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			o, err := e.client.GetObject(context.Background(), "contacts", "512", []string{"email", "sync_cs", "cs_status", "jobtitle", "no_such_property"})
			require.NoError(t, err)
			assert.Equal(t, "512", o.ID)
			assert.Equal(t, "bh@hubspot.com", o.Properties["email"])
			assert.Equal(t, "true", o.Properties["sync_cs"])
			assert.Equal(t, "active", o.Properties["cs_status"])
			assert.Equal(t, "512", o.Properties["hs_object_id"])
			assert.NotEmpty(t, o.Properties["lastmodifieddate"])
			v, ok := o.Properties["jobtitle"] // null in the answer
			assert.True(t, ok)
			assert.Equal(t, "", v)
			assert.NotContains(t, o.Properties, "no_such_property")
			assert.False(t, o.CreatedAt.IsZero())
			assert.False(t, o.UpdatedAt.IsZero())

			d, err := e.client.GetObject(context.Background(), "deals", "900", []string{"dealname"})
			require.NoError(t, err)
			assert.Equal(t, "Renewal 2026", d.Properties["dealname"])
			assert.Equal(t, 2, e.fake.CallsByRoute()[hubspotfake.RouteGetObject])
		})
	}
}

func TestGetObjectNotFound(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			_, err := e.client.GetObject(context.Background(), "contacts", "99999", nil)
			ae := apiErr(t, err, apierr.NotFound)
			assert.Equal(t, 404, ae.StatusCode)
			assert.Equal(t, "OBJECT_NOT_FOUND", ae.Category)
			assert.NotEmpty(t, ae.CorrelationID)
		})
	}
	// HubSpot's 404 bodies vary: empty, HTML or JSON. The kind must not depend on them.
	for name, body := range map[string]string{"empty": "", "html": "<html><body><h1>Not Found</h1></body></html>", "text": "not found"} {
		t.Run(name, func(t *testing.T) {
			c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(body))
			})
			_, err := c.GetObject(context.Background(), "contacts", "1", nil)
			ae := apiErr(t, err, apierr.NotFound)
			assert.NotEmpty(t, ae.Message)
			assert.NotContains(t, ae.Message, "<")
		})
	}
}

func TestArgumentsAreChecked(t *testing.T) {
	c := hubspot.New(hubspot.Config{BaseURL: "http://127.0.0.1:1", Token: token})
	_, err := c.GetObject(context.Background(), "contacts", "", nil)
	apiErr(t, err, apierr.Validation)
	_, _, err = c.SearchAfterID(context.Background(), "contacts", nil, nil, "", 201)
	apiErr(t, err, apierr.Validation)
	_, _, err = c.SearchAfterID(context.Background(), "contacts", nil, nil, "", 0)
	apiErr(t, err, apierr.Validation)
}

func TestBadToken(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			fake := hubspotfake.New(hubspotfake.Options{Token: "pat-na1-the-right-one"})
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			c := hubspot.New(hubspot.Config{BaseURL: srv.URL, Token: token, PathFamily: fam})
			_, err := c.GetObject(context.Background(), "contacts", "512", nil)
			ae := apiErr(t, err, apierr.Auth)
			assert.Equal(t, 401, ae.StatusCode)
			assert.Equal(t, "INVALID_AUTHENTICATION", ae.Category)
			assert.Contains(t, ae.Message, "Authentication credentials not found")
			assert.False(t, ae.Retryable())
		})
	}
}

func TestTokenEchoedByServerIsRedacted(t *testing.T) {
	c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"status":"error","message":"token %s lacks scope crm.objects.contacts.write","category":"MISSING_SCOPES","errors":[{"message":"bad %s","code":"X"}]}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), token)
	})
	_, err := c.UpdateObject(context.Background(), "contacts", "1", map[string]string{"a": "b"})
	ae := apiErr(t, err, apierr.Auth)
	assert.Contains(t, ae.Message, "[REDACTED]")
}

func TestBatchReadObjects(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			recs := make([]hubspotfake.Record, 0, 240)
			ids := []string{"512", "99999"}
			for i := 1000; i < 1240; i++ {
				id := strconv.Itoa(i)
				recs = append(recs, hubspotfake.Record{ID: id, Properties: map[string]string{"email": id + "@example.com"}})
				ids = append(ids, id)
			}
			e.fake.Seed(hubspotfake.Fixture{Contacts: recs})
			ids = append(ids, "512", "88888") // a repeat and another missing one
			e.fake.ResetCounters()

			found, missing, err := e.client.BatchReadObjects(context.Background(), "contacts", ids, []string{"email"})
			require.NoError(t, err)
			assert.Len(t, found, 241)
			assert.ElementsMatch(t, []string{"99999", "88888"}, missing)
			byID := map[string]hubspot.Object{}
			for _, o := range found {
				byID[o.ID] = o
			}
			assert.Equal(t, "bh@hubspot.com", byID["512"].Properties["email"])
			assert.Equal(t, "1239@example.com", byID["1239"].Properties["email"])
			assert.Equal(t, 3, e.fake.CallsByRoute()[hubspotfake.RouteBatchReadObjects], "243 distinct ids go in three calls of at most 100")
		})
	}
}

func TestUpdateObject(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			o, err := e.client.UpdateObject(context.Background(), "contacts", "513", map[string]string{"cs_status": "inactive", "jobtitle": "CTO"})
			require.NoError(t, err)
			assert.Equal(t, "inactive", o.Properties["cs_status"])
			assert.Equal(t, "CTO", o.Properties["jobtitle"])
			stored, _ := e.fake.Get("contacts", "513")
			assert.Equal(t, "inactive", stored["cs_status"])
			assert.Equal(t, 1, e.fake.Writes())

			_, err = e.client.UpdateObject(context.Background(), "contacts", "99999", map[string]string{"jobtitle": "CTO"})
			apiErr(t, err, apierr.NotFound)
		})
	}
}

func TestUpdateObjectValidation(t *testing.T) {
	e := newEnv(t, "", hubspotfake.Options{})
	ctx := context.Background()

	_, err := e.client.UpdateObject(ctx, "contacts", "512", map[string]string{"cs_status": "Active"})
	ae := apiErr(t, err, apierr.Validation)
	assert.Equal(t, 400, ae.StatusCode)
	assert.Equal(t, "VALIDATION_ERROR", ae.Category)
	assert.Equal(t, []string{"cs_status: Active was not one of the allowed options: [active, inactive] (INVALID_OPTION)"}, ae.Details)
	assert.Contains(t, ae.Message, "Property values were not valid")
	assert.NotEmpty(t, ae.CorrelationID)
	assert.False(t, ae.Retryable())

	_, err = e.client.UpdateObject(ctx, "contacts", "512", map[string]string{"cs_status": " active", "sync_cs": "yes", "no_such": "x"})
	ae = apiErr(t, err, apierr.Validation)
	require.Len(t, ae.Details, 3)
	assert.Contains(t, ae.Details[0], "cs_status:")
	assert.Contains(t, ae.Details[0], "LEADING_TRAILING_WHITESPACE")
	assert.Contains(t, ae.Details[1], "no_such:")
	assert.Contains(t, ae.Details[1], "PROPERTY_DOESNT_EXIST")
	assert.Contains(t, ae.Details[2], "sync_cs:")
	assert.Contains(t, ae.Details[2], "INVALID_OPTION")

	stored, _ := e.fake.Get("contacts", "512")
	assert.Equal(t, "active", stored["cs_status"], "a rejected write changes nothing")
	assert.Zero(t, e.fake.Writes())
}

func TestBatchUpdateObjects(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			recs := make([]hubspotfake.Record, 0, 150)
			inputs := make([]hubspot.BatchUpdateInput, 0, 150)
			for i := 2000; i < 2150; i++ {
				id := strconv.Itoa(i)
				recs = append(recs, hubspotfake.Record{ID: id, Properties: map[string]string{"email": id + "@example.com"}})
				inputs = append(inputs, hubspot.BatchUpdateInput{ID: id, Properties: map[string]string{"associated_deal_id": "900"}})
			}
			e.fake.Seed(hubspotfake.Fixture{Contacts: recs})
			require.NoError(t, e.client.BatchUpdateObjects(context.Background(), "contacts", inputs))
			assert.Equal(t, 2, e.fake.Writes())
			assert.Equal(t, 2, e.fake.CallsByRoute()[hubspotfake.RouteBatchUpdateObjects])
			for _, id := range []string{"2000", "2099", "2100", "2149"} {
				p, ok := e.fake.Get("contacts", id)
				require.True(t, ok)
				assert.Equal(t, "900", p["associated_deal_id"])
			}

			err := e.client.BatchUpdateObjects(context.Background(), "contacts", []hubspot.BatchUpdateInput{{ID: "512", Properties: map[string]string{"cs_status": "ACTIVE"}}})
			ae := apiErr(t, err, apierr.Validation)
			assert.Equal(t, []string{"cs_status: ACTIVE was not one of the allowed options: [active, inactive] (INVALID_OPTION)"}, ae.Details)

			err = e.client.BatchUpdateObjects(context.Background(), "contacts", []hubspot.BatchUpdateInput{{ID: "512", Properties: map[string]string{"jobtitle": "CEO"}}, {ID: "77777", Properties: map[string]string{"jobtitle": "CEO"}}})
			ae = apiErr(t, err, apierr.NotFound)
			assert.Equal(t, 207, ae.StatusCode)
			assert.Contains(t, ae.Details[0], "77777")
		})
	}
}

func TestGetProperty(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			p, err := e.client.GetProperty(context.Background(), "contacts", "cs_status")
			require.NoError(t, err)
			assert.Equal(t, hubspot.Property{
				Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
				Options:              []hubspot.Option{{Label: "Active", Value: "active"}, {Label: "Inactive", Value: "inactive", DisplayOrder: 1}},
				ModificationMetadata: &hubspot.ModificationMetadata{},
			}, *p)
			assert.False(t, p.ReadOnlyValue())
			assert.False(t, p.MultipleChoice())

			id, err := e.client.GetProperty(context.Background(), "contacts", "hs_object_id")
			require.NoError(t, err)
			assert.True(t, id.ReadOnlyValue(), "HubSpot sets the record id")

			_, err = e.client.GetProperty(context.Background(), "contacts", "no_such_property")
			apiErr(t, err, apierr.NotFound)
		})
	}
}

func TestRateLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("ten-second limit", func(t *testing.T) {
		e := newEnv(t, "", hubspotfake.Options{TenSecondLimit: 2})
		for range 2 {
			_, err := e.client.GetObject(ctx, "contacts", "512", nil)
			require.NoError(t, err)
		}
		_, err := e.client.GetObject(ctx, "contacts", "512", nil)
		ae := apiErr(t, err, apierr.RateLimited)
		assert.Equal(t, 429, ae.StatusCode)
		assert.Equal(t, "TEN_SECONDLY_ROLLING", ae.Policy)
		assert.Equal(t, 10*time.Second, ae.RetryAfter)
		assert.True(t, ae.Retryable())
	})
	t.Run("search secondly limit", func(t *testing.T) {
		e := newEnv(t, "", hubspotfake.Options{SearchPerSecond: 1})
		_, err := e.client.Search(ctx, "contacts", hubspot.SearchRequest{})
		require.NoError(t, err)
		_, err = e.client.Search(ctx, "contacts", hubspot.SearchRequest{})
		ae := apiErr(t, err, apierr.RateLimited)
		assert.Equal(t, "SECONDLY", ae.Policy)
		assert.Equal(t, "RATE_LIMITS", ae.Category)
		assert.Equal(t, "You have reached your secondly limit.", ae.Message)
		assert.Equal(t, time.Second, ae.RetryAfter)
		_, err = e.client.GetObject(ctx, "contacts", "512", nil)
		require.NoError(t, err, "the search limit does not block other calls")
	})
	t.Run("injected 429 then success", func(t *testing.T) {
		for _, fam := range families {
			e := newEnv(t, fam, hubspotfake.Options{})
			e.fake.Faults().FailNth(hubspotfake.RouteUpdateObject, 1, http.StatusTooManyRequests)
			_, err := e.client.UpdateObject(ctx, "contacts", "512", map[string]string{"jobtitle": "CEO"})
			ae := apiErr(t, err, apierr.RateLimited)
			assert.Equal(t, "TEN_SECONDLY_ROLLING", ae.Policy)
			assert.True(t, ae.Retryable())
			assert.Zero(t, e.fake.Writes())

			o, err := e.client.UpdateObject(ctx, "contacts", "512", map[string]string{"jobtitle": "CEO"})
			require.NoError(t, err)
			assert.Equal(t, "CEO", o.Properties["jobtitle"])
			assert.Equal(t, 1, e.fake.Writes())
		}
	})
	t.Run("injected search 429", func(t *testing.T) {
		e := newEnv(t, "", hubspotfake.Options{})
		e.fake.Faults().FailNth(hubspotfake.RouteSearch, 1, http.StatusTooManyRequests)
		_, _, err := e.client.SearchAfterID(ctx, "contacts", nil, nil, "", 10)
		ae := apiErr(t, err, apierr.RateLimited)
		assert.Equal(t, "SECONDLY", ae.Policy)
		assert.Equal(t, time.Second, ae.RetryAfter)
	})
	t.Run("daily limit is not retryable", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"abc","policyName":"DAILY","groupName":"api-calls-daily"}`))
		})
		_, err := c.GetObject(ctx, "contacts", "1", nil)
		ae := apiErr(t, err, apierr.RateLimited)
		assert.Equal(t, "DAILY", ae.Policy)
		assert.Equal(t, "abc", ae.CorrelationID)
		assert.False(t, ae.Retryable())
	})
	t.Run("Retry-After header wins", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.Header().Set("X-HubSpot-Correlation-Id", "corr-1")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		_, err := c.GetObject(ctx, "contacts", "1", nil)
		ae := apiErr(t, err, apierr.RateLimited)
		assert.Equal(t, 7*time.Second, ae.RetryAfter)
		assert.Equal(t, "corr-1", ae.CorrelationID)
	})
	t.Run("locked waits 2s", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusLocked) })
		_, err := c.GetObject(ctx, "contacts", "1", nil)
		ae := apiErr(t, err, apierr.Server)
		assert.Equal(t, 2*time.Second, ae.RetryAfter)
	})
}

func TestClientSideLimiters(t *testing.T) {
	e := newEnv(t, "", hubspotfake.Options{})
	limiter := rate.NewLimiter(rate.Every(time.Hour), 1)
	c := hubspot.New(hubspot.Config{BaseURL: e.url, Token: token, SearchLimiter: limiter})
	_, err := c.Search(context.Background(), "contacts", hubspot.SearchRequest{})
	require.NoError(t, err)
	_, err = c.GetObject(context.Background(), "contacts", "512", nil)
	require.NoError(t, err, "the search limiter only gates searches")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Search(ctx, "contacts", hubspot.SearchRequest{})
	require.Error(t, err, "the next token is an hour away, past the deadline: Wait fails at once")
	assert.Equal(t, apierr.Kind(""), apierr.KindOf(err))
	assert.Equal(t, 1, e.fake.CallsByRoute()[hubspotfake.RouteSearch])
}

func TestServerErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("maintenance page", func(t *testing.T) {
		e := newEnv(t, "", hubspotfake.Options{})
		e.fake.Faults().FailNext(hubspotfake.RouteGetObject, 3, http.StatusServiceUnavailable)
		_, err := e.client.GetObject(ctx, "contacts", "512", nil)
		ae := apiErr(t, err, apierr.Server)
		assert.Equal(t, 503, ae.StatusCode)
		assert.LessOrEqual(t, len([]rune(ae.Message)), 200)
		assert.Contains(t, ae.Message, "maintenance")
		assert.NotContains(t, ae.Message, "<")
		assert.NotContains(t, ae.Message, "font-family", "style contents are not text")
		assert.True(t, ae.Retryable())
		_, err = e.client.GetObject(ctx, "contacts", "512", nil)
		require.NoError(t, err)
	})
	t.Run("500 envelope", func(t *testing.T) {
		e := newEnv(t, "v3", hubspotfake.Options{})
		e.fake.Faults().FailNth(hubspotfake.RouteBatchReadAssociations, 1, http.StatusInternalServerError)
		_, err := e.client.BatchReadAssociations(ctx, "contacts", "deals", []string{"512"})
		ae := apiErr(t, err, apierr.Server)
		assert.Equal(t, 500, ae.StatusCode)
	})
	t.Run("long HTML page", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><head><script>var x = 1;</script></head><body><p>" + strings.Repeat("Bad gateway &amp; more. ", 500) + "</p></body></html>"))
		})
		_, err := c.GetObject(ctx, "contacts", "1", nil)
		ae := apiErr(t, err, apierr.Server)
		assert.LessOrEqual(t, len([]rune(ae.Message)), 200)
		assert.True(t, strings.HasPrefix(ae.Message, "Bad gateway & more."), ae.Message)
	})
}

func TestDecodeErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("truncated JSON", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"id":"512","properties":{"email":"bh@hub`))
		})
		_, err := c.GetObject(ctx, "contacts", "512", nil)
		ae := apiErr(t, err, apierr.Decode)
		assert.Equal(t, 200, ae.StatusCode)
		assert.False(t, ae.Retryable())
	})
	t.Run("HTML with 200", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`<html>login</html>`)) })
		_, err := c.Search(ctx, "contacts", hubspot.SearchRequest{})
		apiErr(t, err, apierr.Decode)
	})
	t.Run("empty 200", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {})
		_, err := c.GetProperty(ctx, "contacts", "email")
		apiErr(t, err, apierr.Decode)
	})
	t.Run("huge body", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"results":[`))
			chunk := []byte(strings.Repeat(`{"toObjectId":1,"associationTypes":[]},`, 1000))
			for range (11 << 20) / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		_, _, err := c.ListAssociations(ctx, "contacts", "1", "deals", "")
		ae := apiErr(t, err, apierr.Decode)
		assert.Contains(t, ae.Message, "exceeds")
	})
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := hubspot.New(hubspot.Config{BaseURL: url, Token: token})
	_, err := c.GetObject(context.Background(), "contacts", "512", []string{"email"})
	require.Error(t, err)
	noToken(t, err)
	assert.Equal(t, apierr.Kind(""), apierr.KindOf(err), "a network failure is not an API answer")
	assert.Contains(t, err.Error(), "HubSpot GET")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.GetObject(ctx, "contacts", "512", nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestEnvelopeVariants(t *testing.T) {
	ctx := context.Background()
	t.Run("errors list", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":"error","message":"Invalid input JSON","correlationId":"c-1","category":"VALIDATION_ERROR",
				"errors":[{"message":"must be a number","code":"INVALID_NUMBER","context":{"propertyName":["score"]}},{"message":"odd","context":[1]}]}`))
		})
		_, err := c.UpdateObject(ctx, "contacts", "1", map[string]string{"score": "x"})
		ae := apiErr(t, err, apierr.Validation)
		assert.Equal(t, []string{"score: must be a number (INVALID_NUMBER)", "odd"}, ae.Details)
		assert.Equal(t, "c-1", ae.CorrelationID)
	})
	t.Run("unexpected JSON", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"message":{"nested":true}}`))
		})
		_, err := c.GetObject(ctx, "contacts", "1", nil)
		ae := apiErr(t, err, apierr.Validation)
		assert.Contains(t, ae.Message, "nested")
	})
	t.Run("207 with other errors", func(t *testing.T) {
		c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusMultiStatus)
			_, _ = w.Write([]byte(`{"status":"COMPLETE","results":[{"id":"1","properties":{"email":"a@b.c"}}],"numErrors":2,
				"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"gone","context":{"ids":["2"]}},
				          {"status":"error","category":"VALIDATION_ERROR","message":"bad id","context":{"ids":["x"]}}]}`))
		})
		found, missing, err := c.BatchReadObjects(ctx, "contacts", []string{"1", "2", "x"}, nil)
		ae := apiErr(t, err, apierr.Validation)
		assert.Equal(t, 207, ae.StatusCode)
		assert.Equal(t, "VALIDATION_ERROR", ae.Category)
		assert.Equal(t, []string{"x: bad id"}, ae.Details)
		assert.Len(t, found, 1)
		assert.Equal(t, []string{"2"}, missing)
	})
}

// TestPaths pins every method's method and path in both families, independently of the fake.
func TestPaths(t *testing.T) {
	want := map[string][]string{
		"2026-03": {
			"GET /crm/objects/2026-03/contacts/1?properties=email%2Cfirstname",
			"POST /crm/objects/2026-03/contacts/batch/read",
			"PATCH /crm/objects/2026-03/contacts/1",
			"POST /crm/objects/2026-03/contacts/batch/update",
			"POST /crm/objects/2026-03/contacts/search",
			"GET /crm/properties/2026-03/contacts/cs_status",
			"GET /crm/objects/2026-03/contacts/1/associations/deals?after=abc&limit=500",
			"POST /crm/associations/2026-03/contacts/deals/batch/read",
		},
		"v3": {
			"GET /crm/v3/objects/contacts/1?properties=email%2Cfirstname",
			"POST /crm/v3/objects/contacts/batch/read",
			"PATCH /crm/v3/objects/contacts/1",
			"POST /crm/v3/objects/contacts/batch/update",
			"POST /crm/v3/objects/contacts/search",
			"GET /crm/v3/properties/contacts/cs_status",
			"GET /crm/v4/objects/contacts/1/associations/deals?after=abc&limit=500",
			"POST /crm/v4/associations/contacts/deals/batch/read",
		},
	}
	for fam, paths := range want {
		t.Run(fam, func(t *testing.T) {
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				line := r.Method + " " + r.URL.Path
				if r.URL.RawQuery != "" {
					line += "?" + r.URL.RawQuery
				}
				got = append(got, line)
				if r.Method != http.MethodGet {
					assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				}
				_, _ = w.Write([]byte(`{"id":"1"}`))
			}))
			t.Cleanup(srv.Close)
			c := hubspot.New(hubspot.Config{BaseURL: srv.URL + "/", Token: token, PathFamily: fam})
			ctx := context.Background()
			_, err := c.GetObject(ctx, "contacts", "1", []string{"email", "firstname"})
			require.NoError(t, err)
			_, _, err = c.BatchReadObjects(ctx, "contacts", []string{"1"}, nil)
			require.NoError(t, err)
			_, err = c.UpdateObject(ctx, "contacts", "1", map[string]string{"a": "b"})
			require.NoError(t, err)
			require.NoError(t, c.BatchUpdateObjects(ctx, "contacts", []hubspot.BatchUpdateInput{{ID: "1"}}))
			_, err = c.Search(ctx, "contacts", hubspot.SearchRequest{})
			require.NoError(t, err)
			_, err = c.GetProperty(ctx, "contacts", "cs_status")
			require.NoError(t, err)
			_, _, err = c.ListAssociations(ctx, "contacts", "1", "deals", "abc")
			require.NoError(t, err)
			_, err = c.BatchReadAssociations(ctx, "contacts", "deals", []string{"1"})
			require.NoError(t, err)
			assert.Equal(t, paths, got)
		})
	}
}

// A 2xx whose body holds no record (null, {}, an object without id) is a decode error, not a
// record with every property empty: the sync would read that as "checkbox not checked".
func TestGetObjectWithoutRecordIsDecodeError(t *testing.T) {
	for name, body := range map[string]string{"null": "null", "empty object": "{}", "no id": `{"properties":{"email":"x@y.z"}}`} {
		t.Run(name, func(t *testing.T) {
			c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			})
			_, err := c.GetObject(context.Background(), "contacts", "51", nil)
			apiErr(t, err, apierr.Decode)
		})
	}
}
