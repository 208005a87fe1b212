package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestDryRunPlansWhatTheRealRunDoes: a dry batch writes nothing anywhere, and its plan (outcome
// and changes per contact) is what the real batch then does.
func TestDryRunPlansWhatTheRealRunDoes(t *testing.T) {
	s := newStack(t)
	p := newBatchPortal(120)
	s.fakes.HubSpot.Seed(p.hubspot)
	s.fakes.ClientSuccess.Seed(p.cs)
	require.Equal(t, syncplan.Unchanged, p.want[contactID(4)])
	s.fakes.HubSpot.Put("contacts", contactID(4), map[string]string{"jobtitle": "Boss"})
	p.want[contactID(4)] = syncplan.Updated // so every kind of write is planned
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	batch := func(dry bool) workflows.SyncContactsResult {
		run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{Concurrency: 20, PageSize: 50, ContactsPerRun: 60, DryRun: dry})
		require.NoError(t, err)
		var res workflows.SyncContactsResult
		require.NoError(t, run.Get(ctx, &res))
		return res
	}

	s.fakes.HubSpot.ResetCounters()
	s.fakes.ClientSuccess.ResetCounters()
	plan := batch(true)
	require.Zero(t, s.fakes.ClientSuccess.Writes(), "a dry run writes nothing to ClientSuccess")
	require.Zero(t, s.fakes.HubSpot.Writes(), "a dry run writes nothing to HubSpot")
	require.Len(t, plan.Planned, len(p.want), "one plan per checked contact, across continue-as-new")
	planned := map[string]workflows.SyncContactResult{}
	for _, r := range plan.Planned {
		require.True(t, r.DryRun)
		planned[r.HubSpotContactID] = r
	}
	for _, o := range []syncplan.Outcome{syncplan.Created, syncplan.Updated, syncplan.Moved, syncplan.Unchanged} {
		require.Positive(t, plan.Counts[o], "the portal has %s contacts", o)
	}
	for id, want := range p.want {
		require.Equal(t, want, planned[id].Outcome, "contact %s: %s", id, planned[id].Reason)
	}

	done := batch(false)
	require.Equal(t, plan.Counts, done.Counts, "the real run does what was planned")
	require.Positive(t, s.fakes.ClientSuccess.Writes())
	for id, r := range planned {
		if r.Outcome == syncplan.Unchanged {
			// In line on the page plan, in the dry run and the real one alike: no SyncContact on
			// this test's task queue (the dev server is shared with other tests' contacts).
			d, err := s.client.DescribeWorkflowExecution(ctx, workflows.ContactWorkflowID(id), "")
			if err == nil {
				require.NotEqual(t, s.cfg.Temporal.TaskQueue, d.GetExecutionConfig().GetTaskQueue().GetName(),
					"contact %s is in line; the real run starts no sync for it", id)
			}
			continue
		}
		got := s.syncResult(id)
		require.Equal(t, r.Outcome, got.Outcome, "contact %s", id)
		require.Equal(t, len(r.Changes), len(got.Changes), "contact %s: planned %v, did %v", id, r.Changes, got.Changes)
		for i, c := range r.Changes {
			require.Equal(t, c.Action, got.Changes[i].Action, "contact %s", id)
			require.Equal(t, c.ClientID, got.Changes[i].ClientID, "contact %s", id)
			if c.Action != string(syncplan.Created) {
				require.Equal(t, c.ContactID, got.Changes[i].ContactID, "contact %s", id)
			}
		}
	}
}

// syncResult is the result of the latest real sync of a contact.
func (s *stack) syncResult(id string) workflows.SyncContactResult {
	s.t.Helper()
	var res workflows.SyncContactResult
	require.NoError(s.t, s.client.GetWorkflow(context.Background(), workflows.ContactWorkflowID(id), "").Get(context.Background(), &res))
	return res
}
