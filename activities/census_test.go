package activities

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
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
	for id, recs := range c.records {
		assert.Len(t, recs, 1, "record %s", id)
	}
}
