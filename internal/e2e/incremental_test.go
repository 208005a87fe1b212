package e2e

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestIncrementalRerunListsOnlyModifiedContacts runs an incremental batch over 300 contacts last
// modified an hour ago (the first is full: there is no previous batch), then again with nothing
// changed: it must make at most ceil(N/100)+10 HubSpot calls and no ClientSuccess write. Then one
// contact is edited in HubSpot and the next incremental batch syncs exactly that one.
func TestIncrementalRerunListsOnlyModifiedContacts(t *testing.T) {
	const n = 300
	s := newStack(t)
	p := newBatchPortal(n)
	backdated := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	for i := range p.hubspot.Contacts {
		p.hubspot.Contacts[i].Properties["lastmodifieddate"] = backdated
	}
	s.fakes.HubSpot.Seed(p.hubspot)
	s.fakes.ClientSuccess.Seed(p.cs)
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	in := workflows.SyncContactsInput{Incremental: true, Concurrency: 25}
	completed := 0
	batch := func() workflows.SyncContactsResult {
		t.Helper()
		// The next batch reads its watermark from visibility: wait until the last one is listed.
		eventually(t, 30*time.Second, fmt.Sprintf("%d completed batches in visibility", completed), func() bool {
			resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
				Query: fmt.Sprintf("WorkflowType = 'SyncContacts' AND ExecutionStatus = 'Completed' AND TaskQueue = %q", s.cfg.Temporal.TaskQueue)})
			require.NoError(t, err)
			return resp.GetCount() == int64(completed)
		})
		s.fakes.HubSpot.ResetCounters()
		s.fakes.ClientSuccess.ResetCounters()
		run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, in)
		require.NoError(t, err)
		var res workflows.SyncContactsResult
		require.NoError(t, run.Get(ctx, &res))
		completed++
		return res
	}

	first := batch()
	require.False(t, first.Incremental, "no previous batch: the first one is full (%s)", first.Why)
	require.Equal(t, len(p.want), first.Total)
	require.False(t, first.NextWatermark.IsZero())

	rerun := batch()
	require.True(t, rerun.Incremental, rerun.Why)
	require.Equal(t, first.NextWatermark.UTC(), rerun.Watermark.UTC())
	require.Equal(t, first.NextWatermark.Add(-workflows.DefaultOverlap).UTC(), rerun.Since.UTC())
	require.Equal(t, 0, rerun.Total, "nothing was modified since the first batch")
	limit := int(math.Ceil(float64(n)/100)) + 10
	require.LessOrEqual(t, s.fakes.HubSpot.Calls(), limit, "HubSpot calls of an incremental no-change rerun")
	require.Zero(t, s.fakes.ClientSuccess.Writes(), "ClientSuccess writes of an incremental no-change rerun")
	t.Logf("incremental no-change rerun, N=%d: %d HubSpot calls, %d ClientSuccess calls, %d writes",
		n, s.fakes.HubSpot.Calls(), s.fakes.ClientSuccess.Calls(), s.fakes.ClientSuccess.Writes())

	// A HubSpot user renames a contact that is on its client: the next incremental batch syncs it.
	edited := -1
	for i := 0; i < n && edited < 0; i++ {
		if p.want[contactID(i)] == syncplan.Unchanged {
			edited = i
		}
	}
	require.GreaterOrEqual(t, edited, 0)
	id := contactID(edited)
	s.fakes.HubSpot.Put("contacts", id, map[string]string{"firstname": "Renamed"})
	after := batch()
	require.True(t, after.Incremental, after.Why)
	require.Equal(t, rerun.NextWatermark.UTC(), after.Watermark.UTC())
	require.Equal(t, 1, after.Total)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Updated: 1}, after.Counts)
	owned := s.owned(id)
	require.Len(t, owned, 1)
	require.Equal(t, "Renamed", owned[0].FirstName)
	require.Equal(t, p.home[id], owned[0].ClientID)

	// The incremental batch's history is a replay reference (RECORD_HISTORIES=1 writes it).
	replayAndRecord(t, map[string]*historypb.History{"sync_contacts_incremental_batch.json": s.history(ctx, workflows.BatchWorkflowID)})
}
