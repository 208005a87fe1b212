package hubspot_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
)

var checked = []hubspot.FilterGroup{{Filters: []hubspot.Filter{{PropertyName: "sync_cs", Operator: "EQ", Value: "true"}}}}

func ids(objs []hubspot.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID
	}
	return out
}

func TestSearch(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			ctx := context.Background()

			page, err := e.client.Search(ctx, "contacts", hubspot.SearchRequest{
				FilterGroups: checked,
				Sorts:        []hubspot.Sort{{PropertyName: "email", Direction: "DESCENDING"}},
				Properties:   []string{"email", "sync_cs"},
			})
			require.NoError(t, err)
			assert.Equal(t, 2, page.Total)
			assert.Equal(t, []string{"513", "512"}, ids(page.Results))
			assert.Equal(t, "ds@hubspot.com", page.Results[0].Properties["email"])
			assert.Equal(t, "", page.NextAfter)

			// Modified since: epoch-ms filter on lastmodifieddate, ORed with a second group.
			since := time.Now().Add(-time.Hour).UnixMilli()
			page, err = e.client.Search(ctx, "contacts", hubspot.SearchRequest{
				FilterGroups: []hubspot.FilterGroup{
					{Filters: []hubspot.Filter{{PropertyName: "lastmodifieddate", Operator: "GTE", Value: strconv.FormatInt(since, 10)}, {PropertyName: "firstname", Operator: "EQ", Value: "BRIAN"}}},
					{Filters: []hubspot.Filter{{PropertyName: "email", Operator: "IN", Values: []string{"x@example.com"}}}},
				},
				Limit: 1,
			})
			require.NoError(t, err)
			assert.Equal(t, 2, page.Total)
			assert.Equal(t, []string{"512"}, ids(page.Results))
			require.Equal(t, "1", page.NextAfter)
			page, err = e.client.Search(ctx, "contacts", hubspot.SearchRequest{
				FilterGroups: []hubspot.FilterGroup{
					{Filters: []hubspot.Filter{{PropertyName: "lastmodifieddate", Operator: "GTE", Value: strconv.FormatInt(since, 10)}, {PropertyName: "firstname", Operator: "EQ", Value: "BRIAN"}}},
					{Filters: []hubspot.Filter{{PropertyName: "email", Operator: "IN", Values: []string{"x@example.com"}}}},
				},
				Limit: 1, After: page.NextAfter,
			})
			require.NoError(t, err)
			assert.Equal(t, []string{"514"}, ids(page.Results))
			assert.Equal(t, "", page.NextAfter)

			page, err = e.client.Search(ctx, "deals", hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{{PropertyName: "dealname", Operator: "EQ", Value: "nothing"}}}}})
			require.NoError(t, err)
			assert.Equal(t, 0, page.Total)
			assert.Empty(t, page.Results)

			_, err = e.client.Search(ctx, "contacts", hubspot.SearchRequest{Limit: 201})
			apiErr(t, err, apierr.Validation)
		})
	}
}

// TestSearchPastTenThousand pages 10,500 checked contacts: offsets stop at 10,000, anchoring on
// hs_object_id does not.
func TestSearchPastTenThousand(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			const n = 10_500
			recs := make([]hubspotfake.Record, 0, n+100)
			for i := range n + 100 {
				id := strconv.Itoa(100_000 + i*7)
				sync := "true"
				if i%106 == 0 && i > 0 {
					sync = "false"
				}
				recs = append(recs, hubspotfake.Record{ID: id, Properties: map[string]string{"email": id + "@example.com", "sync_cs": sync}})
			}
			e.fake.Seed(hubspotfake.Fixture{Contacts: recs})
			ctx := context.Background()
			total := 0
			for _, r := range recs {
				if r.Properties["sync_cs"] == "true" {
					total++
				}
			}
			total += 2 // 512 and 513 from the fixture

			// Offset paging hits the cap.
			_, err := e.client.Search(ctx, "contacts", hubspot.SearchRequest{FilterGroups: checked, Limit: 200, After: "9900"})
			ae := apiErr(t, err, apierr.Validation)
			assert.Equal(t, 400, ae.StatusCode)

			var all []string
			seen := map[string]bool{}
			after := ""
			for {
				objs, last, err := e.client.SearchAfterID(ctx, "contacts", checked, []string{"email"}, after, 200)
				require.NoError(t, err)
				for _, o := range objs {
					require.False(t, seen[o.ID], "duplicate %s", o.ID)
					seen[o.ID] = true
					all = append(all, o.ID)
				}
				if last == "" {
					break
				}
				assert.Equal(t, objs[len(objs)-1].ID, last)
				assert.Len(t, objs, 200, "only the last page is short")
				after = last
			}
			assert.Len(t, all, total)
			assert.Greater(t, total, 10_000)
			for i := 1; i < len(all); i++ {
				a, _ := strconv.Atoi(all[i-1])
				b, _ := strconv.Atoi(all[i])
				require.Less(t, a, b, "ascending by hs_object_id")
			}
		})
	}
}

func TestSearchAfterIDKeepsCallerGroups(t *testing.T) {
	e := newEnv(t, "", hubspotfake.Options{})
	groups := []hubspot.FilterGroup{
		{Filters: []hubspot.Filter{{PropertyName: "sync_cs", Operator: "EQ", Value: "true"}}},
		{Filters: []hubspot.Filter{{PropertyName: "email", Operator: "EQ", Value: "x@example.com"}}},
	}
	objs, last, err := e.client.SearchAfterID(context.Background(), "contacts", groups, nil, "512", 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"513", "514"}, ids(objs), "the anchor applies to every group")
	assert.Empty(t, last, "513 and 514 are all that match: no next page")
	assert.Len(t, groups[0].Filters, 1, "the caller's groups are not changed")
	assert.Len(t, groups[1].Filters, 1)
}

func TestSearchAfterIDBody(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		_, _ = w.Write([]byte(`{"total":0,"results":[]}`))
	}))
	t.Cleanup(srv.Close)
	c := hubspot.New(hubspot.Config{BaseURL: srv.URL, Token: token})
	_, last, err := c.SearchAfterID(context.Background(), "contacts", checked, []string{"email"}, "1234", 200)
	require.NoError(t, err)
	assert.Empty(t, last, "no paging in the answer: no next page")
	assert.JSONEq(t, `{"filterGroups":[{"filters":[{"propertyName":"sync_cs","operator":"EQ","value":"true"},{"propertyName":"hs_object_id","operator":"GT","value":"1234"}]}],
		"sorts":[{"propertyName":"hs_object_id","direction":"ASCENDING"}],"properties":["email"],"limit":200}`, body)

	_, _, err = c.SearchAfterID(context.Background(), "contacts", nil, nil, "", 5)
	require.NoError(t, err)
	assert.JSONEq(t, `{"sorts":[{"propertyName":"hs_object_id","direction":"ASCENDING"}],"limit":5}`, body)
}
