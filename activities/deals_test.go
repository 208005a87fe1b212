package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/syncplan"
)

func (f *fixture) resolve(t *testing.T, in ResolveInput) Target {
	t.Helper()
	return run[Target](t, f, f.acts.ResolveClient, in)
}

// TestResolveClientByAssociationsAgainstTheFakes: deals 11 and 22 have clients 1 and 2, deal 33 is newer but has
// no client, deal 44 is associated and then deleted.
func TestResolveClientByAssociationsAgainstTheFakes(t *testing.T) {
	f := newFixture(t)
	f.acts.Resolver = DealResolver{Mode: ResolverAssociations, Preference: syncplan.PreferNewest, WriteBack: true}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.hs.Seed(hubspotfake.Fixture{
		Contacts: []hubspotfake.Record{{ID: "51", Properties: map[string]string{"email": "bh@hubspot.com"}}, {ID: "52"}},
		Deals: []hubspotfake.Record{
			{ID: "11", CreatedAt: jan}, {ID: "22", CreatedAt: jan.AddDate(0, 1, 0)},
			{ID: "33", CreatedAt: jan.AddDate(0, 2, 0)}, {ID: "44", CreatedAt: jan.AddDate(0, 3, 0)},
		},
	})
	for _, d := range []string{"11", "22", "33", "44"} {
		f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "51", ToType: "deals", ToID: d})
	}
	f.hs.Delete("deals", "44")
	f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "52", ToType: "deals", ToID: "33"})

	r := f.resolve(t, ResolveInput{HubSpotContactID: "51"})
	require.True(t, r.Client.Found)
	require.Equal(t, "22", r.DealID, "newest deal with a client; 33 has none, 44 is gone")
	require.Equal(t, int64(2), r.Client.ID)
	require.Equal(t, "22", r.WriteDealID, "the property is empty, so it needs writing")

	r = f.resolve(t, ResolveInput{HubSpotContactID: "51", DealIDValue: "22"})
	require.Empty(t, r.WriteDealID, "the property already says 22")

	f.acts.Resolver.Preference = syncplan.PreferOldest
	require.Equal(t, "11", f.resolve(t, ResolveInput{HubSpotContactID: "51"}).DealID)

	// A prefetched list is used as given: no per-contact association call.
	f.hs.ResetCounters()
	r = f.resolve(t, ResolveInput{HubSpotContactID: "51", DealIDs: &[]string{"22"}})
	require.Equal(t, "22", r.DealID)
	require.Zero(t, f.hs.CallsByRoute()[hubspotfake.RouteListAssociations])

	r = f.resolve(t, ResolveInput{HubSpotContactID: "52"})
	require.False(t, r.Client.Found)
	require.Equal(t, syncplan.WaitingClient, r.Outcome, "deal 33 exists but has no client")
	require.Contains(t, r.Reason, "none of the contact's 1 associated deals has a client")

	// In a dry run whose client sync would create deal 33's client, 33 counts as having one:
	// for 51 too, since the rule prefers it (newest) over 22.
	f.acts.Resolver.Preference = syncplan.PreferNewest
	r = f.resolve(t, ResolveInput{HubSpotContactID: "52", PendingClients: []string{"33"}})
	require.Equal(t, ClientRef{Found: true, Name: "to be created for deal 33"}, r.Client)
	require.Equal(t, "33", f.resolve(t, ResolveInput{HubSpotContactID: "51", PendingClients: []string{"33"}}).DealID)

	r = f.resolve(t, ResolveInput{HubSpotContactID: "51", DealIDs: &[]string{}})
	require.Equal(t, syncplan.NoDeal, r.Outcome, "no deals")
	r = f.resolve(t, ResolveInput{HubSpotContactID: "51", DealIDs: &[]string{"44"}})
	require.Equal(t, syncplan.DealNotFound, r.Outcome, "only a deleted deal")

	_, err := f.env.ExecuteActivity(f.acts.WriteDealID, WriteDealIDInput{HubSpotContactID: "51", DealID: "22"})
	require.NoError(t, err)
	props, _ := f.hs.Get("contacts", "51")
	require.Equal(t, "22", props["deal"])
}
