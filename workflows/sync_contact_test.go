package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/syncplan"
)

var brian = syncplan.ContactFields{Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan"}

var owner51 = syncplan.Owner{ID: "51"}

func checkedContact(dealID string) activities.Contact {
	return activities.Contact{ID: "51", Found: true, Checked: true, DealIDValue: dealID, Fields: brian}
}

// mine is a record contact 51 owns.
func mine(clientID, contactID int64) syncplan.Record {
	return syncplan.Record{ClientID: clientID, ContactID: contactID, ExternalID: "51", Fields: brian}
}

var (
	secondClient = activities.Target{DealID: "2002", Client: activities.ClientRef{Found: true, ID: 9002, Name: "Fake 2nd Test"}}
	oldRecord    = &activities.Location{ClientID: 9001, ContactID: 600}
	retryable    = temporal.NewApplicationError("ClientSuccess said 503", "ClientSuccess.server")
)

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
	return s.runInput(SyncContactInput{HubSpotContactID: "51"})
}

func (s *syncContactSuite) runInput(in SyncContactInput) (SyncContactResult, error) {
	s.env.ExecuteWorkflow(SyncContact, in)
	s.Require().True(s.env.IsWorkflowCompleted())
	var res SyncContactResult
	err := s.env.GetWorkflowError()
	if err == nil {
		s.Require().NoError(s.env.GetWorkflowResult(&res))
	}
	return res, err
}

// resolveTo mocks the steps up to a found client 9002 for deal 2002.
func (s *syncContactSuite) resolveTo(contact activities.Contact) {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(contact, nil).Once()
	s.env.OnActivity(a.ResolveClient, mock.Anything, activities.ResolveInput{HubSpotContactID: "51", DealIDValue: contact.DealIDValue}).
		Return(secondClient, nil).Once()
}

// found mocks the records located for contact 51 on client 9002.
func (s *syncContactSuite) found(records ...syncplan.Record) {
	s.env.OnActivity(a.LocateRecords, mock.Anything, activities.LocateInput{Owner: owner51, Email: brian.Email, TargetClientID: 9002}).
		Return(activities.Located{Records: records, ClientNames: map[int64]string{9001: "Fake First Test"}}, nil).Once()
}

// createOn9002 is the create a move of contact 51 from its old record asks for.
var createOn9002 = activities.CreateInput{Owner: owner51, ClientID: 9002, Fields: brian, Source: oldRecord}

func (s *syncContactSuite) TestOutcomesThatWriteNothing() {
	cases := []struct {
		name    string
		contact activities.Contact
		outcome syncplan.Outcome
	}{
		{"checkbox unchecked", activities.Contact{ID: "51", Found: true, DealIDValue: "2002", Fields: brian}, syncplan.NotChecked},
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
		})
	}
}

// A contact without a client ends with the resolver's own outcome and reason, having written nothing.
func (s *syncContactSuite) TestNoClientEndsWithTheResolversOutcome() {
	for _, o := range []syncplan.Outcome{syncplan.NoDeal, syncplan.InvalidDealID, syncplan.DealNotFound, syncplan.WaitingClient, syncplan.NoCompany} {
		s.Run(string(o), func() {
			s.SetupTest()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact("2002"), nil).Once()
			s.env.OnActivity(a.ResolveClient, mock.Anything, mock.Anything).
				Return(activities.Target{Outcome: o, Reason: "because " + string(o)}, nil).Once()
			res, err := s.run()
			s.Require().NoError(err)
			s.Equal(o, res.Outcome)
			s.Equal("because "+string(o), res.Reason)
			s.Empty(res.Changes)
		})
	}
}

func (s *syncContactSuite) TestDeletedContactWithoutRecordsIsNotFound() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(activities.Contact{ID: "51"}, nil).Once()
	s.env.OnActivity(a.LocateRecords, mock.Anything, activities.LocateInput{Owner: owner51}).Return(activities.Located{}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.ContactNotFound, res.Outcome)
}

func (s *syncContactSuite) TestDeletedContactsRecordsAreKeptOrRemovedAsConfigured() {
	deleted := activities.Contact{ID: "51", Deleted: true, Fields: brian}
	s.Run("keep", func() {
		s.SetupTest()
		s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(deleted, nil).Once()
		s.env.OnActivity(a.LocateRecords, mock.Anything, activities.LocateInput{Owner: owner51, Email: brian.Email}).
			Return(activities.Located{Records: []syncplan.Record{mine(9001, 600)}}, nil).Once()
		res, err := s.run()
		s.Require().NoError(err)
		s.Equal(syncplan.Orphaned, res.Outcome)
		s.Contains(res.Reason, "kept (DELETED_CONTACTS=keep)")
		s.Equal([]activities.Location{*oldRecord}, res.Records)
		s.Empty(res.Changes)
	})
	s.Run("remove", func() {
		s.SetupTest()
		deleted.RemoveWhenDeleted = true
		s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(deleted, nil).Once()
		s.env.OnActivity(a.LocateRecords, mock.Anything, mock.Anything).
			Return(activities.Located{Records: []syncplan.Record{mine(9001, 600), {ClientID: 9001, ContactID: 601, ExternalID: "99"}}}, nil).Once()
		s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600}).Return(activities.Removed{Deleted: true}, nil).Once()
		res, err := s.run()
		s.Require().NoError(err)
		s.Equal(syncplan.Removed, res.Outcome)
		s.Equal([]Change{{Action: "removed", ClientID: 9001, ContactID: 600}}, res.Changes)
		s.Empty(res.Records)
	})
}

// A merged-away id ends as merged and starts the survivor's sync, which owns its records.
func (s *syncContactSuite) TestMergedIDStartsTheSurvivorsSync() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(activities.Contact{ID: "51", Found: true, MergedInto: "77"}, nil).Once()
	s.env.OnActivity(a.ReadContact, mock.Anything, "77").Return(activities.Contact{ID: "77", Found: true}, nil).Once()
	var survivor string
	s.env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
		survivor = info.WorkflowExecution.ID
	})
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Merged, res.Outcome)
	s.Equal("77", res.MergedInto)
	s.Equal(ContactWorkflowID("77"), survivor)
}

// A dry run whose client sync would create the deal's client plans the move the real run makes:
// onto the new client, off the old one.
func (s *syncContactSuite) TestDryRunPlansOntoAClientItWouldCreate() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(checkedContact("2002"), nil).Once()
	pending := activities.Target{DealID: "2002", Client: activities.PendingClient("deal", "Fresh Deal", "2002")}
	s.env.OnActivity(a.ResolveClient, mock.Anything, activities.ResolveInput{HubSpotContactID: "51", DealIDValue: "2002", PendingClients: []string{"2002"}}).
		Return(pending, nil).Once()
	s.env.OnActivity(a.LocateRecords, mock.Anything, activities.LocateInput{Owner: owner51, Email: brian.Email}).
		Return(activities.Located{Records: []syncplan.Record{mine(9001, 600)}}, nil).Once()
	res, err := s.runInput(SyncContactInput{HubSpotContactID: "51", DryRun: true, PendingClients: []string{"2002"}})
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
	s.Equal([]Change{{Action: "created"}, {Action: "removed", ClientID: 9001, ContactID: 600}}, res.Changes)
	s.Equal("dry run: would be moved on client to be created for deal Fresh Deal (2002); nothing written", res.Reason)
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
	s.found()
	s.env.OnActivity(a.CreateContact, mock.Anything, activities.CreateInput{Owner: owner51, ClientID: 9002, Fields: brian}).
		Return(activities.WriteResult{Action: syncplan.Created, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Created, res.Outcome)
	s.Equal([]Change{{Action: "created", ClientID: 9002, ContactID: 700}}, res.Changes)
	s.Equal([]activities.Location{{ClientID: 9002, ContactID: 700}}, res.Records)
}

func (s *syncContactSuite) TestUnchangedWritesNothing() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9002, 700))
	s.env.OnActivity(a.UpdateContact, mock.Anything, activities.UpdateInput{Owner: owner51, ClientID: 9002, ContactID: 700, Fields: brian}).
		Return(activities.WriteResult{Action: syncplan.Unchanged, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Unchanged, res.Outcome)
	s.Empty(res.Changes)
}

// A move creates on the new client first, carrying the old record, and removes the old one only
// once the new one holds.
func (s *syncContactSuite) TestMoveCreatesOnNewThenRemovesOld() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	var order []string
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).
		Run(func(mock.Arguments) { order = append(order, "create") }).
		Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600, Return: true}).
		Run(func(mock.Arguments) { order = append(order, "remove") }).Return(activities.Removed{Deleted: true}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
	s.Equal([]string{"create", "remove"}, order)
	s.Equal([]Change{{Action: "created", ClientID: 9002, ContactID: 701}, {Action: "removed", ClientID: 9001, ContactID: 600}}, res.Changes)
	s.Equal([]activities.Location{{ClientID: 9002, ContactID: 701}}, res.Records)
}

// A blank duplicate on the contact's client (made while its original could not be found) is kept,
// and takes what the original holds before the original goes: nothing a CSM typed is lost.
func (s *syncContactSuite) TestAnExtraCopyFillsTheKeptRecordBeforeItIsRemoved() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600), mine(9002, 700))
	var order []string
	s.env.OnActivity(a.UpdateContact, mock.Anything, activities.UpdateInput{Owner: owner51, ClientID: 9002, ContactID: 700, Fields: brian,
		FillFrom: []activities.Location{{ClientID: 9001, ContactID: 600}}}).
		Run(func(mock.Arguments) { order = append(order, "fill and update") }).
		Return(activities.WriteResult{Action: syncplan.Updated, ContactID: 700}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600}).
		Run(func(mock.Arguments) { order = append(order, "remove") }).Return(activities.Removed{Deleted: true}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Updated, res.Outcome)
	s.Equal([]string{"fill and update", "remove"}, order)
	s.Equal([]activities.Location{{ClientID: 9002, ContactID: 700}}, res.Records)
}

func (s *syncContactSuite) TestConflictWritesNothing() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600), syncplan.Record{ClientID: 9002, ContactID: 650, Fields: brian})
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Conflict, res.Outcome)
	s.Contains(res.Reason, "650")
	s.Equal([]activities.Location{*oldRecord}, res.Records, "the contact stays where it is")
}

// A create that fails for good, having left nothing on the new client, leaves the old record alone.
func (s *syncContactSuite) TestFailedCreateLeavesTheOldRecordAlone() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).
		Return(activities.WriteResult{}, temporal.NewNonRetryableApplicationError("unknown custom field 7", "ClientSuccess.validation", nil)).Once()
	s.env.OnActivity(a.InspectMove, mock.Anything, activities.InspectInput{Owner: owner51, TargetClientID: 9002, Source: oldRecord}).
		Return(activities.MoveState{SourceExists: true}, nil).Once()
	res, err := s.run()
	s.Require().Error(err)
	s.Contains(err.Error(), "unknown custom field 7")
	s.Empty(res.Changes)
}

// A create whose answer was lost (read as a non-retryable decode error) did land: the sync sees
// it on the new client and finishes the move instead of leaving the contact on two clients.
func (s *syncContactSuite) TestCreateWhoseAnswerWasLostFinishesTheMove() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).
		Return(activities.WriteResult{}, temporal.NewNonRetryableApplicationError("unexpected end of JSON input", "ClientSuccess.decode", nil)).Once()
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).
		Return(activities.MoveState{OnTarget: &activities.Location{ClientID: 9002, ContactID: 701}, SourceExists: true}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600, Return: true}).Return(activities.Removed{Deleted: true}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
	s.Equal([]activities.Location{{ClientID: 9002, ContactID: 701}}, res.Records)
}

// A removal that fails for good after the create undoes the create: the contact stays on its old
// client, whole.
func (s *syncContactSuite) TestFailedRemovalUndoesTheCreate() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600, Return: true}).
		Return(activities.Removed{}, temporal.NewNonRetryableApplicationError("forbidden", "ClientSuccess.auth", nil)).Once()
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).
		Return(activities.MoveState{OnTarget: &activities.Location{ClientID: 9002, ContactID: 701}, SourceExists: true}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9002, ContactID: 701}).Return(activities.Removed{Deleted: true}, nil).Once()
	records := s.records()
	_, err := s.run()
	s.Require().Error(err)
	s.Contains(err.Error(), "move undone, the contact stays on client 9001")
	s.Equal([]string{"9001/600"}, *records, "the next sync looks where the contact is")
}

// records captures the ClientSuccessRecords search attribute the run sets last.
func (s *syncContactSuite) records() *[]string {
	var got []string
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeywordList(ClientSuccessRecordsKey); ok {
			got = v
		}
	}).Return(nil)
	return &got
}

func (s *syncContactSuite) TestFailedUndoSaysTheContactIsOnTwoClients() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, mock.Anything).
		Return(activities.Removed{}, temporal.NewNonRetryableApplicationError("forbidden", "ClientSuccess.auth", nil)).Twice()
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).
		Return(activities.MoveState{OnTarget: &activities.Location{ClientID: 9002, ContactID: 701}, SourceExists: true}, nil).Once()
	_, err := s.run()
	s.Require().Error(err)
	s.Contains(err.Error(), "on two clients until the next sync")
}

// Cancelling a move stuck on its create leaves the contact where it was, after looking.
func (s *syncContactSuite) TestCancelDuringAStuckCreateKeepsTheOldRecord() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).Return(activities.WriteResult{}, retryable)
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).Return(activities.MoveState{SourceExists: true}, nil).Once()
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, 30*time.Second)
	_, err := s.run()
	s.Require().Error(err)
	s.True(temporal.IsCanceledError(err), "%v", err)
	s.env.AssertNotCalled(s.T(), "RemoveContact", mock.Anything, mock.Anything)
}

// Cancelling a move stuck on removing the old record undoes the create on a context the cancel
// does not reach: the contact ends on its old client only.
func (s *syncContactSuite) TestCancelDuringAStuckRemovalUndoesTheCreate() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600, Return: true}).Return(activities.Removed{}, retryable)
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).
		Return(activities.MoveState{OnTarget: &activities.Location{ClientID: 9002, ContactID: 701}, SourceExists: true}, nil).Once()
	undone := false
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9002, ContactID: 701}).
		Run(func(mock.Arguments) { undone = true }).Return(activities.Removed{Deleted: true}, nil).Once()
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, 30*time.Second)
	_, err := s.run()
	s.Require().Error(err)
	s.True(undone, "the new record is removed again")
}

func (s *syncContactSuite) TestRetryableFailureIsRetried() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, mock.Anything).Return(activities.WriteResult{}, retryable).Twice()
	s.env.OnActivity(a.CreateContact, mock.Anything, mock.Anything).Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, mock.Anything).Return(activities.Removed{Deleted: true}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Moved, res.Outcome)
}

// A step whose failures stay retryable gives up after RetryFor: the sync ends failed, nothing removed.
func (s *syncContactSuite) TestRetriesAreBoundedByRetryFor() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, mock.Anything).Return(activities.WriteResult{}, retryable)
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).Return(activities.MoveState{SourceExists: true}, nil).Once()
	start := s.env.Now()
	_, err := s.runInput(SyncContactInput{HubSpotContactID: "51", RetryFor: 10 * time.Minute})
	s.Require().Error(err)
	elapsed := s.env.Now().Sub(start)
	s.LessOrEqual(elapsed, 11*time.Minute, "gave up within the bound")
	s.GreaterOrEqual(elapsed, 5*time.Minute, "kept retrying for a while")
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
	s.found(mine(9001, 600))
	s.env.OnActivity(a.CreateContact, mock.Anything, mock.Anything).Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, mock.Anything).Return(activities.Removed{Deleted: true}, nil).Once()
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
	records, ok := last.GetKeywordList(ClientSuccessRecordsKey)
	s.True(ok)
	s.Equal([]string{"9002/701"}, records, "where the next sync will look")
}

func (s *syncContactSuite) TestFailureSetsOutcomeFailed() {
	s.resolveTo(checkedContact("2002"))
	s.env.OnActivity(a.LocateRecords, mock.Anything, mock.Anything).
		Return(activities.Located{}, temporal.NewNonRetryableApplicationError("auth", "ClientSuccess.auth", nil)).Once()
	var outcome string
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if o, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(SyncOutcomeKey); ok {
			outcome = o
		}
	}).Return(nil)
	_, err := s.run()
	s.Require().Error(err)
	var appErr *temporal.ApplicationError
	s.True(errors.As(err, &appErr))
	s.Equal("failed", outcome)
}

func TestClientLabel(t *testing.T) {
	require.Equal(t, "Fake First Test (9001)", clientLabel("Fake First Test", 9001))
	require.Equal(t, "9001", clientLabel("", 9001))
	require.Equal(t, "to be created for deal 7", clientLabel("to be created for deal 7", 0))
}

// A new record that vanished while the move removed the old one (a CSM deleted the new client)
// makes the sync put the old record back, whole, on its old client.
func (s *syncContactSuite) TestMoveWhoseNewRecordVanishedPutsTheOldOneBack() {
	s.resolveTo(checkedContact("2002"))
	s.found(mine(9001, 600))
	old := clientsuccess.Contact{ID: 600, ClientID: 9001, ExternalID: "51", Email: brian.Email, Champion: true}
	s.env.OnActivity(a.CreateContact, mock.Anything, createOn9002).Return(activities.WriteResult{Action: syncplan.Created, ContactID: 701}, nil).Once()
	s.env.OnActivity(a.RemoveContact, mock.Anything, activities.RemoveInput{Owner: owner51, ClientID: 9001, ContactID: 600, Return: true}).
		Return(activities.Removed{Deleted: true, Record: &old}, nil).Once()
	s.env.OnActivity(a.InspectMove, mock.Anything, mock.Anything).Return(activities.MoveState{}, nil).Once()
	s.env.OnActivity(a.CreateContact, mock.Anything, activities.CreateInput{Owner: owner51, ClientID: 9001, Fields: brian, Body: &old}).
		Return(activities.WriteResult{Action: syncplan.Created, ContactID: 602}, nil).Once()
	records := s.records()
	_, err := s.run()
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(err, &appErr)
	s.Equal(MoveUndone, appErr.Type())
	s.Equal([]string{"9001/602"}, *records)
}

// A change HubSpot reports after the sync read the contact makes it run once more; changes from
// before the read, and any number of later ones, do not make more than one more run.
func (s *syncContactSuite) TestAChangeAfterTheReadMeansOneMoreSync() {
	for name, tc := range map[string]struct {
		occurred time.Duration // when the change happened, relative to the read
		again    bool
	}{
		"an old change, delivered late": {-time.Minute, false},
		"changes after the read":        {time.Minute, true},
	} {
		s.Run(name, func() {
			s.SetupTest()
			readAt := s.env.Now()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").After(time.Second).Return(activities.Contact{ID: "51", Found: true}, nil).Once()
			s.env.RegisterDelayedCallback(func() {
				for range 3 {
					s.env.SignalWorkflow(ChangedSignal, HubSpotChange{OccurredAt: readAt.Add(tc.occurred), Event: "contact.propertyChange", MergedIDs: []string{"17"}})
				}
			}, time.Millisecond)
			s.env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "51"})
			err := s.env.GetWorkflowError()
			var can *workflow.ContinueAsNewError
			s.Equal(tc.again, errors.As(err, &can), "%v", err)
			if tc.again {
				var next SyncContactInput
				s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
				s.Equal(SyncContactInput{HubSpotContactID: "51", AlsoOwns: []string{"17"}}, next, "a merge's ids travel to the next run")
			} else {
				s.NoError(err)
			}
		})
	}
}

// The change that started the sync (delivered with the start, as a webhook's signal-with-start
// does) is covered by the sync's own read: no second run.
func TestTheChangeThatStartedTheSyncIsCoveredByItsRead(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.OnActivity(a.ReadContact, mock.Anything, "51").Return(activities.Contact{ID: "51", Found: true}, nil).Once()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(ChangedSignal, HubSpotChange{OccurredAt: env.Now(), Event: "contact.propertyChange"})
	}, 0)
	env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "51"})
	require.NoError(t, env.GetWorkflowError(), "no continue-as-new")
	env.AssertExpectations(t)
}
