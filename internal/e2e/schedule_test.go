package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestScheduleIsIdempotentAndTriggerRunsTheBatch creates the schedule twice (one schedule, the
// second spec wins), pauses and unpauses it, and triggers it: a ScheduledSync run starts, its
// client sync reports itself off, and its SyncContacts child syncs the example contact.
func TestScheduleIsIdempotentAndTriggerRunsTheBatch(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h := s.client.ScheduleClient().GetHandle(ctx, workflows.ScheduleID)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })

	// Paused, so the interval never fires on its own during the test.
	created, err := starting.EnsureSchedule(ctx, s.client, s.cfg.Temporal.TaskQueue, starting.ScheduleSpec{Every: time.Hour, Paused: true})
	require.NoError(t, err)
	require.True(t, created)
	created, err = starting.EnsureSchedule(ctx, s.client, s.cfg.Temporal.TaskQueue, starting.ScheduleSpec{Every: 2 * time.Hour, Paused: true, CatchupWindow: 10 * time.Minute})
	require.NoError(t, err)
	require.False(t, created, "the second call updates")

	d, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Len(t, d.Schedule.Spec.Intervals, 1)
	require.Equal(t, 2*time.Hour, d.Schedule.Spec.Intervals[0].Every)
	require.Equal(t, 10*time.Minute, d.Schedule.Policy.CatchupWindow)
	require.True(t, d.Schedule.State.Paused)
	eventually(t, 20*time.Second, "exactly one schedule listed", func() bool {
		it, err := s.client.ScheduleClient().List(ctx, client.ScheduleListOptions{})
		require.NoError(t, err)
		n := 0
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			if e.ID == workflows.ScheduleID {
				n++
			}
		}
		return n == 1
	})

	require.NoError(t, starting.UnpauseSchedule(ctx, s.client, "e2e"))
	d, err = h.Describe(ctx)
	require.NoError(t, err)
	require.False(t, d.Schedule.State.Paused)
	require.NoError(t, starting.PauseSchedule(ctx, s.client, "e2e: maintenance"))
	d, err = h.Describe(ctx)
	require.NoError(t, err)
	require.True(t, d.Schedule.State.Paused)
	require.Equal(t, "e2e: maintenance", d.Schedule.State.Note)

	// Trigger works on a paused schedule: that is how an operator runs it by hand.
	require.NoError(t, starting.TriggerSchedule(ctx, s.client))
	var runID string
	eventually(t, 30*time.Second, "the triggered run to be recorded", func() bool {
		d, err := h.Describe(ctx)
		require.NoError(t, err)
		if len(d.Info.RecentActions) == 0 {
			return false
		}
		runID = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
		return true
	})
	require.True(t, strings.HasPrefix(runID, workflows.ScheduledSyncWorkflowID+"-"), runID)
	desc, err := s.client.DescribeWorkflowExecution(ctx, runID, "")
	require.NoError(t, err)
	require.Equal(t, "ScheduledSync", desc.WorkflowExecutionInfo.GetType().GetName())
	var res workflows.ScheduledSyncResult
	require.NoError(t, s.client.GetWorkflow(ctx, runID, "").Get(ctx, &res))
	require.False(t, res.Clients.Enabled, "no deal checkbox configured: client sync is off, and says so")
	require.Contains(t, res.Clients.Reason, "HUBSPOT_DEAL_SYNC_PROPERTY")
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 1}, res.Contacts.Counts)
	// The progress query the starter's bar reads answers on a real server, after the run too.
	p, err := starting.QueryProgress(ctx, s.client, workflows.ScheduledContactsWorkflowID(runID))
	require.NoError(t, err)
	require.Equal(t, workflows.Progress{Done: 1, Listed: 1, AllListed: true, Counts: map[syncplan.Outcome]int{syncplan.Created: 1}, Run: 1}, p)
	require.Len(t, s.owned(example.ContactID), 1)
}
