package workflows

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

var a *activities.Activities

var brian = syncplan.ContactFields{Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan"}

func checkedContact(dealID string) activities.Contact {
	return activities.Contact{ID: "51", Found: true, Checked: true, DealIDValue: dealID, Fields: brian}
}

type syncContactSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
}

func TestSyncContact(t *testing.T) { suite.Run(t, new(syncContactSuite)) }

func (s *syncContactSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.env.RegisterActivity(a)
}

func (s *syncContactSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *syncContactSuite) run() (SyncContactResult, error) {
	s.env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "51"})
	s.Require().True(s.env.IsWorkflowCompleted())
	var res SyncContactResult
	if err := s.env.GetWorkflowError(); err != nil {
		return res, err
	}
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	return res, nil
}

// resolveTo mocks the steps up to a found client 9002 for deal 2002.
func (s *syncContactSuite) resolveTo(contact activities.Contact) {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(contact, nil).Once()
	s.env.OnActivity(a.ReadDeal, mock.Anything, "2002").Return(activities.Deal{ID: "2002", Found: true, Name: "Fake 2nd Test"}, nil).Once()
	s.env.OnActivity(a.FindDealClient, mock.Anything, "2002").Return(activities.ClientRef{Found: true, ID: 9002, Name: "Fake 2nd Test"}, nil).Once()
}

func (s *syncContactSuite) TestOutcomesThatWriteNothing() {
	cases := []struct {
		name    string
		contact activities.Contact
		outcome syncplan.Outcome
	}{
		{"contact deleted in HubSpot", activities.Contact{ID: "51"}, syncplan.ContactNotFound},
		{"checkbox unchecked", activities.Contact{ID: "51", Found: true, DealIDValue: "2002", Fields: brian}, syncplan.NotChecked},
		{"empty deal id", checkedContact(" "), syncplan.NoDeal},
		{"deal id with letters", checkedContact("12abc"), syncplan.InvalidDealID},
		{"negative deal id", checkedContact("-1"), syncplan.InvalidDealID},
		{"forty-digit deal id", checkedContact("1234567890123456789012345678901234567890"), syncplan.InvalidDealID},
	}
	for _, c := range cases {
		s.Run(c.name, func() {
			s.SetupTest()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(c.contact, nil).Once()
			res, err := s.run()
			s.Require().NoError(err)
			s.Equal(c.outcome, res.Outcome)
			s.NotEmpty(res.Reason)
			s.Empty(res.Changes)
			s.env.AssertExpectations(s.T())
		})
	}
}

func (s *syncContactSuite) TestDealNotFound() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact("2002"), nil).Once()
	s.env.OnActivity(a.ReadDeal, mock.Anything, "2002").Return(activities.Deal{ID: "2002"}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.DealNotFound, res.Outcome)
}

func (s *syncContactSuite) TestClientNotInClientSuccessRemovesNothing() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact("2002"), nil).Once()
	s.env.OnActivity(a.ReadDeal, mock.Anything, "2002").Return(activities.Deal{ID: "2002", Found: true, Name: "Fake 2nd Test"}, nil).Once()
	s.env.OnActivity(a.FindDealClient, mock.Anything, "2002").Return(activities.ClientRef{}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.WaitingClient, res.Outcome)
	s.Contains(res.Reason, "client not in ClientSuccess")
}

// A dry run whose client sync would create the deal's client plans the move the real run makes:
// off the old client, onto the new one. Outside a dry run, or for another deal, the contact waits.
func (s *syncContactSuite) TestDryRunPlansOntoAClientItWouldCreate() {
	cases := []struct {
		name    string
		in      SyncContactInput
		outcome syncplan.Outcome
	}{
		{"dry run, client pending", SyncContactInput{DryRun: true, PendingClients: []string{"1003", "2002"}}, syncplan.Moved},
		{"dry run, another client pending", SyncContactInput{DryRun: true, PendingClients: []string{"1003"}}, syncplan.WaitingClient},
		{"real run", SyncContactInput{PendingClients: []string{"2002"}}, syncplan.WaitingClient},
	}
	for _, c := range cases {
		s.Run(c.name, func() {
			s.SetupTest()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact("2002"), nil).Once()
			s.env.OnActivity(a.ReadDeal, mock.Anything, "2002").Return(activities.Deal{ID: "2002", Found: true, Name: "Fresh Deal"}, nil).Once()
			s.env.OnActivity(a.FindDealClient, mock.Anything, "2002").Return(activities.ClientRef{}, nil).Once()
			if c.outcome == syncplan.Moved {
				s.env.OnActivity(a.FindRecords, mock.Anything, activities.FindRecordsInput{HubSpotContactID: "51", Email: brian.Email}).
					Return(activities.FoundRecords{Records: []syncplan.Record{{ClientID: 9001, ContactID: 600, Owned: true, Fields: brian}}}, nil).Once()
			}
			c.in.HubSpotContactID = "51"
			s.env.ExecuteWorkflow(SyncContact, c.in)
			s.Require().NoError(s.env.GetWorkflowError())
			var res SyncContactResult
			s.Require().NoError(s.env.GetWorkflowResult(&res))
			s.Equal(c.outcome, res.Outcome)
			if c.outcome == syncplan.Moved {
				s.Equal([]Change{{Action: "removed", ClientID: 9001, ContactID: 600}, {Action: "created"}}, res.Changes)
				s.Equal("dry run: would be moved on client to be created for deal Fresh Deal (2002); nothing written", res.Reason)
			} else {
				s.Empty(res.Changes)
			}
			s.env.AssertExpectations(s.T())
		})
	}
}

func (s *syncContactSuite) TestInvalidContactWritesNothing() {
	c := checkedContact("2002")
	c.Invalid = "invalid contact: no email address"
	s.resolveTo(c)
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.InvalidContact, res.Outcome)
	s.Contains(res.Reason, "no email")
}

func (s *syncContactSuite) TestFirstSyncCreates() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, activities.FindRecordsInput{HubSpotContactID: "51", Email: brian.Email, TargetClientID: 9002}).
		Return(activities.FoundRecords{}, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, activities.UpsertInput{HubSpotContactID: "51", ClientID: 9002, Fields: brian}).
		Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Created, res.Outcome)
	s.Equal([]Change{{Action: "created", ClientID: 9002, ContactID: 700}}, res.Changes)
}

func (s *syncContactSuite) TestUnchangedWritesNothing() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).
		Return(activities.FoundRecords{Records: []syncplan.Record{{ClientID: 9002, ContactID: 700, Owned: true, Fields: brian}}}, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, mock.Anything).Return(activities.UpsertResult{Action: syncplan.Unchanged, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Unchanged, res.Outcome)
	s.Empty(res.Changes)
}

func (s *syncContactSuite) TestMoveRemovesFromOldThenCreatesOnNewCarryingFields() {
	s.resolveTo(checkedContact("2002"))
	status := 1
	kept := activities.Kept{StatusID: &status, Champion: true}
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).Return(activities.FoundRecords{
		Records: []syncplan.Record{{ClientID: 9001, ContactID: 600, Owned: true, Fields: brian}},
		Kept:    map[int64]activities.Kept{600: kept},
	}, nil).Once()
	var order []string
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{HubSpotContactID: "51", ClientID: 9001, ContactID: 600}).
		Run(func(mock.Arguments) { order = append(order, "remove") }).Return(true, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, activities.UpsertInput{HubSpotContactID: "51", ClientID: 9002, Fields: brian, Kept: &kept}).
		Run(func(mock.Arguments) { order = append(order, "add") }).
		Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
	s.Equal([]string{"remove", "add"}, order)
	s.Equal([]Change{{Action: "removed", ClientID: 9001, ContactID: 600}, {Action: "created", ClientID: 9002, ContactID: 701}}, res.Changes)
}

func (s *syncContactSuite) TestConflictWritesNothing() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).Return(activities.FoundRecords{Records: []syncplan.Record{
		{ClientID: 9001, ContactID: 600, Owned: true, Fields: brian},
		{ClientID: 9002, ContactID: 650, Owned: false, Fields: brian},
	}}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Conflict, res.Outcome)
	s.Contains(res.Reason, "650")
}

func (s *syncContactSuite) TestFailedCreateAfterRemoveRestoresOldRecord() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).Return(activities.FoundRecords{
		Records: []syncplan.Record{{ClientID: 9001, ContactID: 600, Owned: true, Fields: brian}},
		Kept:    map[int64]activities.Kept{600: {Champion: true}},
	}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, mock.Anything).Return(true, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, mock.MatchedBy(func(in activities.UpsertInput) bool { return in.ClientID == 9002 })).
		Return(activities.UpsertResult{}, temporal.NewNonRetryableApplicationError("client gone", "ClientSuccess.not_found", nil)).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, activities.UpsertInput{HubSpotContactID: "51", ClientID: 9001, Fields: brian, Kept: &activities.Kept{Champion: true}}).
		Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 602}, nil).Once()
	_, err := s.run()
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(err, &appErr), "want an application error, got %v", err)
	s.Equal("MoveRolledBack", appErr.Type())
	s.Contains(err.Error(), "client gone")
}

func (s *syncContactSuite) TestRetryableFailureIsRetriedNotRolledBack() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).Return(activities.FoundRecords{
		Records: []syncplan.Record{{ClientID: 9001, ContactID: 600, Owned: true, Fields: brian}},
	}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, mock.Anything).Return(true, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, mock.Anything).
		Return(activities.UpsertResult{}, temporal.NewApplicationError("503", "ClientSuccess.server")).Twice()
	s.env.OnActivity(a.UpsertContact, mock.Anything, mock.Anything).
		Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
}

func TestSyncContactRejectsBadInput(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "<script>"})
	err := env.GetWorkflowError()
	require.Error(t, err)
	require.Contains(t, err.Error(), "not a HubSpot record id")
}

func (s *syncContactSuite) TestMoveSetsSearchAttributes() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).Return(activities.FoundRecords{
		Records:     []syncplan.Record{{ClientID: 9001, ContactID: 600, Owned: true, Fields: brian}},
		ClientNames: map[int64]string{9001: "Fake First Test"},
	}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, mock.Anything).Return(true, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, mock.Anything).Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	var set []temporal.SearchAttributes
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		set = append(set, args.Get(0).(temporal.SearchAttributes))
	}).Return(nil)
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
	s.Require().NotEmpty(set)
	last := set[len(set)-1]
	for key, want := range map[temporal.SearchAttributeKeyKeyword]string{
		HubSpotContactIDKey: "51", ClientSuccessClientIDKey: "9002", SyncOutcomeKey: "moved",
	} {
		got, ok := last.GetKeyword(key)
		s.True(ok, key.GetName())
		s.Equal(want, got, key.GetName())
	}
}

func (s *syncContactSuite) TestFailureSetsOutcomeFailed() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.FindRecords, mock.Anything, mock.Anything).
		Return(activities.FoundRecords{}, temporal.NewNonRetryableApplicationError("auth", "ClientSuccess.auth", nil)).Once()
	var outcome string
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if o, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(SyncOutcomeKey); ok {
			outcome = o
		}
	}).Return(nil)
	_, err := s.run()
	s.Require().Error(err)
	s.Equal("failed", outcome)
}

func TestClientLabel(t *testing.T) {
	require.Equal(t, "Fake First Test (9001)", clientLabel("Fake First Test", 9001))
	require.Equal(t, "9001", clientLabel("", 9001))
	require.Equal(t, "to be created for deal 7", clientLabel("to be created for deal 7", 0))
}
