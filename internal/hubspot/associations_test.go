package hubspot_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
)

// manyDeals associates contact 513 with n deals.
func manyDeals(e env, n int) {
	f := hubspotfake.Fixture{}
	for i := range n {
		id := strconv.Itoa(5000 + i)
		f.Deals = append(f.Deals, hubspotfake.Record{ID: id, Properties: map[string]string{"dealname": "Deal " + id}})
		f.Associations = append(f.Associations, hubspotfake.Assoc{FromType: "contacts", FromID: "513", ToType: "deals", ToID: id})
	}
	e.fake.Seed(f)
}

func TestListAssociations(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			ctx := context.Background()

			assocs, next, err := e.client.ListAssociations(ctx, "contacts", "512", "companies", "")
			require.NoError(t, err)
			assert.Equal(t, "", next)
			require.Len(t, assocs, 1)
			assert.Equal(t, "700", assocs[0].ToObjectID)
			require.Len(t, assocs[0].Types, 2)
			assert.Equal(t, hubspot.AssociationType{Category: "HUBSPOT_DEFINED", TypeID: 1, Label: ptr("Primary")}, assocs[0].Types[0])
			assert.Equal(t, hubspot.AssociationType{Category: "HUBSPOT_DEFINED", TypeID: 279}, assocs[0].Types[1])

			// The reverse direction is stored with the documented type id.
			assocs, _, err = e.client.ListAssociations(ctx, "deals", "900", "contacts", "")
			require.NoError(t, err)
			require.Len(t, assocs, 1)
			assert.Equal(t, "512", assocs[0].ToObjectID)
			assert.Equal(t, 3, assocs[0].Types[0].TypeID)

			manyDeals(e, 1201)
			var all []string
			after, calls := "", 0
			for {
				page, next, err := e.client.ListAssociations(ctx, "contacts", "513", "deals", after)
				require.NoError(t, err)
				calls++
				for _, a := range page {
					all = append(all, a.ToObjectID)
				}
				if next == "" {
					break
				}
				after = next
			}
			assert.Equal(t, 3, calls)
			require.Len(t, all, 1201)
			assert.Equal(t, "5000", all[0])
			assert.Equal(t, "6200", all[1200])

			assocs, next, err = e.client.ListAssociations(ctx, "contacts", "514", "deals", "")
			require.NoError(t, err)
			assert.Empty(t, assocs)
			assert.Equal(t, "", next)
		})
	}
}

func TestBatchReadAssociations(t *testing.T) {
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			manyDeals(e, 1201)
			ids := []string{"512", "513", "514", "99999"}
			for i := range 2100 {
				ids = append(ids, strconv.Itoa(300_000+i)) // records without associations
			}
			e.fake.ResetCounters()

			got, err := e.client.BatchReadAssociations(context.Background(), "contacts", "deals", ids)
			require.NoError(t, err)
			assert.Len(t, got, len(ids), "every id is a key")
			require.Len(t, got["512"], 1)
			assert.Equal(t, "900", got["512"][0].ToObjectID)
			assert.Equal(t, []hubspot.AssociationType{{Category: "HUBSPOT_DEFINED", TypeID: 4}}, got["512"][0].Types)
			assert.Len(t, got["513"], 1201, "paging followed")
			assert.NotNil(t, got["514"])
			assert.Empty(t, got["514"], "207 NO_ASSOCIATIONS_FOUND is an empty list")
			assert.Empty(t, got["300000"])
			// 2,104 ids: three chunks of at most 1,000; the first also pages 513's deals twice more.
			assert.Equal(t, 5, e.fake.CallsByRoute()[hubspotfake.RouteBatchReadAssociations])
		})
	}
}

func TestAssociationIDsAsStrings(t *testing.T) {
	c := clientFor(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"results":[{"toObjectId":"21678228008","associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":4,"label":null}]},{"toObjectId":21678228009,"associationTypes":[]}]}`))
			return
		}
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write([]byte(`{"status":"COMPLETE","results":[{"from":{"id":"1"},"to":[{"toObjectId":"21678228008","associationTypes":[{"category":"USER_DEFINED","typeId":77,"label":"Champion"}]}]}],
			"numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","subCategory":"crm.associations.NO_ASSOCIATIONS_FOUND","message":"No deal is associated with contact 2.","context":{"fromObjectId":["2"],"fromObjectType":["contact"],"toObjectType":["deal"]}}]}`))
	})
	assocs, _, err := c.ListAssociations(context.Background(), "contacts", "1", "deals", "")
	require.NoError(t, err)
	assert.Equal(t, "21678228008", assocs[0].ToObjectID)
	assert.Equal(t, "21678228009", assocs[1].ToObjectID)

	got, err := c.BatchReadAssociations(context.Background(), "contacts", "deals", []string{"1", "2"})
	require.NoError(t, err)
	assert.Equal(t, "21678228008", got["1"][0].ToObjectID)
	assert.Equal(t, ptr("Champion"), got["1"][0].Types[0].Label)
	assert.Empty(t, got["2"])
}

func ptr[T any](v T) *T { return &v }
