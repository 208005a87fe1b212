package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// pages serves ids 1..n in pages of size, as ListCheckedContacts does.
func pages(n, size int) func(string, int) activities.CheckedPage {
	return func(after string, _ int) activities.CheckedPage {
		start := 0
		if after != "" {
			fmt.Sscan(after, &start)
		}
		var p activities.CheckedPage
		for id := start + 1; id <= n && len(p.IDs) < size; id++ {
			p.IDs = append(p.IDs, fmt.Sprint(id))
		}
		if len(p.IDs) == size {
			p.LastID = p.IDs[len(p.IDs)-1]
		}
		return p
	}
}

// pagedBatchEnv is a test environment whose ListCheckedContacts serves ids 1..n in pages of size.
func pagedBatchEnv(n, size int) (*testsuite.TestWorkflowEnvironment, func(string, int) activities.CheckedPage) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.RegisterWorkflow(SyncContact)
	list := pages(n, size)
	env.OnActivity(a.ListCheckedContacts, mock.Anything, mock.Anything, size).Return(
		func(_ context.Context, after string, size int) (activities.CheckedPage, error) {
			return list(after, size), nil
		})
	return env, list
}

func TestSyncContactsCountsOutcomesWithBoundedConcurrency(t *testing.T) {
	env, _ := pagedBatchEnv(25, 10)
	inFlight, peak := 0, 0
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in SyncContactInput) (SyncContactResult, error) {
			inFlight++
			peak = max(peak, inFlight)
			defer func() { inFlight-- }()
			_ = workflow.Sleep(ctx, 1) // let siblings start, so concurrency is observable
			switch in.HubSpotContactID {
			case "3":
				return SyncContactResult{}, errors.New("boom")
			case "4", "5":
				return SyncContactResult{Outcome: syncplan.Moved}, nil
			}
			return SyncContactResult{Outcome: syncplan.Created}, nil
		})
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{Concurrency: 4, PageSize: 10, ContactsPerRun: 1000})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res SyncContactsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, 25, res.Total)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 22, syncplan.Moved: 2, syncplan.Failed: 1}, res.Counts)
	require.LessOrEqual(t, peak, 4)
	require.Greater(t, peak, 1)
}

func TestSyncContactsContinuesAsNewCarryingProgress(t *testing.T) {
	env, list := pagedBatchEnv(25, 10)
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(SyncContactResult{Outcome: syncplan.Unchanged}, nil)
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{Concurrency: 4, PageSize: 10, ContactsPerRun: 20})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "want continue-as-new, got %v", env.GetWorkflowError())
	require.Equal(t, "SyncContacts", can.WorkflowType.Name)

	// The next run picks up where this one stopped.
	next := testsuite.WorkflowTestSuite{}
	env2 := next.NewTestWorkflowEnvironment()
	env2.RegisterActivity(a)
	env2.RegisterWorkflow(SyncContact)
	env2.OnActivity(a.ListCheckedContacts, mock.Anything, "20", 10).Return(list("20", 10), nil).Once()
	env2.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(SyncContactResult{Outcome: syncplan.Unchanged}, nil)
	var carried SyncContactsInput
	require.NoError(t, decodeArgs(can, &carried))
	require.Equal(t, "20", carried.Carried.AfterID)
	require.Equal(t, 20, carried.Carried.Total)
	env2.ExecuteWorkflow(SyncContacts, carried)
	require.NoError(t, env2.GetWorkflowError())
	var res SyncContactsResult
	require.NoError(t, env2.GetWorkflowResult(&res))
	require.Equal(t, 25, res.Total)
	require.Equal(t, 2, res.Runs)
	require.Equal(t, 25, res.Counts[syncplan.Unchanged])
}

func decodeArgs(can *workflow.ContinueAsNewError, into any) error {
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, into)
}

func TestSyncContactsProgressQuery(t *testing.T) {
	env, _ := pagedBatchEnv(25, 10)
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in SyncContactInput) (SyncContactResult, error) {
			_ = workflow.Sleep(ctx, time.Minute)
			if in.HubSpotContactID == "7" {
				return SyncContactResult{Outcome: syncplan.Moved}, nil
			}
			return SyncContactResult{Outcome: syncplan.Unchanged}, nil
		})
	var mid Progress
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(ProgressQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 30*time.Second)
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{Concurrency: 5, PageSize: 10})
	require.NoError(t, env.GetWorkflowError())
	// Half-way through the first wave: five children started, none finished.
	require.Equal(t, Progress{Done: 0, Listed: 10, InFlight: 5, Counts: map[syncplan.Outcome]int{}, Run: 1}, mid)

	v, err := env.QueryWorkflow(ProgressQuery)
	require.NoError(t, err)
	var end Progress
	require.NoError(t, v.Get(&end))
	require.Equal(t, Progress{Done: 25, Listed: 25, AllListed: true,
		Counts: map[syncplan.Outcome]int{syncplan.Unchanged: 24, syncplan.Moved: 1}, Run: 1}, end)
}
