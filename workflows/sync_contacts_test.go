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
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// pages serves ids 1..n in pages of size as PlanContactsPage does, every contact to sync.
func pages(n, size int) func(activities.PagePlanInput) activities.PlannedPage {
	return func(in activities.PagePlanInput) activities.PlannedPage {
		start := 0
		if in.AfterID != "" {
			fmt.Sscan(in.AfterID, &start)
		}
		p := activities.PlannedPage{ToSync: []string{}}
		for id := start + 1; id <= n && len(p.ToSync) < size; id++ {
			p.ToSync = append(p.ToSync, fmt.Sprint(id))
		}
		if len(p.ToSync) == size {
			p.LastID = p.ToSync[len(p.ToSync)-1]
		}
		return p
	}
}

// afterID matches a PagePlanInput by the id it pages after.
func afterID(id string) any {
	return mock.MatchedBy(func(in activities.PagePlanInput) bool { return in.AfterID == id })
}

// page matches a PagePlanInput by its listing (Since, AfterID, Limit), whatever census it names.
func page(want activities.PagePlanInput) any {
	return mock.MatchedBy(func(in activities.PagePlanInput) bool {
		in.Census = ""
		return in.Since.Equal(want.Since) && in.AfterID == want.AfterID && in.Limit == want.Limit && len(in.NewClients) == len(want.NewClients)
	})
}

// newBatchEnv is a test environment for SyncContacts: sessions on (a full run takes its census in
// one), the census and its sweep answering that ClientSuccess holds nothing unaccounted for.
func newBatchEnv() *testsuite.TestWorkflowEnvironment {
	return newSweepingBatchEnv(activities.SweepResult{})
}

// newSweepingBatchEnv is newBatchEnv whose census sweep finds sweep.
func newSweepingBatchEnv(sweep activities.SweepResult) *testsuite.TestWorkflowEnvironment {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{EnableSessionWorker: true})
	env.RegisterActivity(a)
	env.RegisterWorkflow(SyncContact)
	env.OnActivity(a.TakeCensus, mock.Anything, mock.Anything).Return(activities.CensusSummary{}, nil).Maybe()
	env.OnActivity(a.SweepCensus, mock.Anything, mock.Anything).Return(sweep, nil).Maybe()
	return env
}

// pagedBatchEnv is a test environment whose PlanContactsPage serves ids 1..n in pages of size.
func pagedBatchEnv(n, size int) (*testsuite.TestWorkflowEnvironment, func(activities.PagePlanInput) activities.PlannedPage) {
	env := newBatchEnv()
	list := pages(n, size)
	env.OnActivity(a.PlanContactsPage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PagePlanInput) (activities.PlannedPage, error) {
			return list(in), nil
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
	env2 := newBatchEnv()
	env2.OnActivity(a.PlanContactsPage, mock.Anything, afterID("20")).Return(list(activities.PagePlanInput{AfterID: "20", Limit: 10}), nil).Once()
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

// The page plan's in-line contacts count as unchanged without a child; the rest get one each.
func TestSyncContactsStartsChildrenOnlyForContactsOutOfLine(t *testing.T) {
	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("dryRun=%v", dryRun), func(t *testing.T) {
			env := newBatchEnv()
			env.OnActivity(a.PlanContactsPage, mock.Anything, page(activities.PagePlanInput{Limit: 10})).Return(activities.PlannedPage{
				ToSync: []string{"2"},
				InLine: []activities.InLineContact{{ID: "1", DealID: "1001", ClientID: 9001, ClientName: "Acme"}, {ID: "3", DealID: "1001", ClientID: 9001, ClientName: "Acme"}},
			}, nil).Once()
			var started []string
			env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(
				func(_ workflow.Context, in SyncContactInput) (SyncContactResult, error) {
					started = append(started, in.HubSpotContactID)
					return SyncContactResult{HubSpotContactID: in.HubSpotContactID, Outcome: syncplan.Moved, DryRun: in.DryRun}, nil
				})
			env.ExecuteWorkflow(SyncContacts, SyncContactsInput{PageSize: 10, DryRun: dryRun})
			require.NoError(t, env.GetWorkflowError())
			var res SyncContactsResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Equal(t, []string{"2"}, started)
			require.Equal(t, 3, res.Total)
			require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 2, syncplan.Moved: 1}, res.Counts)
			if !dryRun {
				require.Empty(t, res.Planned)
				return
			}
			require.Len(t, res.Planned, 3)
			byID := map[string]SyncContactResult{}
			for _, r := range res.Planned {
				byID[r.HubSpotContactID] = r
			}
			require.Equal(t, syncplan.Unchanged, byID["1"].Outcome)
			require.Equal(t, int64(9001), byID["1"].ClientID)
			require.Equal(t, "1001", byID["1"].DealID)
			require.True(t, byID["1"].DryRun)
			require.Equal(t, syncplan.Moved, byID["2"].Outcome)
		})
	}
}

// CheckEveryContact lists ids only and starts a child for every contact, as before the page plan.
func TestSyncContactsCheckingEveryContactSkipsThePagePlan(t *testing.T) {
	env := newBatchEnv()
	env.OnActivity(a.ListCheckedContacts, mock.Anything, "", 10).Return(activities.CheckedPage{IDs: []string{"1", "2"}}, nil).Once()
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(SyncContactResult{Outcome: syncplan.Unchanged}, nil).Twice()
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{PageSize: 10, CheckEveryContact: true})
	require.NoError(t, env.GetWorkflowError())
	var res SyncContactsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, 2, res.Counts[syncplan.Unchanged])
	env.AssertExpectations(t)
}
