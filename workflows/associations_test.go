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

func associationsContact(dealIDValue string) activities.Contact {
	c := checkedContact(dealIDValue)
	c.Resolver = activities.ResolverAssociations
	return c
}

func (s *syncContactSuite) TestAssociationsModeSkipsThePropertyAndUsesResolveDeal() {
	// The property names a deal, but in associations mode it is not parsed: ResolveDeal decides.
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(associationsContact("12abc"), nil).Once()
	s.env.OnActivity(a.ResolveDeal, mock.Anything, activities.ResolveDealInput{HubSpotContactID: "51", DealIDValue: "12abc"}).
		Return(activities.DealResolution{Found: true, DealID: "2002", Associated: 2, Existing: 2,
			Client: activities.ClientRef{Found: true, ID: 9002, Name: "Fake 2nd Test"}}, nil).Once()
	s.env.OnActivity(a.FindRecords, mock.Anything, activities.FindRecordsInput{HubSpotContactID: "51", Email: brian.Email, TargetClientID: 9002}).
		Return(activities.FoundRecords{}, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, activities.UpsertInput{HubSpotContactID: "51", ClientID: 9002, Fields: brian}).
		Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Created, res.Outcome)
	s.Equal("2002", res.DealID)
	s.Equal(int64(9002), res.ClientID)
}

// A dry run hands ResolveDeal the clients it would create; a deal among them resolves to a
// client with no id, and the contact is planned onto it without writing the deal id back.
func (s *syncContactSuite) TestAssociationsModeDryRunPlansOntoAClientItWouldCreate() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(associationsContact(""), nil).Once()
	s.env.OnActivity(a.ResolveDeal, mock.Anything, activities.ResolveDealInput{HubSpotContactID: "51", PendingClients: []string{"2003"}}).
		Return(activities.DealResolution{Found: true, DealID: "2003", Associated: 1, Existing: 1, WriteBack: true,
			Client: activities.PendingClient("deal", "Fresh", "2003")}, nil).Once()
	s.env.OnActivity(a.FindRecords, mock.Anything, activities.FindRecordsInput{HubSpotContactID: "51", Email: brian.Email}).
		Return(activities.FoundRecords{}, nil).Once()
	s.env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "51", DryRun: true, PendingClients: []string{"2003"}})
	s.Require().NoError(s.env.GetWorkflowError())
	var res SyncContactResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(syncplan.Created, res.Outcome)
	s.Equal("dry run: would be created on client to be created for deal Fresh (2003); nothing written", res.Reason)
}

func (s *syncContactSuite) TestAssociationsModeWritesTheDealIDBackWhenAsked() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(associationsContact(""), nil).Once()
	s.env.OnActivity(a.ResolveDeal, mock.Anything, mock.Anything).
		Return(activities.DealResolution{Found: true, DealID: "2002", Associated: 1, Existing: 1, WriteBack: true,
			Client: activities.ClientRef{Found: true, ID: 9002, Name: "Fake 2nd Test"}}, nil).Once()
	s.env.OnActivity(a.WriteDealID, mock.Anything, activities.WriteDealIDInput{HubSpotContactID: "51", DealID: "2002"}).Return(nil).Once()
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).
		Return(activities.FoundRecords{Records: []syncplan.Record{{ClientID: 9002, ContactID: 700, Owned: true, Fields: brian}}}, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, mock.Anything).Return(activities.UpsertResult{Action: syncplan.Unchanged, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Unchanged, res.Outcome)
}

func (s *syncContactSuite) TestAssociationsModeOutcomesThatWriteNothing() {
	cases := []struct {
		name string
		r    activities.DealResolution
		want syncplan.Outcome
	}{
		{"no associated deal", activities.DealResolution{}, syncplan.NoDeal},
		{"associated deals all deleted", activities.DealResolution{Associated: 2}, syncplan.DealNotFound},
		{"no deal has a client", activities.DealResolution{Associated: 2, Existing: 2}, syncplan.WaitingClient},
	}
	for _, c := range cases {
		s.Run(c.name, func() {
			s.SetupTest()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(associationsContact(""), nil).Once()
			s.env.OnActivity(a.ResolveDeal, mock.Anything, mock.Anything).Return(c.r, nil).Once()
			res, err := s.run()
			s.Require().NoError(err)
			s.Equal(c.want, res.Outcome)
			s.NotEmpty(res.Reason)
			s.Empty(res.Changes)
		})
	}
}

func TestSyncContactsPassesPrefetchedDealsToChildren(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.RegisterWorkflow(SyncContact)
	env.OnActivity(a.PlanContactsPage, mock.Anything, activities.PagePlanInput{Limit: 10}).Return(activities.PlannedPage{
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
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.RegisterWorkflow(SyncContact)
	env.OnActivity(a.PlanContactsPage, mock.Anything, activities.PagePlanInput{Limit: 10}).Return(activities.PlannedPage{ToSync: []string{"1"}}, nil).Once()
	env.OnWorkflow(SyncContact, mock.Anything, SyncContactInput{HubSpotContactID: "1"}).Return(SyncContactResult{Outcome: syncplan.Unchanged}, nil).Once()
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
