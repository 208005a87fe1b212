package workflows

import (
	"github.com/stretchr/testify/mock"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// mappedContact is a contact read under an extended mapping: its HubSpot values travel to the
// upsert step.
func mappedContact() activities.Contact {
	c := checkedContact("2002")
	c.Mapped = map[string]string{"email": brian.Email, "seats": "12", "jobtitle": "CEO"}
	return c
}

func (s *syncContactSuite) onOwnedRecord() { s.found(mine(9002, 700)) }

func (s *syncContactSuite) TestExtendedMappingWritesPlannedHubSpotValues() {
	c := mappedContact()
	s.resolveTo(c)
	s.onOwnedRecord()
	planned := &activities.MappedResult{Changed: []string{"Seats"}, HubSpot: map[string]string{"jobtitle": "CTO"}}
	s.env.OnActivity(a.UpdateContact, mock.Anything, activities.UpdateInput{Owner: owner51, ClientID: 9002, ContactID: 700, Fields: brian, HubSpot: c.Mapped}).
		Return(activities.WriteResult{Action: syncplan.Updated, ContactID: 700, Mapped: planned}, nil).Once()
	s.env.OnActivity(a.WriteContactProperties, mock.Anything, activities.WritePropertiesInput{HubSpotContactID: "51", Properties: map[string]string{"jobtitle": "CTO"}}).
		Return(nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Updated, res.Outcome)
	s.Require().NotNil(res.Mapped)
	s.True(res.Mapped.HubSpotWritten)
	s.Equal([]string{"Seats"}, res.Mapped.Changed)
}

func (s *syncContactSuite) TestExtendedMappingInLineWritesNothing() {
	c := mappedContact()
	s.resolveTo(c)
	s.onOwnedRecord()
	s.env.OnActivity(a.UpdateContact, mock.Anything, mock.Anything).
		Return(activities.WriteResult{Action: syncplan.Unchanged, ContactID: 700, Mapped: &activities.MappedResult{Problems: []string{`"lots" is not a valid INTEGER value`}}}, nil).Once()
	// No WriteContactProperties mock: calling it would fail the test.
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Unchanged, res.Outcome)
	s.Empty(res.Changes)
	s.Equal([]string{`"lots" is not a valid INTEGER value`}, res.Mapped.Problems, "a value that does not convert is recorded")
	s.False(res.Mapped.HubSpotWritten)
}

func (s *syncContactSuite) TestStatusStepGetsTheRecordsStatus() {
	c := checkedContact("2002")
	c.StatusProperty = "cs_status"
	s.resolveTo(c)
	s.onOwnedRecord()
	status := 1
	s.env.OnActivity(a.UpdateContact, mock.Anything, mock.Anything).
		Return(activities.WriteResult{Action: syncplan.Unchanged, ContactID: 700, StatusID: &status}, nil).Once()
	s.env.OnActivity(a.PushContactStatus, mock.Anything, activities.PushStatusInput{HubSpotContactID: "51", ClientID: 9002, ContactID: 700, Property: "cs_status", StatusKnown: true, StatusID: &status}).
		Return(activities.PushStatusResult{Value: "active"}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal("active", res.Status.Value)
}

func (s *syncContactSuite) TestExtendedMappingDryRunPlansWithoutWriting() {
	c := mappedContact()
	s.resolveTo(c)
	s.onOwnedRecord()
	planned := &activities.MappedResult{Changed: []string{"Seats"}, HubSpot: map[string]string{"jobtitle": "CTO"}}
	s.env.OnActivity(a.UpdateContact, mock.Anything, activities.UpdateInput{Owner: owner51, ClientID: 9002, ContactID: 700, Fields: brian, HubSpot: c.Mapped, DryRun: true}).
		Return(activities.WriteResult{Action: syncplan.Updated, ContactID: 700, Mapped: planned}, nil).Once()
	s.env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "51", DryRun: true})
	s.Require().NoError(s.env.GetWorkflowError())
	var res SyncContactResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.True(res.DryRun)
	s.Equal(syncplan.Updated, res.Outcome)
	s.Equal([]Change{{Action: "updated", ClientID: 9002, ContactID: 700}}, res.Changes)
	s.Equal(map[string]string{"jobtitle": "CTO"}, res.Mapped.HubSpot, "the planned HubSpot write is reported")
	s.False(res.Mapped.HubSpotWritten)
}
