package workflows

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

func TestChooseWindow(t *testing.T) {
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	in := withBatchDefaults(SyncContactsInput{Incremental: true})
	prev := activities.PreviousBatch{Found: true, WorkflowID: "sync-contacts", NextWatermark: now.Add(-time.Hour), LastFull: now.Add(-24 * time.Hour)}
	for name, tc := range map[string]struct {
		prev      activities.PreviousBatch
		wantSince time.Time // zero: full
		wantFull  time.Time
	}{
		"no previous batch":         {activities.PreviousBatch{}, time.Time{}, now},
		"incremental from previous": {prev, now.Add(-time.Hour - DefaultOverlap), prev.LastFull},
		"last full too old": {activities.PreviousBatch{Found: true, NextWatermark: prev.NextWatermark, LastFull: now.Add(-DefaultFullEvery)},
			time.Time{}, now},
		"previous without a full start": {activities.PreviousBatch{Found: true, NextWatermark: prev.NextWatermark}, time.Time{}, now},
	} {
		t.Run(name, func(t *testing.T) {
			w := chooseWindow(in, tc.prev, now)
			require.Equal(t, tc.wantSince, w.Since, w.Why)
			require.Equal(t, tc.wantFull, w.LastFull)
			require.Equal(t, now, w.StartedAt)
			require.NotEmpty(t, w.Why)
		})
	}
}

// TestSyncContactsResultFeedsTheNextBatch: FindPreviousBatch decodes a SyncContactsResult into
// PreviousBatch, so the JSON names must match.
func TestSyncContactsResultFeedsTheNextBatch(t *testing.T) {
	start := time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC)
	b, err := json.Marshal(SyncContactsResult{Total: 3, NextWatermark: start, LastFull: start.Add(-time.Hour)})
	require.NoError(t, err)
	var prev activities.PreviousBatch
	require.NoError(t, json.Unmarshal(b, &prev))
	require.Equal(t, start, prev.NextWatermark)
	require.Equal(t, start.Add(-time.Hour), prev.LastFull)
}

func TestIncrementalBatchListsOnlyChangedContacts(t *testing.T) {
	for name, tc := range map[string]struct {
		failing  bool
		wantNext func(start, watermark time.Time) time.Time
	}{
		"all synced: the watermark moves to this batch's start":       {false, func(start, _ time.Time) time.Time { return start }},
		"a failed contact travels in Attention, not in the watermark": {true, func(start, _ time.Time) time.Time { return start }},
	} {
		t.Run(name, func(t *testing.T) {
			env := newBatchEnv()
			start := env.Now().UTC()
			watermark := start.Add(-time.Hour)
			env.OnActivity(a.FindPreviousBatch, mock.Anything).Return(activities.PreviousBatch{
				Found: true, WorkflowID: "sync-contacts", NextWatermark: watermark, LastFull: start.Add(-48 * time.Hour)}, nil).Once()
			var asked []activities.PagePlanInput
			list := pages(15, 10)
			env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(
				func(_ context.Context, in activities.PagePlanInput) (activities.PlannedPage, error) {
					asked = append(asked, in)
					return list(in), nil
				})
			env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(
				func(_ workflow.Context, in SyncContactInput) (SyncContactResult, error) {
					if tc.failing && in.HubSpotContactID == "7" {
						return SyncContactResult{}, context.DeadlineExceeded
					}
					return SyncContactResult{Outcome: syncplan.Unchanged}, nil
				})
			env.ExecuteWorkflow(SyncContacts, SyncContactsInput{Incremental: true, PageSize: 10, Overlap: 10 * time.Minute})
			require.NoError(t, env.GetWorkflowError())
			var res SyncContactsResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Equal(t, 15, res.Total)
			require.True(t, res.Incremental)
			since := watermark.Add(-10 * time.Minute)
			require.Equal(t, []activities.PagePlanInput{{Since: since, Limit: 10}, {Since: since, AfterID: "10", Limit: 10}}, asked)
			require.Equal(t, since.UTC(), res.Since.UTC())
			require.Equal(t, watermark.UTC(), res.Watermark.UTC())
			require.Equal(t, tc.wantNext(start, watermark).UTC(), res.NextWatermark.UTC())
			require.Equal(t, start.Add(-48*time.Hour).UTC(), res.LastFull.UTC())
			if tc.failing {
				require.Len(t, res.Attention, 1)
				require.Equal(t, "7", res.Attention[0].ID)
				require.Equal(t, start.Add(syncplan.FirstRetry).UTC(), res.Attention[0].NextAttempt.UTC())
			}
		})
	}
}

func TestIncrementalBatchWithoutPreviousRunIsFull(t *testing.T) {
	env := newBatchEnv()
	start := env.Now().UTC()
	env.OnActivity(a.FindPreviousBatch, mock.Anything).Return(activities.PreviousBatch{}, nil).Once()
	env.OnActivity(a.PlanContactsPage, mock.Anything, page(activities.PagePlanInput{Limit: 10})).Return(pages(3, 10)(activities.PagePlanInput{}), nil).Once()
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(SyncContactResult{Outcome: syncplan.Created}, nil)
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{Incremental: true, PageSize: 10})
	require.NoError(t, env.GetWorkflowError())
	var res SyncContactsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.False(t, res.Incremental)
	require.Equal(t, 3, res.Total)
	require.Equal(t, start.UTC(), res.NextWatermark.UTC())
	require.Equal(t, start.UTC(), res.LastFull.UTC())
	env.AssertExpectations(t)
}

// A batch that is not incremental never asks for the previous batch, so its history is the same
// as before incremental runs existed, and it records its start for the next incremental batch.
func TestFullBatchRecordsItsStart(t *testing.T) {
	env := newBatchEnv()
	start := env.Now().UTC()
	env.OnActivity(a.PlanContactsPage, mock.Anything, page(activities.PagePlanInput{Limit: 10})).Return(pages(2, 10)(activities.PagePlanInput{}), nil).Once()
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(SyncContactResult{Outcome: syncplan.Unchanged}, nil)
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{PageSize: 10})
	require.NoError(t, env.GetWorkflowError())
	var res SyncContactsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.False(t, res.Incremental)
	require.Equal(t, start.UTC(), res.NextWatermark.UTC())
	env.AssertExpectations(t)
}

func TestDryRunBatchCarriesNoWatermark(t *testing.T) {
	env, _ := pagedBatchEnv(3, 10)
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(SyncContactResult{Outcome: syncplan.Failed}, nil)
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{PageSize: 10, DryRun: true})
	require.NoError(t, env.GetWorkflowError())
	var plan SyncContactsResult
	require.NoError(t, env.GetWorkflowResult(&plan))
	require.True(t, plan.DryRun)
	require.True(t, plan.NextWatermark.IsZero(), "a dry run wrote nothing, so it must not move the watermark")
	require.True(t, plan.LastFull.IsZero())
	require.Empty(t, plan.Attention, "a plan is not a failure to retry")
	require.Len(t, plan.Planned, 3)
}
