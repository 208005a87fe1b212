package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// dealPages serves checked deals 1001..1000+n in pages, as ListClientRecords does.
func dealPages(n int) func(context.Context, activities.ClientRecordsInput) (activities.ClientRecordsPage, error) {
	return func(_ context.Context, in activities.ClientRecordsInput) (activities.ClientRecordsPage, error) {
		start := 1000
		if in.AfterID != "" {
			fmt.Sscan(in.AfterID, &start)
		}
		p := activities.ClientRecordsPage{Enabled: true, Source: activities.ClientSourceDeals, Property: "sync_deal"}
		for id := start + 1; id <= 1000+n && len(p.Records) < in.Limit; id++ {
			p.Records = append(p.Records, activities.ClientRecord{ID: fmt.Sprint(id), Name: fmt.Sprint("Deal ", id)})
		}
		if len(p.Records) == in.Limit {
			p.LastID = p.Records[len(p.Records)-1].ID
		}
		return p, nil
	}
}

func clientsEnv(n int) *testsuite.TestWorkflowEnvironment {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.OnActivity(a.ListClientRecords, mock.Anything, mock.Anything).Return(dealPages(n))
	return env
}

// upsertByID answers UpsertClient by deal id: 1002 is renamed, 1003 exists unchanged, 1004
// fails for good, the rest are created.
func upsertByID(_ context.Context, in activities.UpsertClientInput) (activities.UpsertClientResult, error) {
	switch in.ExternalID {
	case "1002":
		return activities.UpsertClientResult{Action: syncplan.Updated, ClientID: 2, OldName: "Old"}, nil
	case "1003":
		return activities.UpsertClientResult{Action: syncplan.Unchanged, ClientID: 3}, nil
	case "1004":
		return activities.UpsertClientResult{}, temporal.NewNonRetryableApplicationError("rejected", "ClientSuccess.validation", nil)
	}
	res := activities.UpsertClientResult{Action: syncplan.Created}
	if !in.DryRun {
		res.ClientID = 9000
	}
	return res, nil
}

func TestSyncClientsCountsEveryOutcome(t *testing.T) {
	env := clientsEnv(7)
	env.OnActivity(a.UpsertClient, mock.Anything, mock.Anything).Return(upsertByID)
	env.ExecuteWorkflow(SyncClients, SyncClientsInput{PageSize: 3, Concurrency: 2})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res SyncClientsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.True(t, res.Enabled)
	require.Equal(t, activities.ClientSourceDeals, res.Source)
	require.Equal(t, 7, res.Total)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 4, syncplan.Updated: 1, syncplan.Unchanged: 1, syncplan.Failed: 1}, res.Counts)
	require.Empty(t, res.Planned, "a real run lists no plan")
	require.ElementsMatch(t, []string{"1001", "1005", "1006", "1007"}, res.Created, "the created clients are named for the contact batch")
	require.True(t, res.CreatedAll())
}

func TestSyncClientsDryRunReturnsThePlan(t *testing.T) {
	env := clientsEnv(3)
	env.OnActivity(a.UpsertClient, mock.Anything, mock.MatchedBy(func(in activities.UpsertClientInput) bool { return in.DryRun })).Return(upsertByID).Times(3)
	env.ExecuteWorkflow(SyncClients, SyncClientsInput{DryRun: true})
	require.NoError(t, env.GetWorkflowError())
	var res SyncClientsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.True(t, res.DryRun)
	require.ElementsMatch(t, []ClientChange{
		{Action: syncplan.Created, ExternalID: "1001", Name: "Deal 1001"},
		{Action: syncplan.Updated, ExternalID: "1002", Name: "Deal 1002", ClientID: 2, OldName: "Old"},
	}, res.Planned, "creates and updates only")
	env.AssertExpectations(t)
}

func TestSyncClientsIsOffWithoutTheCheckbox(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.OnActivity(a.ListClientRecords, mock.Anything, mock.Anything).Return(activities.ClientRecordsPage{
		Source: activities.ClientSourceCompanies, Reason: "client sync is off: CLIENT_SOURCE=companies and HUBSPOT_COMPANY_SYNC_PROPERTY is not set"}, nil).Once()
	env.ExecuteWorkflow(SyncClients, SyncClientsInput{})
	require.NoError(t, env.GetWorkflowError())
	var res SyncClientsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.False(t, res.Enabled)
	require.Contains(t, res.Reason, "HUBSPOT_COMPANY_SYNC_PROPERTY")
	require.Zero(t, res.Total)
}

func TestSyncClientsContinuesAsNewCarryingProgress(t *testing.T) {
	env := clientsEnv(25)
	env.OnActivity(a.UpsertClient, mock.Anything, mock.Anything).Return(activities.UpsertClientResult{Action: syncplan.Unchanged}, nil)
	env.ExecuteWorkflow(SyncClients, SyncClientsInput{PageSize: 10, ClientsPerRun: 20})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "want continue-as-new, got %v", env.GetWorkflowError())
	require.Equal(t, "SyncClients", can.WorkflowType.Name)
	var carried SyncClientsInput
	require.NoError(t, decodeArgs(can, &carried))
	require.Equal(t, "1020", carried.Carried.AfterID)
	require.Equal(t, 20, carried.Carried.Total)

	env2 := clientsEnv(25)
	env2.OnActivity(a.UpsertClient, mock.Anything, mock.Anything).Return(activities.UpsertClientResult{Action: syncplan.Unchanged}, nil)
	env2.ExecuteWorkflow(SyncClients, carried)
	require.NoError(t, env2.GetWorkflowError())
	var res SyncClientsResult
	require.NoError(t, env2.GetWorkflowResult(&res))
	require.Equal(t, 25, res.Total)
	require.Equal(t, 2, res.Runs)
	require.Equal(t, 25, res.Counts[syncplan.Unchanged])
}

func scheduledEnv() *testsuite.TestWorkflowEnvironment {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(SyncClients)
	env.RegisterWorkflow(SyncContacts)
	return env
}

func TestScheduledSyncRunsClientsThenContactsPassingInputsThrough(t *testing.T) {
	env := scheduledEnv()
	var order []string
	env.OnWorkflow(SyncClients, mock.Anything, mock.Anything).Return(func(ctx workflow.Context, in SyncClientsInput) (SyncClientsResult, error) {
		order = append(order, "clients:"+workflow.GetInfo(ctx).WorkflowExecution.ID)
		require.True(t, in.DryRun, "a dry run plans the clients too")
		return SyncClientsResult{Enabled: true, Total: 1, Counts: map[syncplan.Outcome]int{syncplan.Created: 1}, Created: []string{"1003"}, DryRun: true}, nil
	})
	env.OnWorkflow(SyncContacts, mock.Anything, mock.Anything).Return(func(ctx workflow.Context, in SyncContactsInput) (SyncContactsResult, error) {
		order = append(order, "contacts:"+workflow.GetInfo(ctx).WorkflowExecution.ID)
		require.True(t, in.DryRun)
		require.True(t, in.Incremental)
		require.Equal(t, []string{"1003"}, in.NewClients, "the new client's contacts are listed, edited or not")
		require.Equal(t, []string{"1003"}, in.PendingClients, "the contact plans see the client the dry run would create")
		require.Equal(t, 7, in.Concurrency)
		return SyncContactsResult{Total: 2, Counts: map[syncplan.Outcome]int{syncplan.Created: 2}, DryRun: true}, nil
	})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "scheduled-sync-2026"})
	env.ExecuteWorkflow(ScheduledSync, ScheduledSyncInput{Contacts: SyncContactsInput{DryRun: true, Incremental: true, Concurrency: 7}})
	require.NoError(t, env.GetWorkflowError())
	var res ScheduledSyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, []string{"clients:" + DryRunClientsWorkflowID, "contacts:scheduled-sync-2026-contacts"}, order)
	require.Equal(t, 1, res.Clients.Counts[syncplan.Created])
	require.Equal(t, 2, res.Contacts.Counts[syncplan.Created])
	require.Empty(t, res.ClientsError)
}

// More new clients than a result names: the incremental batch becomes a full one.
func TestScheduledSyncListsEveryContactAfterManyNewClients(t *testing.T) {
	env := scheduledEnv()
	named := make([]string, MaxCreatedListed)
	for i := range named {
		named[i] = fmt.Sprint(5000 + i)
	}
	env.OnWorkflow(SyncClients, mock.Anything, mock.Anything).Return(SyncClientsResult{Enabled: true,
		Counts: map[syncplan.Outcome]int{syncplan.Created: MaxCreatedListed + 1}, Created: named}, nil)
	var got SyncContactsInput
	env.OnWorkflow(SyncContacts, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in SyncContactsInput) (SyncContactsResult, error) {
		got = in
		return SyncContactsResult{}, nil
	})
	env.ExecuteWorkflow(ScheduledSync, ScheduledSyncInput{Contacts: SyncContactsInput{Incremental: true}})
	require.NoError(t, env.GetWorkflowError())
	require.False(t, got.Incremental)
	require.Empty(t, got.NewClients)
	require.Empty(t, got.PendingClients, "only a dry run's plans stand in for clients")
}

func TestScheduledSyncSyncsContactsWhenTheClientSyncFails(t *testing.T) {
	env := scheduledEnv()
	env.OnWorkflow(SyncClients, mock.Anything, mock.Anything).Return(SyncClientsResult{}, errors.New("HubSpot down"))
	contacts := false
	env.OnWorkflow(SyncContacts, mock.Anything, mock.Anything).Return(func(workflow.Context, SyncContactsInput) (SyncContactsResult, error) {
		contacts = true
		return SyncContactsResult{}, nil
	})
	env.ExecuteWorkflow(ScheduledSync, ScheduledSyncInput{})
	require.True(t, contacts, "contacts whose clients exist are still synced")
	require.ErrorContains(t, env.GetWorkflowError(), "client sync failed")
}

// A client sync that stops hands over the clients it created before: their contacts are listed.
func TestScheduledSyncHandsOverTheClientsAFailedClientSyncCreated(t *testing.T) {
	env := scheduledEnv()
	partial := SyncClientsResult{Enabled: true, Counts: map[syncplan.Outcome]int{syncplan.Created: 1}, Created: []string{"1003"}}
	env.OnWorkflow(SyncClients, mock.Anything, mock.Anything).Return(SyncClientsResult{},
		temporal.NewApplicationErrorWithCause("client sync stopped: HubSpot down", ClientSyncFailed, errors.New("HubSpot down"), partial))
	var got SyncContactsInput
	env.OnWorkflow(SyncContacts, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in SyncContactsInput) (SyncContactsResult, error) {
		got = in
		return SyncContactsResult{}, nil
	})
	env.ExecuteWorkflow(ScheduledSync, ScheduledSyncInput{Contacts: SyncContactsInput{Incremental: true}})
	require.Error(t, env.GetWorkflowError(), "the run still fails, naming the client sync's error")
	require.Equal(t, []string{"1003"}, got.NewClients)
	require.True(t, got.Incremental)
}

// A failed client sync's partial result travels in its error, from SyncClients itself.
func TestSyncClientsThatStopsCarriesWhatItCreated(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	pagesAsked := 0
	env.OnActivity(a.ListClientRecords, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ClientRecordsInput) (activities.ClientRecordsPage, error) {
			pagesAsked++
			if pagesAsked == 2 {
				return activities.ClientRecordsPage{}, temporal.NewNonRetryableApplicationError("HubSpot said 401", "HubSpot.auth", nil)
			}
			return activities.ClientRecordsPage{Enabled: true, Source: "deals", Records: []activities.ClientRecord{{ID: "1003", Name: "New"}}, LastID: "1003"}, nil
		})
	env.OnActivity(a.UpsertClient, mock.Anything, mock.Anything).Return(activities.UpsertClientResult{Action: syncplan.Created, ClientID: 9003}, nil)
	env.ExecuteWorkflow(SyncClients, SyncClientsInput{})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	require.Equal(t, ClientSyncFailed, appErr.Type())
	var partial SyncClientsResult
	require.NoError(t, appErr.Details(&partial))
	require.Equal(t, []string{"1003"}, partial.Created)
}

func TestSyncClientsPassesTheMappedStatusAndReportsUnmatchedValues(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.OnActivity(a.ListClientRecords, mock.Anything, mock.Anything).Return(activities.ClientRecordsPage{Enabled: true, Source: activities.ClientSourceDeals,
		Records: []activities.ClientRecord{{ID: "1001", Name: "A", StatusID: 3}, {ID: "1002", Name: "B", StatusProblem: `cs_status 1002: "Churned" matches no status (Active, Inactive, Trial, Terminated)`}}}, nil).Once()
	env.OnActivity(a.UpsertClient, mock.Anything, activities.UpsertClientInput{ExternalID: "1001", Name: "A", StatusID: 3}).Return(activities.UpsertClientResult{Action: syncplan.Updated}, nil).Once()
	env.OnActivity(a.UpsertClient, mock.Anything, activities.UpsertClientInput{ExternalID: "1002", Name: "B"}).Return(activities.UpsertClientResult{Action: syncplan.Unchanged}, nil).Once()
	env.ExecuteWorkflow(SyncClients, SyncClientsInput{})
	require.NoError(t, env.GetWorkflowError())
	var res SyncClientsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, res.StatusProblems, 1)
	require.Contains(t, res.StatusProblems[0], "Churned")
	env.AssertExpectations(t)
}
