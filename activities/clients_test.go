package activities

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/syncplan"
)

func TestListClientRecordsIsOffWithoutTheSourceCheckbox(t *testing.T) {
	f := newFixture(t)
	f.acts.ClientSource = ClientSourceCompanies
	f.acts.Properties.DealSyncCheckbox = "sync_deal" // the other source's checkbox does not count
	v, err := f.env.ExecuteActivity(f.acts.ListClientRecords, ClientRecordsInput{Limit: 10})
	require.NoError(t, err)
	var page ClientRecordsPage
	require.NoError(t, v.Get(&page))
	require.False(t, page.Enabled)
	require.Contains(t, page.Reason, "HUBSPOT_COMPANY_SYNC_PROPERTY")
	require.Zero(t, f.hs.Calls(), "nothing is asked when client sync is off")
}

func TestListClientRecordsPagesCheckedDeals(t *testing.T) {
	f := newFixture(t)
	f.acts.Properties.DealSyncCheckbox = "sync_deal"
	f.hs.Seed(hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{"deals": {{Name: "sync_deal", Label: "Sync", Type: "bool", FieldType: "booleancheckbox", GroupName: "g"}}},
		Deals: []hubspotfake.Record{
			{ID: "1001", Properties: map[string]string{"dealname": " Acme renewal ", "sync_deal": "true"}},
			{ID: "1002", Properties: map[string]string{"dealname": "Not checked"}},
			{ID: "1003", Properties: map[string]string{"sync_deal": "true"}},
			{ID: "1004", Properties: map[string]string{"dealname": "Globex", "sync_deal": "true"}},
		},
	})
	var got []ClientRecord
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		v, err := f.env.ExecuteActivity(f.acts.ListClientRecords, ClientRecordsInput{AfterID: after, Limit: 2})
		require.NoError(t, err)
		var page ClientRecordsPage
		require.NoError(t, v.Get(&page))
		require.True(t, page.Enabled)
		require.Equal(t, ClientSourceDeals, page.Source)
		got = append(got, page.Records...)
		if page.LastID == "" {
			break
		}
		after = page.LastID
	}
	require.Equal(t, []ClientRecord{{ID: "1001", Name: "Acme renewal"}, {ID: "1003", Name: "deal 1003"}, {ID: "1004", Name: "Globex"}}, got)
}

func upsertClient(t *testing.T, f *fixture, in UpsertClientInput) UpsertClientResult {
	t.Helper()
	return run[UpsertClientResult](t, f, f.acts.UpsertClient, in)
}

func TestUpsertClientCreatesOnceUpdatesTheNameOnlyAndPlansWithoutWriting(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Clients: []clientsuccess.Client{{ID: 5, Name: "Old name", ExternalID: "1005", StatusID: 3, Active: true, CrmCustomerID: "crm-5"}}})
	f.cs.ResetCounters()

	plan := upsertClient(t, f, UpsertClientInput{ExternalID: "1001", Name: "Acme", DryRun: true})
	require.Equal(t, syncplan.Created, plan.Action)
	require.Equal(t, UpsertClientResult{Action: syncplan.Updated, ClientID: 5, OldName: "Old name"},
		upsertClient(t, f, UpsertClientInput{ExternalID: "1005", Name: "New name", DryRun: true}))
	require.Zero(t, f.cs.Writes(), "a dry run writes nothing")

	created := upsertClient(t, f, UpsertClientInput{ExternalID: "1001", Name: "Acme"})
	require.Equal(t, syncplan.Created, created.Action)
	// A retry after a lost answer finds the client it made.
	again := upsertClient(t, f, UpsertClientInput{ExternalID: "1001", Name: "Acme"})
	require.Equal(t, UpsertClientResult{Action: syncplan.Unchanged, ClientID: created.ClientID}, again)
	c, ok := f.cs.Client(created.ClientID)
	require.True(t, ok)
	require.Equal(t, "1001", c.ExternalID)
	require.True(t, c.Active)
	require.Equal(t, 1, f.cs.Writes())

	require.Equal(t, syncplan.Updated, upsertClient(t, f, UpsertClientInput{ExternalID: "1005", Name: "New name"}).Action)
	c, _ = f.cs.Client(5)
	require.Equal(t, "New name", c.Name)
	require.Equal(t, 3, c.StatusID, "PUT replaces: what the sync does not own is sent back")
	require.Equal(t, "crm-5", c.CrmCustomerID)
	require.Equal(t, 2, f.cs.Writes())
	require.Equal(t, syncplan.Unchanged, upsertClient(t, f, UpsertClientInput{ExternalID: "1005", Name: "New name"}).Action)
	require.Equal(t, 2, f.cs.Writes())
}

func TestResolveCompanyFindsThePrimaryCompanysClient(t *testing.T) {
	f := newFixture(t)
	f.hs.Seed(hubspotfake.Fixture{
		Contacts:  []hubspotfake.Record{{ID: "51"}, {ID: "52"}, {ID: "53"}, {ID: "54"}},
		Companies: []hubspotfake.Record{{ID: "11"}, {ID: "22"}, {ID: "33"}},
		Associations: []hubspotfake.Assoc{
			{FromType: "contacts", FromID: "51", ToType: "companies", ToID: "11"},            // plain
			{FromType: "contacts", FromID: "51", ToType: "companies", ToID: "22", TypeID: 1}, // primary
			{FromType: "contacts", FromID: "52", ToType: "companies", ToID: "11"},
			{FromType: "contacts", FromID: "53", ToType: "companies", ToID: "33", TypeID: 1},
		},
	})
	f.acts.ClientSource = ClientSourceCompanies
	resolve := func(id string) Target {
		return run[Target](t, f, f.acts.ResolveClient, ResolveInput{HubSpotContactID: id})
	}
	// The fixture's clients have externalIds 11 and 22.
	require.Equal(t, Target{CompanyID: "22", Client: ClientRef{Found: true, ID: 2, Name: "New"}}, resolve("51"))
	r := resolve("52")
	require.Equal(t, syncplan.NoCompany, r.Outcome, "a company that is not primary is not followed")
	require.Contains(t, r.Reason, "none of the contact's 1 associated companies is its primary company")
	r = resolve("53")
	require.Equal(t, syncplan.WaitingClient, r.Outcome, "primary company without a client")
	require.Equal(t, "33", r.CompanyID)
	require.Equal(t, Target{Outcome: syncplan.NoCompany, Reason: "the contact is associated with no company; nothing written"}, resolve("54"))
}

func TestReadContactCarriesTheCompaniesResolver(t *testing.T) {
	f := newFixture(t)
	f.acts.ClientSource = ClientSourceCompanies
	f.hs.Seed(hubspotfake.Fixture{Contacts: []hubspotfake.Record{{ID: "51", Properties: map[string]string{"email": "a@x.com"}}}})
	v, err := f.env.ExecuteActivity(f.acts.ReadContact, "51")
	require.NoError(t, err)
	var c Contact
	require.NoError(t, v.Get(&c))
	require.Equal(t, ResolverCompanies, c.Resolver)
}

func TestClientStatusFromHubSpotIsMatchedCaseInsensitivelyAndOnlyWrittenWhenItDiffers(t *testing.T) {
	f := newFixture(t)
	f.acts.Properties.DealSyncCheckbox, f.acts.Properties.ClientStatus = "sync_deal", "cs_status"
	f.hs.Seed(hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{"deals": {
			{Name: "sync_deal", Label: "Sync", Type: "bool", FieldType: "booleancheckbox", GroupName: "g"},
			{Name: "cs_status", Label: "CS status", Type: "string", FieldType: "text", GroupName: "g"},
		}},
		Deals: []hubspotfake.Record{
			{ID: "11", Properties: map[string]string{"dealname": "Old", "sync_deal": "true", "cs_status": " trial "}},
			{ID: "12", Properties: map[string]string{"dealname": "Fresh", "sync_deal": "true", "cs_status": "a"}},
			{ID: "13", Properties: map[string]string{"dealname": "Odd", "sync_deal": "true", "cs_status": "Churned"}},
			{ID: "14", Properties: map[string]string{"dealname": "Blank", "sync_deal": "true"}},
		},
	})
	v, err := f.env.ExecuteActivity(f.acts.ListClientRecords, ClientRecordsInput{Limit: 10})
	require.NoError(t, err)
	var page ClientRecordsPage
	require.NoError(t, v.Get(&page))
	require.Len(t, page.Records, 4)
	require.Equal(t, 3, page.Records[0].StatusID, "Trial, by description, ignoring case and spaces")
	require.Equal(t, 1, page.Records[1].StatusID, "Active, by code")
	require.Zero(t, page.Records[2].StatusID)
	require.Contains(t, page.Records[2].StatusProblem, "Churned")
	require.Contains(t, page.Records[2].StatusProblem, "Terminated", "the problem names the allowed statuses")
	require.Zero(t, page.Records[3].StatusID, "no value: the status is left alone")
	require.Empty(t, page.Records[3].StatusProblem)

	f.cs.ResetCounters()
	// Client 1 (externalId 11) is named "Old" already: only its status differs.
	require.Equal(t, UpsertClientResult{Action: syncplan.Updated, ClientID: 1},
		upsertClient(t, f, UpsertClientInput{ExternalID: "11", Name: "Old", StatusID: 3}))
	c, _ := f.cs.Client(1)
	require.Equal(t, 3, c.StatusID)
	require.Equal(t, syncplan.Unchanged, upsertClient(t, f, UpsertClientInput{ExternalID: "11", Name: "Old", StatusID: 3}).Action)
	require.Equal(t, syncplan.Unchanged, upsertClient(t, f, UpsertClientInput{ExternalID: "11", Name: "Old"}).Action, "no mapped status: left alone")
	created := upsertClient(t, f, UpsertClientInput{ExternalID: "12", Name: "Fresh", StatusID: 1})
	c, _ = f.cs.Client(created.ClientID)
	require.Equal(t, 1, c.StatusID)
	require.Equal(t, 2, f.cs.Writes())
}
