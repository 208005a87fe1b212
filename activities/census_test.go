package activities

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/syncplan"
)

const listRoute = "GET /v1/clients/{cid}/contacts"

// censusPortal is 30 clients with two of the sync's records each, behind a handler that counts the
// most contact lists in flight at once.
func censusPortal(t *testing.T) (*Activities, *csfake.Server, *atomic.Int32) {
	cs := csfake.New(csfake.Options{Username: "u", Password: "p"})
	var fx csfake.Fixture
	for c := int64(1); c <= 30; c++ {
		fx.Clients = append(fx.Clients, clientsuccess.Client{ID: c, Name: fmt.Sprint("Client ", c), ExternalID: fmt.Sprint(100 + c)})
		for i := int64(0); i < 2; i++ {
			fx.Contacts = append(fx.Contacts, clientsuccess.Contact{ClientID: c, ExternalID: fmt.Sprint(1000 + 10*c + i), Email: "x@y.com"})
		}
	}
	cs.Seed(fx)
	cs.Faults().Set(faults.Config{Latency: 20 * time.Millisecond})
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/contacts") {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		}
		cs.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	acts := &Activities{
		ClientSuccess: clientsuccess.New(clientsuccess.Config{BaseURL: srv.URL + "/v1", Username: "u", Password: "p"}),
		Censuses:      &Censuses{ListsInFlight: 4},
		Resolver:      DealResolver{Mode: ResolverAssociations}, // no deal reads: ClientSuccess only
	}
	return acts, cs, &most
}

func TestCensusListsSeveralClientsAtOnce(t *testing.T) {
	acts, cs, most := censusPortal(t)
	sum, err := acts.TakeCensus(context.Background(), CensusInput{Run: "r"})
	require.NoError(t, err)
	assert.Equal(t, CensusSummary{Clients: 30, Records: 60}, sum)
	assert.Equal(t, 30, cs.CallsByRoute()[listRoute], "each client listed once")
	assert.Greater(t, most.Load(), int32(1), "lists overlap")
	assert.LessOrEqual(t, most.Load(), int32(4), "at most ListsInFlight at once")
}

// An attempt that fails part-way keeps what it listed in client order, and the next attempt lists
// the rest: every record is in the census once.
func TestCensusResumesAfterAFailedList(t *testing.T) {
	acts, cs, _ := censusPortal(t)
	cs.Faults().FailNth(listRoute, 12, http.StatusBadRequest) // not worth retrying: the attempt fails
	_, err := acts.TakeCensus(context.Background(), CensusInput{Run: "r"})
	require.Error(t, err)
	partial, ok := acts.Censuses.partial("r")
	require.True(t, ok)
	require.Less(t, partial.listed, 30)
	assert.Equal(t, 2*partial.listed, partial.count, "only the clients before the failure are in, each once")

	sum, err := acts.TakeCensus(context.Background(), CensusInput{Run: "r"})
	require.NoError(t, err)
	assert.Equal(t, CensusSummary{Clients: 30, Records: 60}, sum)
	c, ok := acts.Censuses.get("r")
	require.True(t, ok)
	c.records.each(func(_ int, id string, recs []indexEntry) { assert.Len(t, recs, 1, "record %s", id) })
}

func TestCensusRecordsKeepFieldsAndStatusExactly(t *testing.T) {
	two := 2
	for _, f := range []syncplan.ContactFields{
		{},
		{Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan"},
		{Email: "12:34@x.com", FirstName: ":", LastName: "3:", Title: "a\x00b", Phone: "+1 (555) 010", Mobile: "ünï"},
	} {
		r := newCensusRecord(9, 7, &two, f)
		assert.Equal(t, f, unpackFields(r.fields))
		assert.Equal(t, &two, r.statusID())
	}
	assert.Nil(t, newCensusRecord(9, 7, nil, syncplan.ContactFields{}).statusID())
}

func TestRecordIndexFindsEveryRecordOfAnIdAndOnlyItsOwn(t *testing.T) {
	var x recordIndex
	x.add("51", censusRecord{client: 1, contact: 10})
	x.add("7", censusRecord{client: 1, contact: 70})
	x.add("052", censusRecord{client: 3, contact: 30}) // not as ParseDealID writes ids: never kept
	x.add("51", censusRecord{client: 2, contact: 20})  // a copy on another client
	x.add("600", censusRecord{client: 2, contact: 60})
	x.seal()
	first, recs := x.of("51")
	assert.Equal(t, []indexEntry{{51, censusRecord{client: 1, contact: 10}}, {51, censusRecord{client: 2, contact: 20}}}, recs,
		"both records, in the order they were added")
	for _, id := range []string{"52", "052", "5", " 51", "", "601"} {
		_, recs := x.of(id)
		assert.Empty(t, recs, id)
	}
	var ids []string
	var firsts []int
	x.each(func(at int, id string, _ []indexEntry) { ids, firsts = append(ids, id), append(firsts, at) })
	assert.Equal(t, []string{"7", "51", "600"}, ids)
	assert.Contains(t, firsts, first, "an id is named by the same position both ways")
}

// A census whose run stopped asking is forgotten once its time is up, when the next one is taken:
// a worker does not keep every census it ever took.
func TestExpiredCensusesAreDroppedWhenTheNextIsTaken(t *testing.T) {
	acts, _, _ := censusPortal(t)
	acts.Censuses.m.put("done long ago", &census{}, time.Now().Add(-time.Second))
	acts.Censuses.partials.put("abandoned", &census{all: []clientsuccess.Client{{ID: 1}}}, time.Now().Add(-time.Second))
	_, err := acts.TakeCensus(context.Background(), CensusInput{Run: "r"})
	require.NoError(t, err)
	assert.Equal(t, []string{"r"}, slices.Collect(maps.Keys(acts.Censuses.m.entries)))
	assert.Empty(t, acts.Censuses.partials.entries, "a complete census is no longer kept as partial")
}
