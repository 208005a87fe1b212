package workflows

import (
	"github.com/stretchr/testify/mock"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// companyContact is contact 51 read with CLIENT_SOURCE=companies.
func companyContact() activities.Contact {
	c := checkedContact("2002") // the deal id property is ignored in companies mode
	c.Resolver = activities.ResolverCompanies
	return c
}

func (s *syncContactSuite) TestCompaniesModeOutcomesThatWriteNothing() {
	cases := []struct {
		name    string
		r       activities.CompanyResolution
		outcome syncplan.Outcome
	}{
		{"no company", activities.CompanyResolution{}, syncplan.NoCompany},
		{"companies but no primary", activities.CompanyResolution{Associated: 2}, syncplan.NoCompany},
		{"primary company without client", activities.CompanyResolution{Associated: 1, CompanyID: "33"}, syncplan.WaitingClient},
	}
	for _, c := range cases {
		s.Run(c.name, func() {
			s.SetupTest()
			s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(companyContact(), nil).Once()
			s.env.OnActivity(a.ResolveCompany, mock.Anything, "51").Return(c.r, nil).Once()
			res, err := s.run()
			s.Require().NoError(err)
			s.Equal(c.outcome, res.Outcome)
			s.Equal(c.r.CompanyID, res.CompanyID)
			s.Empty(res.DealID, "no deal is read in companies mode")
			s.NotEmpty(res.Reason)
			s.Empty(res.Changes)
			s.env.AssertExpectations(s.T())
		})
	}
}

func (s *syncContactSuite) TestCompaniesModeCreatesOnThePrimaryCompanysClient() {
	s.env.OnActivity(a.ReadContact, mock.Anything, "51").Return(companyContact(), nil).Once()
	s.env.OnActivity(a.ResolveCompany, mock.Anything, "51").Return(activities.CompanyResolution{
		Associated: 1, CompanyID: "33", Client: activities.ClientRef{Found: true, ID: 9033, Name: "Acme"}}, nil).Once()
	s.env.OnActivity(a.FindRecords, mock.Anything, activities.FindRecordsInput{HubSpotContactID: "51", Email: brian.Email, TargetClientID: 9033}).
		Return(activities.FoundRecords{}, nil).Once()
	s.env.OnActivity(a.UpsertContact, mock.Anything, activities.UpsertInput{HubSpotContactID: "51", ClientID: 9033, Fields: brian}).
		Return(activities.UpsertResult{Action: syncplan.Created, ContactID: 700}, nil).Once()
	res, err := s.run()
	s.Require().NoError(err)
	s.Equal(syncplan.Created, res.Outcome)
	s.Equal("33", res.CompanyID)
	s.Equal([]Change{{Action: "created", ClientID: 9033, ContactID: 700}}, res.Changes)
}
