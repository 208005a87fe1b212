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

func TestUpsertRetriedAfterLostAnswerDoesNotDuplicate(t *testing.T) {
	f := newFixture(t)
	in := UpsertInput{HubSpotContactID: "51", ClientID: 2, Fields: fields}
	v, err := f.env.ExecuteActivity(f.acts.UpsertContact, in)
	require.NoError(t, err)
	var first UpsertResult
	require.NoError(t, v.Get(&first))
	require.Equal(t, syncplan.Created, first.Action)

	// The same attempt again, as Temporal retries it when the first answer was lost.
	v, err = f.env.ExecuteActivity(f.acts.UpsertContact, in)
	require.NoError(t, err)
	var second UpsertResult
	require.NoError(t, v.Get(&second))
	require.Equal(t, syncplan.Unchanged, second.Action)
	require.Equal(t, first.ContactID, second.ContactID)
	require.Len(t, f.cs.ContactsOf(2), 1)

	in.Fields.Title = "CEO"
	v, err = f.env.ExecuteActivity(f.acts.UpsertContact, in)
	require.NoError(t, err)
	require.NoError(t, v.Get(&second))
	require.Equal(t, syncplan.Updated, second.Action)
	require.Equal(t, "CEO", f.cs.ContactsOf(2)[0].Title)
}

func TestUpsertRefusesToCreateBesideAnUnownedTwin(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{{ClientID: 2, Email: "BH@hubspot.com", FirstName: "Typed by hand"}}})
	_, err := f.env.ExecuteActivity(f.acts.UpsertContact, UpsertInput{HubSpotContactID: "51", ClientID: 2, Fields: fields})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, ErrTypeConflict, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Len(t, f.cs.ContactsOf(2), 1)
}

func TestRemoveOnlyTouchesOwnedRecords(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, Email: "bh@hubspot.com", ExternalID: "51"},
		{ID: 11, ClientID: 1, Email: "bh@hubspot.com"},
	}})
	_, err := f.env.ExecuteActivity(f.acts.RemoveContact, RemoveInput{HubSpotContactID: "51", ClientID: 1, ContactID: 11})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, ErrTypeNotOwned, appErr.Type())

	v, err := f.env.ExecuteActivity(f.acts.RemoveContact, RemoveInput{HubSpotContactID: "51", ClientID: 1, ContactID: 10})
	require.NoError(t, err)
	var deleted bool
	require.NoError(t, v.Get(&deleted))
	require.True(t, deleted)
	v, err = f.env.ExecuteActivity(f.acts.RemoveContact, RemoveInput{HubSpotContactID: "51", ClientID: 1, ContactID: 10})
	require.NoError(t, err, "a record already gone is not an error")
	require.NoError(t, v.Get(&deleted))
	require.False(t, deleted)
	require.Len(t, f.cs.ContactsOf(1), 1, "the unowned record is still there")
}

func TestFindRecordsSeesOwnedEverywhereAndTwinsOnTarget(t *testing.T) {
	f := newFixture(t)
	f.cs.Seed(csfake.Fixture{Clients: []clientsuccess.Client{{ID: 1, Name: "Old Co", Active: true}, {ID: 2, Name: "New Co", Active: true}}, Contacts: []clientsuccess.Contact{
		{ID: 10, ClientID: 1, Email: "bh@hubspot.com", ExternalID: "51", Champion: true},
		{ID: 12, ClientID: 1, Email: "bh@hubspot.com.au"}, // loose search hit, different address
		{ID: 13, ClientID: 1, Email: "other@x.com", ExternalID: "52"},
		{ID: 20, ClientID: 2, Email: "old@hubspot.com", ExternalID: "51"}, // ours, email since changed
		{ID: 21, ClientID: 2, Email: "bh@hubspot.com"},                    // unowned twin on target
	}})
	v, err := f.env.ExecuteActivity(f.acts.FindRecords, FindRecordsInput{HubSpotContactID: "51", Email: "bh@hubspot.com", TargetClientID: 2})
	require.NoError(t, err)
	var got FoundRecords
	require.NoError(t, v.Get(&got))
	ids := map[int64]bool{}
	for _, r := range got.Records {
		ids[r.ContactID] = r.Owned
	}
	require.Equal(t, map[int64]bool{10: true, 20: true, 21: false}, ids)
	require.True(t, got.Kept[10].Champion, "ClientSuccess-side fields are carried")
	require.Equal(t, map[int64]string{1: "Old Co"}, got.ClientNames, "other clients are named for the timeline")

	// Target 0 is a client a dry run would create: nothing is listed there, owned records
	// elsewhere are still found.
	v, err = f.env.ExecuteActivity(f.acts.FindRecords, FindRecordsInput{HubSpotContactID: "51", Email: "bh@hubspot.com"})
	require.NoError(t, err)
	got = FoundRecords{}
	require.NoError(t, v.Get(&got))
	require.Len(t, got.Records, 1)
	require.Equal(t, syncplan.Record{ClientID: 1, ContactID: 10, Owned: true, Fields: got.Records[0].Fields}, got.Records[0])
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
	f.cs.Faults().FailNth("GET /v1/clients", 1, 503)
	_, err := f.env.ExecuteActivity(f.acts.FindDealClient, "22")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.Equal(t, "ClientSuccess.server", appErr.Type())
	require.False(t, appErr.NonRetryable())

	_, err = f.env.ExecuteActivity(f.acts.FindDealClient, "404")
	require.NoError(t, err, "no client for a deal is a result")

	wrong := *f.acts
	wrong.ClientSuccess = clientsuccess.New(clientsuccess.Config{BaseURL: f.csURL, Username: "u", Password: "wrong-secret"})
	f.env.RegisterActivity(&wrong)
	_, err = f.env.ExecuteActivity(wrong.FindDealClient, "22")
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
