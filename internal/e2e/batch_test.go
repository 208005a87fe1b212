package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// batchPortal is a generated portal: contacts spread over deals, some unchecked, some with bad or
// missing deal ids, some already on the right or a wrong client. want is the outcome each checked
// contact must get, and where each contact must end up.
type batchPortal struct {
	hubspot hubspotfake.Fixture
	cs      csfake.Fixture
	want    map[string]syncplan.Outcome // checked contacts only: the batch lists nothing else
	home    map[string]int64            // contact -> the client it must end on (0: none)
}

const (
	batchDeals         = 40
	batchDealsAsClient = 35 // deals 36..40 have no ClientSuccess client yet
)

func dealID(i int) string    { return fmt.Sprint(5001 + i%batchDeals) }
func clientID(i int) int64   { return int64(8001 + i%batchDeals) }
func contactID(i int) string { return fmt.Sprint(100001 + i) }

// newPortalWithDeals seeds the batch deals; the first batchDealsAsClient of them have a client.
func newPortalWithDeals() batchPortal {
	p := batchPortal{want: map[string]syncplan.Outcome{}, home: map[string]int64{}}
	for d := 0; d < batchDeals; d++ {
		p.hubspot.Deals = append(p.hubspot.Deals, hubspotfake.Record{ID: dealID(d), Properties: map[string]string{"dealname": "Deal " + dealID(d)}})
		if d < batchDealsAsClient {
			p.cs.Clients = append(p.cs.Clients, clientsuccess.Client{ID: clientID(d), Name: "Client " + dealID(d), ExternalID: dealID(d), Active: true})
		}
	}
	return p
}

func newBatchPortal(n int) batchPortal {
	p := newPortalWithDeals()
	for i := 0; i < n; i++ {
		id := contactID(i)
		props := map[string]string{
			"email": fmt.Sprintf("person%d@example.com", i), "firstname": "Person", "lastname": fmt.Sprint(i),
			"sync_w_clientsuccess_contact": "true", "associated_deal_id": dealID(i),
		}
		fields := clientsuccess.Contact{Email: props["email"], FirstName: "Person", LastName: props["lastname"], ExternalID: id}
		hasClient := i%batchDeals < batchDealsAsClient
		var outcome syncplan.Outcome
		switch {
		case i%10 == 0:
			props["sync_w_clientsuccess_contact"] = "false"
			if i%20 == 0 { // unchecked but synced before: must be left exactly where it is
				fields.ClientID = clientID(1)
				p.cs.Contacts = append(p.cs.Contacts, fields)
				p.home[id] = clientID(1)
			}
		case i%25 == 1:
			props["associated_deal_id"] = ""
			outcome = syncplan.NoDeal
		case i%25 == 2:
			props["associated_deal_id"] = "12abc"
			outcome = syncplan.InvalidDealID
		case !hasClient:
			outcome = syncplan.WaitingClient
		case i%7 == 3: // synced before under another deal
			fields.ClientID = clientID(i + 1)
			p.cs.Contacts = append(p.cs.Contacts, fields)
			outcome, p.home[id] = syncplan.Moved, clientID(i)
		case i%13 == 4: // already in place and up to date
			fields.ClientID = clientID(i)
			p.cs.Contacts = append(p.cs.Contacts, fields)
			outcome, p.home[id] = syncplan.Unchanged, clientID(i)
		default:
			outcome, p.home[id] = syncplan.Created, clientID(i)
		}
		if outcome != "" {
			p.want[id] = outcome
		}
		p.hubspot.Contacts = append(p.hubspot.Contacts, hubspotfake.Record{ID: id, Properties: props})
	}
	return p
}

// TestBatchRunOverThousandContacts runs SyncContacts over 1,200 seeded contacts through several
// continue-as-new runs and checks every count and every contact's final place.
func TestBatchRunOverThousandContacts(t *testing.T) {
	s := newStack(t)
	p := newBatchPortal(1200)
	s.fakes.HubSpot.Seed(p.hubspot)
	s.fakes.ClientSuccess.Seed(p.cs)
	s.startWorker()

	wantCounts := map[syncplan.Outcome]int{}
	for _, o := range p.want {
		wantCounts[o]++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{Concurrency: 25, PageSize: 100, ContactsPerRun: 400})
	require.NoError(t, err)
	var res workflows.SyncContactsResult
	require.NoError(t, run.Get(ctx, &res))

	require.Equal(t, len(p.want), res.Total)
	require.Equal(t, wantCounts, res.Counts)
	require.GreaterOrEqual(t, res.Runs, 3, "the batch continued as new")

	placed := map[string][]int64{}
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID != "" {
			placed[c.ExternalID] = append(placed[c.ExternalID], c.ClientID)
		}
	}
	for i := 0; i < 1200; i++ {
		id := contactID(i)
		if home := p.home[id]; home != 0 {
			require.Equal(t, []int64{home}, placed[id], "contact %s", id)
		} else {
			require.Empty(t, placed[id], "contact %s must not be in ClientSuccess", id)
		}
	}
}
