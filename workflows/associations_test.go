package workflows

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// The resolver's chosen deal id is written back into HubSpot when the target says so, before any
// ClientSuccess write; a dry run never writes it.
func (s *syncContactSuite) TestWritesTheChosenDealIDBackWhenTheResolverSaysSo() {
	chosen := secondClient
	chosen.WriteDealID = "2002"
	for _, dry := range []bool{false, true} {
		s.Run(fmt.Sprint("dry run ", dry), func() {
			s.SetupTest()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact(""), nil).Once()
			s.env.OnActivity(a.ResolveClient, mock.Anything, mock.Anything).Return(chosen, nil).Once()
			if !dry {
				s.env.OnActivity(a.WriteDealID, mock.Anything, activities.WriteDealIDInput{HubSpotContactID: "51", DealID: "2002"}).Return(nil).Once()
			}
			s.env.OnActivity(a.LocateRecords, mock.Anything, mock.Anything).Return(activities.Located{Records: []syncplan.Record{mine(9002, 700)}}, nil).Once()
			s.env.OnActivity(a.UpdateContact, mock.Anything, mock.Anything).Return(activities.WriteResult{Action: syncplan.Unchanged, ContactID: 700}, nil).Once()
			res, err := s.runInput(SyncContactInput{HubSpotContactID: "51", DryRun: dry})
			s.Require().NoError(err)
			s.Equal(syncplan.Unchanged, res.Outcome)
			s.Equal("2002", res.DealID)
		})
	}
}

// Deals a batch read already reach the resolver, so it makes no per-contact association call.
func (s *syncContactSuite) TestPrefetchedDealsReachTheResolver() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact(""), nil).Once()
	s.env.OnActivity(a.ResolveClient, mock.Anything, activities.ResolveInput{HubSpotContactID: "51", DealIDs: &[]string{"2002", "2003"}}).
		Return(activities.Target{Outcome: syncplan.WaitingClient, Reason: "none has a client"}, nil).Once()
	res, err := s.runInput(SyncContactInput{HubSpotContactID: "51", Deals: &PrefetchedDeals{IDs: []string{"2002", "2003"}}})
	s.Require().NoError(err)
	s.Equal(syncplan.WaitingClient, res.Outcome)
}

// In companies mode the target names the primary company, recorded in the result.
func (s *syncContactSuite) TestCompanyTargetIsRecorded() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact(""), nil).Once()
	s.env.OnActivity(a.ResolveClient, mock.Anything, mock.Anything).
		Return(activities.Target{CompanyID: "33", Client: activities.ClientRef{Found: true, ID: 9033, Name: "Acme"}}, nil).Once()
	s.env.OnActivity(a.LocateRecords, mock.Anything, activities.LocateInput{Owner: owner51, Email: brian.Email, TargetClientID: 9033}).
		Return(activities.Located{}, nil).Once()
	s.env.OnActivity(a.CreateContact, mock.Anything, activities.CreateInput{Owner: owner51, ClientID: 9033, Fields: brian}).
		Return(activities.WriteResult{Action: syncplan.Created, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Created, res.Outcome)
	s.Equal("33", res.CompanyID)
	s.Empty(res.DealID)
}

func TestSyncContactsPassesPrefetchedDealsToChildren(t *testing.T) {
	env := newBatchEnv()
	env.OnActivity(a.PlanContactsPage, mock.Anything, page(activities.PagePlanInput{Limit: 10})).Return(activities.PlannedPage{
		ToSync: []string{"1", "2"}, Deals: map[string][]string{"1": {"1001", "1002"}, "2": nil},
	}, nil).Once()
	got := map[string]*PrefetchedDeals{}
	env.OnWorkflow(SyncContact, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in SyncContactInput) (SyncContactResult, error) {
			got[in.HubSpotContactID] = in.Deals
			return SyncContactResult{Outcome: syncplan.Unchanged}, nil
		})
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{PageSize: 10})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []string{"1001", "1002"}, got["1"].IDs)
	require.NotNil(t, got["2"], "a contact without deals is prefetched as empty, not left to a per-contact call")
	require.Empty(t, got["2"].IDs)
}

func TestSyncContactsInPropertyModePassesNoDeals(t *testing.T) {
	env := newBatchEnv()
	env.OnActivity(a.PlanContactsPage, mock.Anything, page(activities.PagePlanInput{Limit: 10})).Return(activities.PlannedPage{ToSync: []string{"1"}}, nil).Once()
	env.OnWorkflow(SyncContact, mock.Anything, SyncContactInput{HubSpotContactID: "1", RetryFor: DefaultRetryFor}).Return(SyncContactResult{Outcome: syncplan.Unchanged}, nil).Once()
	env.ExecuteWorkflow(SyncContacts, SyncContactsInput{PageSize: 10})
	require.NoError(t, env.GetWorkflowError())
	env.AssertExpectations(t)
}

func TestMaintainContactCheckbox(t *testing.T) {
	many := make([]string, 150)
	for i := range many {
		many[i] = fmt.Sprint(1000 + i)
	}
	plan := activities.CheckboxPlan{Enabled: true, Rule: "rule", Check: many[:120], Uncheck: many[120:]}
	cases := []struct {
		name    string
		plan    activities.CheckboxPlan
		dryRun  bool
		calls   int
		written int
	}{
		{"off", activities.CheckboxPlan{Rule: "off"}, false, 0, 0},
		{"nothing to change", activities.CheckboxPlan{Enabled: true}, false, 0, 0},
		{"dry run lists but writes nothing", plan, true, 0, 0},
		{"writes 100 per call", plan, false, 2, 150},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			env.RegisterActivity(a)
			env.OnActivity(a.PlanCheckboxChanges, mock.Anything).Return(c.plan, nil).Once()
			var batches []activities.CheckboxWrites
			env.OnActivity(a.ApplyCheckboxChanges, mock.Anything, mock.Anything).Return(
				func(_ context.Context, w activities.CheckboxWrites) error {
					batches = append(batches, w)
					return nil
				}).Maybe()
			env.ExecuteWorkflow(MaintainContactCheckbox, MaintainContactCheckboxInput{DryRun: c.dryRun})
			require.NoError(t, env.GetWorkflowError())
			var res MaintainContactCheckboxResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Len(t, batches, c.calls)
			require.Equal(t, c.written, res.Written)
			require.Equal(t, c.plan.Check, res.Checked)
			require.Equal(t, c.plan.Uncheck, res.Unchecked)
			total := 0
			for _, b := range batches {
				require.LessOrEqual(t, len(b.Check)+len(b.Uncheck), 100)
				total += len(b.Check) + len(b.Uncheck)
			}
			require.Equal(t, c.written, total)
		})
	}
}
