package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// unownedContacts are records entered by hand in ClientSuccess, which no sync may touch.
func unownedContacts() []clientsuccess.Contact {
	var out []clientsuccess.Contact
	for d := 0; d < batchDealsAsClient; d += 5 {
		out = append(out, clientsuccess.Contact{ClientID: clientID(d), Email: fmt.Sprintf("manual%d@example.com", d), FirstName: "Typed", LastName: "By hand"})
	}
	return out
}

// placement is what ClientSuccess holds after a run, compared with the portal's expectations.
type placement struct {
	verified, lost, duplicated, wronglyPlaced, wronglyTouched int
	problems                                                  []string
}

func (p *placement) problem(format string, args ...any) {
	if len(p.problems) < 20 {
		p.problems = append(p.problems, fmt.Sprintf(format, args...))
	}
}

// checkPlacement compares every contact of the portal with where it must be, and the unowned
// records with how they were seeded.
func checkPlacement(s *stack, p batchPortal, n int, unowned []clientsuccess.Contact) placement {
	placed := map[string][]int64{}
	var manual []clientsuccess.Contact
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID != "" {
			placed[c.ExternalID] = append(placed[c.ExternalID], c.ClientID)
		} else {
			manual = append(manual, c)
		}
	}
	var r placement
	for i := 0; i < n; i++ {
		id := contactID(i)
		home, on := p.home[id], placed[id]
		switch {
		case home == 0 && len(on) > 0:
			r.wronglyTouched++
			r.problem("contact %s must not be in ClientSuccess, is on %v", id, on)
		case home == 0:
		case len(on) == 0:
			r.lost++
			r.problem("contact %s lost (belongs on %d)", id, home)
		case len(on) > 1:
			r.duplicated++
			r.problem("contact %s on %v", id, on)
		case on[0] != home:
			r.wronglyPlaced++
			r.problem("contact %s on %d, belongs on %d", id, on[0], home)
		default:
			r.verified++
		}
	}
	if len(manual) != len(unowned) {
		r.wronglyTouched++
		r.problem("%d unowned records, seeded %d", len(manual), len(unowned))
	}
	for _, m := range manual {
		found := false
		for _, u := range unowned {
			if u.Email == m.Email && u.ClientID == m.ClientID && u.FirstName == m.FirstName && u.LastName == m.LastName {
				found = true
			}
		}
		if !found {
			r.wronglyTouched++
			r.problem("unowned record %+v changed", m)
		}
	}
	return r
}

// TestConcurrentRunsDoNotDuplicate runs two batch runs (the one started by hand and one as a
// schedule would, under its own workflow id) and single-contact syncs over the same contacts at
// once. The per-contact workflow id makes every contact's syncs take turns: overlapping starts
// join the running one or are counted as already running, and every contact ends exactly once
// on its client.
func TestConcurrentRunsDoNotDuplicate(t *testing.T) {
	const n = 300
	s := newStack(t)
	p := newBatchPortal(n)
	unowned := unownedContacts()
	p.cs.Contacts = append(p.cs.Contacts, unowned...)
	s.fakes.HubSpot.Seed(p.hubspot)
	s.fakes.ClientSuccess.Seed(p.cs)
	// Slow every ClientSuccess call a little so the runs really overlap.
	s.fakes.ClientSuccess.Faults().Set(faults.Config{Latency: 2 * time.Millisecond, Jitter: 8 * time.Millisecond, Seed: 7})
	s.startWorker()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	in := workflows.SyncContactsInput{Concurrency: 10, PageSize: 50}
	first, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, in)
	require.NoError(t, err)
	second, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.BatchWorkflowID + "-scheduled", TaskQueue: s.cfg.Temporal.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.SyncContacts, in)
	require.NoError(t, err)

	var wg sync.WaitGroup
	singles := make(chan error, n)
	for i := 0; i < n; i += 3 {
		if _, checked := p.want[contactID(i)]; !checked {
			continue
		}
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			_, err := starting.SyncContact(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: id})
			singles <- err
		}(contactID(i))
	}
	var r1, r2 workflows.SyncContactsResult
	require.NoError(t, first.Get(ctx, &r1))
	require.NoError(t, second.Get(ctx, &r2))
	wg.Wait()
	close(singles)
	for err := range singles {
		require.NoError(t, err)
	}
	t.Logf("first batch: %v; second batch: %v", r1.Counts, r2.Counts)
	require.Equal(t, len(p.want), r1.Total)
	require.Equal(t, len(p.want), r2.Total)
	require.Positive(t, r1.FollowedUp+r2.FollowedUp, "the runs did overlap: a sync already running was waited for and run again")
	require.Zero(t, r1.Counts[syncplan.Failed])
	require.Zero(t, r2.Counts[syncplan.Failed])

	res := checkPlacement(s, p, n, unowned)
	require.Empty(t, res.problems)
	require.Equal(t, len(p.home), res.verified)
}
