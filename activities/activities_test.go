package activities

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

type fixture struct {
	acts  *Activities
	hs    *hubspotfake.Server
	cs    *csfake.Server
	env   *testsuite.TestActivityEnvironment
	csURL string
}

func newFixture(t *testing.T) *fixture {
	hs := hubspotfake.New(hubspotfake.Options{Token: "tok"})
	cs := csfake.New(csfake.Options{Username: "u", Password: "p"})
	hsSrv, csSrv := httptest.NewServer(hs), httptest.NewServer(cs)
	t.Cleanup(hsSrv.Close)
	t.Cleanup(csSrv.Close)
	cs.Seed(csfake.Fixture{Clients: []clientsuccess.Client{{ID: 1, Name: "Old", ExternalID: "11"}, {ID: 2, Name: "New", ExternalID: "22"}}})
	acts := &Activities{
		HubSpot:       hubspot.New(hubspot.Config{BaseURL: hsSrv.URL, Token: "tok"}),
		ClientSuccess: clientsuccess.New(clientsuccess.Config{BaseURL: csSrv.URL + "/v1", Username: "u", Password: "p"}),
		Properties:    Properties{SyncCheckbox: "sync", DealID: "deal"},
	}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return &fixture{acts: acts, hs: hs, cs: cs, env: env, csURL: csSrv.URL + "/v1"}
}

// run executes an activity in the fixture's test environment and decodes its result.
func run[T any](t *testing.T, f *fixture, activity any, args ...any) T {
	t.Helper()
	v, err := f.env.ExecuteActivity(activity, args...)
	require.NoError(t, err)
	var out T
	require.NoError(t, v.Get(&out))
	return out
}

var fields = syncplan.ContactFields{Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan"}

var owner51 = syncplan.Owner{ID: "51"}

func TestCreateRetriedAfterLostAnswerDoesNotDuplicate(t *testing.T) {
	f := newFixture(t)
	in := CreateInput{Owner: owner51, ClientID: 2, Fields: fields}
	first := run[WriteResult](t, f, f.acts.CreateContact, in)
	require.Equal(t, syncplan.Created, first.Action)

	// The same attempt again, as Temporal retries it when the first answer was lost.
	second := run[WriteResult](t, f, f.acts.CreateContact, in)
	require.Equal(t, syncplan.Created, second.Action)
	require.Equal(t, first.ContactID, second.ContactID)
	require.Len(t, f.cs.ContactsOf(2), 1)

	up := UpdateInput{Owner: owner51, ClientID: 2, ContactID: first.ContactID, Fields: fields}
	require.Equal(t, syncplan.Unchanged, run[WriteResult](t, f, f.acts.UpdateContact, up).Action)
	up.Fields.Title = "CEO"
	require.Equal(t, syncplan.Updated, run[WriteResult](t, f, f.acts.UpdateContact, up).Action)
	require.Equal(t, "CEO", f.cs.ContactsOf(2)[0].Title)
}

func TestCreateRefusesToCreateBesideAnUnownedTwin(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{{ClientID: 2, Email: "BH@hubspot.com", FirstName: "Typed by hand"}}})
	_, err := f.env.ExecuteActivity(f.acts.CreateContact, CreateInput{Owner: owner51, ClientID: 2, Fields: fields})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, ErrTypeConflict, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Len(t, f.cs.ContactsOf(2), 1)
}

func TestCreateCarriesTheSourceRecordsClientSuccessFields(t *testing.T) {
	f := newFixture(t)
	status := 3
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{{ID: 10, ClientID: 1, Email: "old@hubspot.com", ExternalID: "17",
		Champion: true, KeyContact: true, StatusID: &status, Title: "set in ClientSuccess"}}})
	owner := syncplan.Owner{ID: "51", MergedIDs: []string{"17"}}
	res := run[WriteResult](t, f, f.acts.CreateContact, CreateInput{Owner: owner, ClientID: 2, Fields: fields, Source: &Location{ClientID: 1, ContactID: 10}})
	require.Equal(t, syncplan.Created, res.Action)
	got := f.cs.ContactsOf(2)
	require.Len(t, got, 1)
	require.Equal(t, "51", got[0].ExternalID, "owned by the survivor's id")
	require.True(t, got[0].Champion)
	require.True(t, got[0].KeyContact)
	require.Equal(t, &status, got[0].StatusID)
	require.Equal(t, fields, fieldsOf(got[0]), "the mapped fields come from HubSpot")
	require.Len(t, f.cs.ContactsOf(1), 1, "the source stays until the move removes it")
}

func TestUpdateAdoptsAMergedIDsRecordAndRefusesOthers(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 2, Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan", ExternalID: "17"},
		{ID: 11, ClientID: 2, Email: "x@y.z", ExternalID: "99"},
	}})
	owner := syncplan.Owner{ID: "51", MergedIDs: []string{"17"}}
	res := run[WriteResult](t, f, f.acts.UpdateContact, UpdateInput{Owner: owner, ClientID: 2, ContactID: 10, Fields: fields})
	require.Equal(t, syncplan.Updated, res.Action)
	require.Equal(t, "51", f.cs.ContactsOf(2)[0].ExternalID)

	_, err := f.env.ExecuteActivity(f.acts.UpdateContact, UpdateInput{Owner: owner, ClientID: 2, ContactID: 11, Fields: fields})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, ErrTypeNotOwned, appErr.Type())
	require.Equal(t, "x@y.z", f.cs.ContactsOf(2)[1].Email)
}

func TestRemoveOnlyTouchesOwnedRecords(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, Email: "bh@hubspot.com", ExternalID: "51"},
		{ID: 11, ClientID: 1, Email: "bh@hubspot.com"},
	}})
	_, err := f.env.ExecuteActivity(f.acts.RemoveContact, RemoveInput{Owner: owner51, ClientID: 1, ContactID: 11})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, ErrTypeNotOwned, appErr.Type())

	first := run[Removed](t, f, f.acts.RemoveContact, RemoveInput{Owner: owner51, ClientID: 1, ContactID: 10, Return: true})
	require.True(t, first.Deleted)
	require.NotNil(t, first.Record, "the record as it was, to put back")
	require.Equal(t, "bh@hubspot.com", first.Record.Email)
	require.False(t, run[Removed](t, f, f.acts.RemoveContact, RemoveInput{Owner: owner51, ClientID: 1, ContactID: 10}).Deleted, "a record already gone is not an error")
	require.Len(t, f.cs.ContactsOf(1), 1, "the unowned record is still there")
}

func TestInspectMoveSeesBothEnds(t *testing.T) {
	f := newFixture(t)
	src := &Location{ClientID: 1, ContactID: 10}
	in := InspectInput{Owner: owner51, TargetClientID: 2, Source: src}
	require.Equal(t, MoveState{}, run[MoveState](t, f, f.acts.InspectMove, in))
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, Email: "bh@hubspot.com", ExternalID: "51"},
		{ID: 20, ClientID: 2, Email: "bh@hubspot.com", ExternalID: "51"},
	}})
	require.Equal(t, MoveState{OnTarget: &Location{ClientID: 2, ContactID: 20}, SourceExists: true}, run[MoveState](t, f, f.acts.InspectMove, in))
}

func TestLocateRecordsSeesOwnedEverywhereAndTwinsOnTarget(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Clients: []clientsuccess.Client{{ID: 1, Name: "Old Co", Active: true}, {ID: 2, Name: "New Co", Active: true},
		{ID: 3, Name: "Known Co", Active: true}}, Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, Email: "bh@hubspot.com", ExternalID: "51"},
		{ID: 12, ClientID: 1, Email: "bh@hubspot.com.au"}, // loose search hit, different address
		{ID: 13, ClientID: 1, Email: "other@x.com", ExternalID: "52"},
		{ID: 20, ClientID: 2, Email: "old@hubspot.com", ExternalID: "51"},     // ours, email since changed
		{ID: 21, ClientID: 2, Email: "bh@hubspot.com"},                        // unowned twin on target
		{ID: 30, ClientID: 3, Email: "edited@by-a-csm.com", ExternalID: "17"}, // merged id's, email edited
	}})
	owner := syncplan.Owner{ID: "51", MergedIDs: []string{"17"}}
	in := LocateInput{Owner: owner, Email: "bh@hubspot.com", TargetClientID: 2, Known: []Location{{ClientID: 3, ContactID: 30}}}
	got := run[Located](t, f, f.acts.LocateRecords, in)
	ids := map[int64]string{}
	for _, r := range got.Records {
		ids[r.ContactID] = r.ExternalID
	}
	require.Equal(t, map[int64]string{10: "51", 20: "51", 21: "", 30: "17"}, ids)
	require.Equal(t, map[int64]string{1: "Old Co", 3: "Known Co"}, got.ClientNames, "other clients are named for the timeline")

	// Target 0 (a deleted contact, or a client a dry run would create): owned records elsewhere
	// are still found.
	got = run[Located](t, f, f.acts.LocateRecords, LocateInput{Owner: owner51, Email: "bh@hubspot.com"})
	require.Len(t, got.Records, 1)
	require.Equal(t, int64(10), got.Records[0].ContactID)
}

func TestReadContactReportsInvalidFieldsAndClipsHugeValues(t *testing.T) {
	f := newFixture(t)
	huge := make([]byte, 2<<20)
	for i := range huge {
		huge[i] = 'x'
	}
	f.hs.Put("contacts", "51", map[string]string{"email": "not-an-email", "firstname": string(huge), "sync": "true", "deal": string(huge)})
	v, err := f.env.ExecuteActivity(f.acts.ReadContact, "51")
	require.NoError(t, err)
	var c Contact
	require.NoError(t, v.Get(&c))
	require.True(t, c.Found)
	require.True(t, c.Checked)
	require.Contains(t, c.Invalid, "not a plain address")
	require.LessOrEqual(t, len(c.Fields.FirstName), syncplan.MaxFieldLength+4)
	require.LessOrEqual(t, len(c.DealIDValue), maxRawDealID+4)

	v, err = f.env.ExecuteActivity(f.acts.ReadContact, "99")
	require.NoError(t, err)
	require.NoError(t, v.Get(&c))
	require.False(t, c.Found, "a deleted contact is a result, not an error")
}

func TestAPIErrorsCarryTheRetryDecision(t *testing.T) {
	f := newFixture(t)
	f.hs.Put("deals", "22", map[string]string{"dealname": "New"})
	f.cs.Faults().FailNext("GET /v1/clients", 3, 503)
	_, err := f.env.ExecuteActivity(f.acts.ResolveClient, ResolveInput{HubSpotContactID: "51", DealIDValue: "22"})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, "ClientSuccess.server", appErr.Type())
	require.False(t, appErr.NonRetryable())

	f.hs.Put("deals", "404", map[string]string{"dealname": "no client"})
	t404 := run[Target](t, f, f.acts.ResolveClient, ResolveInput{HubSpotContactID: "51", DealIDValue: "404"})
	require.Equal(t, syncplan.WaitingClient, t404.Outcome, "no client for a deal is a result")

	wrong := *f.acts
	wrong.ClientSuccess = clientsuccess.New(clientsuccess.Config{BaseURL: f.csURL, Username: "u", Password: "wrong-secret"})
	f.env.RegisterActivity(&wrong)
	_, err = f.env.ExecuteActivity(wrong.ResolveClient, ResolveInput{HubSpotContactID: "51", DealIDValue: "22"})
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, "ClientSuccess.auth", appErr.Type())
	require.True(t, appErr.NonRetryable(), "wrong credentials stop at once")
	require.NotContains(t, err.Error(), "wrong-secret")
}

func TestReadContactFollowsTheFieldMapping(t *testing.T) {
	f := newFixture(t)
	f.hs.Put("contacts", "51", map[string]string{"email": "bh@hubspot.com", "firstname": "Brian", "nickname": " Bri ", "jobtitle": "CEO", "sync": "true"})
	read := func() syncplan.ContactFields {
		v, err := f.env.ExecuteActivity(f.acts.ReadContact, "51")
		require.NoError(t, err)
		var c Contact
		require.NoError(t, v.Get(&c))
		return c.Fields
	}
	require.Equal(t, syncplan.ContactFields{Email: "bh@hubspot.com", FirstName: "Brian", Title: "CEO"}, read(), "zero mapping is the built-in one")

	m := mapping.Default()
	m.Fields[1].HubSpot = "nickname"  // firstName
	m.Fields[3].HubSpot = "firstname" // title, to tell the sources apart
	require.NoError(t, m.Check())
	f.acts.Mapping = m
	require.Equal(t, syncplan.ContactFields{Email: "bh@hubspot.com", FirstName: "Bri", Title: "Brian"}, read(), "fields come from the mapped properties")
}

// An update sends back every field it read, those the sync does not know included, and a move
// carries them to the new record: ClientSuccess replaces the record on PUT.
func TestFieldsTheSyncDoesNotKnowSurviveUpdatesAndMoves(t *testing.T) {
	f := newFixture(t)
	status := 2
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{{ID: 10, ClientID: 1, ExternalID: "51", Email: "bh@hubspot.com", FirstName: "Brian",
		StatusID: &status, Champion: true, ExecutiveSponsor: true}}})
	require.NoError(t, f.cs.EditContactInUI(10, map[string]any{"linkedinUrl": "https://linkedin.com/in/bh", "note": "met at INBOUND",
		"advocate": true, "preferredName": "Bri", "city": "Cambridge", "someFieldAddedLater": "kept too"}))
	before, _ := f.cs.ContactFields(10)

	up := UpdateInput{Owner: owner51, ClientID: 1, ContactID: 10, Fields: fields}
	require.Equal(t, syncplan.Updated, run[WriteResult](t, f, f.acts.UpdateContact, up).Action)
	after, _ := f.cs.ContactFields(10)
	for _, key := range []string{"linkedinUrl", "note", "advocate", "preferredName", "city", "someFieldAddedLater", "statusId", "champion", "executiveSponsor"} {
		require.Equal(t, before[key], after[key], "update kept %s", key)
	}
	require.Equal(t, "Halligan", after["lastName"], "the mapped field changed")

	moved := run[WriteResult](t, f, f.acts.CreateContact, CreateInput{Owner: owner51, ClientID: 2, Fields: fields, Source: &Location{ClientID: 1, ContactID: 10}})
	carried, _ := f.cs.ContactFields(moved.ContactID)
	for _, key := range []string{"linkedinUrl", "note", "advocate", "preferredName", "city", "someFieldAddedLater", "statusId", "champion", "executiveSponsor",
		"email", "firstName", "lastName"} {
		require.Equal(t, after[key], carried[key], "move carried %s", key)
	}
	require.NotEqual(t, after["uuid"], carried["uuid"], "a new record")
}

// A contact found on two clients keeps the record on its own client; the other is removed after
// the update, so what a CSM typed only there must reach the kept record first.
func TestUpdateAndCreateTakeWhatTheRemovedCopiesHold(t *testing.T) {
	f := newFixture(t)
	status := 4
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, ExternalID: "51", Email: "csm-typed@example.org", StatusID: &status, Champion: true}, // the original
		{ID: 20, ClientID: 2, ExternalID: "51", Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan"}, // a blank duplicate
		{ID: 11, ClientID: 1, Email: "bh@hubspot.com"},                                                             // typed by hand: not the sync's to copy
	}})
	require.NoError(t, f.cs.EditContactInUI(10, map[string]any{"note": "renewal owner", "linkedinUrl": "https://linkedin.com/in/bh"}))
	require.NoError(t, f.cs.EditContactInUI(11, map[string]any{"city": "Cambridge"}))

	up := UpdateInput{Owner: owner51, ClientID: 2, ContactID: 20, Fields: fields,
		FillFrom: []Location{{ClientID: 1, ContactID: 10}, {ClientID: 1, ContactID: 11}, {ClientID: 1, ContactID: 99}}}
	dry := up
	dry.DryRun = true
	require.Equal(t, syncplan.Updated, run[WriteResult](t, f, f.acts.UpdateContact, dry).Action, "a dry run sees the fill")
	kept, _ := f.cs.ContactFields(20)
	require.Nil(t, kept["note"], "a dry run writes nothing")

	require.Equal(t, syncplan.Updated, run[WriteResult](t, f, f.acts.UpdateContact, up).Action)
	kept, _ = f.cs.ContactFields(20)
	require.Equal(t, "renewal owner", kept["note"])
	require.Equal(t, "https://linkedin.com/in/bh", kept["linkedinUrl"])
	require.Equal(t, float64(status), kept["statusId"])
	require.Equal(t, true, kept["champion"])
	require.Equal(t, "bh@hubspot.com", kept["email"], "the mapped fields come from HubSpot")
	require.Nil(t, kept["city"], "nothing from a record the contact does not own")
	require.Equal(t, syncplan.Unchanged, run[WriteResult](t, f, f.acts.UpdateContact, up).Action, "filled once, in line after")

}

func TestAMoveTakesWhatTheOtherOldCopiesHold(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, ExternalID: "51", Email: "bh@hubspot.com"},
		{ID: 11, ClientID: 1, ExternalID: "51", Email: "csm-typed@example.org", Champion: true},
	}})
	require.NoError(t, f.cs.EditContactInUI(10, map[string]any{"note": "the source's note"}))
	require.NoError(t, f.cs.EditContactInUI(11, map[string]any{"note": "the other's note", "linkedinUrl": "https://linkedin.com/in/bh"}))
	created := run[WriteResult](t, f, f.acts.CreateContact, CreateInput{Owner: owner51, ClientID: 2, Fields: fields,
		Source: &Location{ClientID: 1, ContactID: 10}, FillFrom: []Location{{ClientID: 1, ContactID: 11}}})
	require.Equal(t, syncplan.Created, created.Action)
	made, _ := f.cs.ContactFields(created.ContactID)
	require.Equal(t, "the source's note", made["note"], "the source's value wins")
	require.Equal(t, "https://linkedin.com/in/bh", made["linkedinUrl"], "the other copy fills the blanks")
	require.Equal(t, true, made["champion"])
	require.Equal(t, "bh@hubspot.com", made["email"])
}
