package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// runBatch runs SyncContacts in env and returns its result.
func runBatch(t *testing.T, env interface {
	ExecuteWorkflow(any, ...any)
	GetWorkflowError() error
	GetWorkflowResult(any) error
}, in SyncContactsInput) SyncContactsResult {
	t.Helper()
	env.ExecuteWorkflow(SyncContacts, in)
	require.NoError(t, env.GetWorkflowError())
	var res SyncContactsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// A contact whose last sync failed is not synced again until its retry is due, unless it changed
// in HubSpot since that attempt; either way the batch counts it and carries its entry on.
func TestBatchDefersAFailedContactUntilItIsDueOrChanges(t *testing.T) {
	for name, tc := range map[string]struct {
		modifiedAfter time.Duration // HubSpot's lastmodifieddate, relative to the last attempt
		synced        bool
	}{
		"unchanged and not due: deferred": {-time.Minute, false},
		"changed since: synced at once":   {time.Minute, true},
	} {
		t.Run(name, func(t *testing.T) {
			env := newBatchEnv()
			now := env.Now().UTC()
			last := now.Add(-time.Hour)
			prev := syncplan.Attentions{{ID: "5", Reason: "500", Since: last, Attempts: 2, LastAttempt: last, NextAttempt: now.Add(time.Hour)}}
			env.OnActivity(a.FindPreviousBatch, mock.Anything).Return(activities.PreviousBatch{Found: true, NextWatermark: now.Add(-time.Hour),
				LastFull: now.Add(-time.Hour), Attention: prev}, nil).Once()
			env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{
				ToSync: []string{"5"}, Modified: map[string]time.Time{"5": last.Add(tc.modifiedAfter)}}, nil).Once()
			synced := false
			env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(func(workflow.Context, SyncContactInput) (SyncContactResult, error) {
				synced = true
				return SyncContactResult{Outcome: syncplan.Failed, Reason: "500 again"}, nil
			}).Maybe()
			res := runBatch(t, env, SyncContactsInput{Incremental: true})
			require.Equal(t, tc.synced, synced)
			require.Len(t, res.Attention, 1)
			if tc.synced {
				require.Equal(t, 3, res.Attention[0].Attempts)
				require.Equal(t, 1, res.Counts[syncplan.Failed])
			} else {
				require.Equal(t, prev, res.Attention, "carried unchanged")
				require.Equal(t, 1, res.Counts[syncplan.Deferred])
			}
			require.Equal(t, now, res.NextWatermark.UTC(), "a failed contact travels in Attention, not in the watermark")
		})
	}
}

// An incremental batch retries the failed contacts whose retry has come, though HubSpot did not
// list them (nothing about them changed), and clears them once they sync.
func TestIncrementalBatchRetriesDueContactsItDidNotList(t *testing.T) {
	env := newBatchEnv()
	now := env.Now().UTC()
	prev := syncplan.Attentions{
		{ID: "8", Reason: "500", Since: now.Add(-2 * time.Hour), Attempts: 1, LastAttempt: now.Add(-time.Hour), NextAttempt: now.Add(-time.Minute)},
		{ID: "9", Reason: "500", Since: now.Add(-2 * time.Hour), Attempts: 1, LastAttempt: now.Add(-time.Hour), NextAttempt: now.Add(time.Hour)},
	}
	env.OnActivity(a.FindPreviousBatch, mock.Anything).Return(activities.PreviousBatch{Found: true, NextWatermark: now.Add(-time.Hour),
		LastFull: now.Add(-time.Hour), Attention: prev}, nil).Once()
	env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{ToSync: []string{}}, nil).Once()
	var started []string
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in SyncContactInput) (SyncContactResult, error) {
		started = append(started, in.HubSpotContactID)
		return SyncContactResult{Outcome: syncplan.Created}, nil
	})
	res := runBatch(t, env, SyncContactsInput{Incremental: true})
	require.Equal(t, []string{"8"}, started, "8 is due, 9 is not")
	require.Equal(t, syncplan.Attentions{prev[1]}, res.Attention)
}

// A full batch drops the entries of contacts it did not list: they are no longer checked.
func TestFullBatchDropsAttentionOfContactsNoLongerChecked(t *testing.T) {
	env := newBatchEnv()
	now := env.Now().UTC()
	env.OnActivity(a.FindPreviousBatch, mock.Anything).Return(activities.PreviousBatch{Found: true, NextWatermark: now.Add(-time.Hour),
		Attention: syncplan.Attentions{{ID: "9", NextAttempt: now.Add(time.Hour)}}}, nil).Once()
	env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{ToSync: []string{}}, nil).Once()
	res := runBatch(t, env, SyncContactsInput{Incremental: true}) // no full run on record: full
	require.False(t, res.Incremental)
	require.Empty(t, res.Attention)
}

// A contact whose sync is already running is waited for and then synced once more, so a change
// the batch saw after that sync read HubSpot is not skipped; the watermark moves on.
func TestBatchFollowsUpASyncThatWasAlreadyRunning(t *testing.T) {
	env := newBatchEnv()
	now := env.Now().UTC()
	env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{ToSync: []string{"3"}}, nil).Once()
	calls := 0
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(func(workflow.Context, SyncContactInput) (SyncContactResult, error) {
		calls++
		if calls == 1 {
			return SyncContactResult{}, &temporal.ChildWorkflowExecutionAlreadyStartedError{}
		}
		return SyncContactResult{Outcome: syncplan.Moved}, nil
	})
	awaited := ""
	env.OnActivity(a.AwaitContactSync, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (activities.AwaitedSync, error) {
		awaited = id
		return activities.AwaitedSync{Outcome: syncplan.Unchanged}, nil
	}).Once()
	res := runBatch(t, env, SyncContactsInput{})
	require.Equal(t, ContactWorkflowID("3"), awaited)
	require.Equal(t, 2, calls)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Moved: 1}, res.Counts)
	require.Equal(t, now, res.NextWatermark.UTC())
}

// A page step that finds its census gone (its worker restarted) makes the batch take the census
// again before it asks for the page again.
func TestBatchRetakesACensusItsWorkerLost(t *testing.T) {
	env := newBatchEnv()
	censuses := 0
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "TakeCensus" {
			censuses++
		}
	})
	env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{CensusMissing: true}, nil).Once()
	env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{
		InLine: []activities.InLineContact{{ID: "1", ClientID: 9001}}}, nil).Once()
	res := runBatch(t, env, SyncContactsInput{})
	require.Equal(t, 1, res.Counts[syncplan.Unchanged])
	require.Equal(t, 2, censuses, "taken, lost, taken again")
}

// The sweep of a full run hands a merged-away id's records to its survivor's sync, and reports a
// deleted contact's records (DELETED_CONTACTS=keep) or syncs it so they are removed (remove).
func TestFullBatchSweepsMergedAndDeletedContacts(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(map[bool]string{false: "keep", true: "remove"}[remove], func(t *testing.T) {
			merged := []activities.Location{{ClientID: 9001, ContactID: 600}}
			env := newSweepingBatchEnv(activities.SweepResult{
				Merged:  []activities.MergedRecords{{ID: "17", Survivor: "77", Records: merged}},
				Deleted: []activities.OrphanRecords{{ID: "18", Records: []activities.Location{{ClientID: 9002, ContactID: 700}}}}, DeletedCount: 1,
				RemoveDeleted: remove,
			})
			env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(activities.PlannedPage{ToSync: []string{}}, nil).Once()
			got := map[string]SyncContactInput{}
			env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in SyncContactInput) (SyncContactResult, error) {
				got[in.HubSpotContactID] = in
				return SyncContactResult{Outcome: syncplan.Moved}, nil
			})
			res := runBatch(t, env, SyncContactsInput{})
			require.Equal(t, []string{"17"}, got["77"].AlsoOwns)
			require.Equal(t, merged, got["77"].Known)
			_, removed := got["18"]
			require.Equal(t, remove, removed)
			if remove {
				require.Empty(t, res.Orphans)
			} else {
				require.Equal(t, []string{"18"}, res.Orphans)
				require.Equal(t, 1, res.OrphanCount)
			}
		})
	}
}
