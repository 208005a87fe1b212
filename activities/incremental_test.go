package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

func TestListChangedContactsListsCheckedContactsModifiedSince(t *testing.T) {
	f := newFixture(t)
	old := "2026-01-01T00:00:00.000Z"
	var fx hubspotfake.Fixture
	for _, c := range []struct{ id, sync, modified string }{
		{"101", "true", old}, {"102", "true", ""}, {"103", "false", ""}, {"104", "true", ""}, {"105", "true", ""}, {"106", "true", old},
	} {
		props := map[string]string{"sync": c.sync}
		if c.modified != "" {
			props["lastmodifieddate"] = c.modified
		}
		fx.Contacts = append(fx.Contacts, hubspotfake.Record{ID: c.id, Properties: props})
	}
	f.hs.Seed(fx)
	since := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

	list := func(after string) CheckedPage {
		v, err := f.env.ExecuteActivity(f.acts.ListChangedContacts, ChangedContactsInput{Since: since, AfterID: after, Limit: 2})
		require.NoError(t, err)
		var p CheckedPage
		require.NoError(t, v.Get(&p))
		return p
	}
	p := list("")
	require.Equal(t, CheckedPage{IDs: []string{"102", "104"}, LastID: "104"}, p)
	p = list(p.LastID)
	require.Equal(t, []string{"105"}, p.IDs, "the date filter holds on every page; 106 is too old")
	require.Empty(t, p.LastID, "a short page is the last")

	// The whole checked set is still listed by ListCheckedContacts.
	v, err := f.env.ExecuteActivity(f.acts.ListCheckedContacts, "", 10)
	require.NoError(t, err)
	require.NoError(t, v.Get(&p))
	require.Equal(t, []string{"101", "102", "104", "105", "106"}, p.IDs)
}

func TestFindClientCachesFoundClientsOnly(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC)
	f.acts.Clients = &ClientCache{TTL: time.Minute, Now: func() time.Time { return now }}
	find := func(deal string) ClientRef {
		ref, err := f.acts.findClient(context.Background(), deal)
		require.NoError(t, err)
		return ref
	}
	route := "GET /v1/clients"
	calls := func() int { return f.cs.CallsByRoute()[route] }

	require.Equal(t, ClientRef{Found: true, ID: 2, Name: "New"}, find("22"))
	base := calls()
	require.Positive(t, base, "the fake counts look-ups under %q: %v", route, f.cs.CallsByRoute())
	require.Equal(t, ClientRef{Found: true, ID: 2, Name: "New"}, find("22"))
	require.Equal(t, base, calls(), "the second look-up is answered from the cache")

	require.False(t, find("33").Found)
	require.False(t, find("33").Found)
	require.Equal(t, base+2, calls(), "a missing client is asked for every time")

	now = now.Add(time.Minute)
	find("22")
	require.Equal(t, base+3, calls(), "an entry expires after the TTL")

	// The client is deleted: the upsert fails for good and the cache forgets it.
	f.cs.DeleteClient(2)
	_, err := f.env.ExecuteActivity(f.acts.CreateContact, CreateInput{Owner: owner51, ClientID: 2, Fields: fields})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable(), "%v", err)
	require.False(t, find("22").Found, "the deleted client is looked up again")
}
