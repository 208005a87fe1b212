package example

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

func TestFixturesSeedTheStory(t *testing.T) {
	hs := hubspotfake.New(hubspotfake.Options{Token: "t"})
	hs.Seed(HubSpot())
	brian, ok := hs.Get("contacts", ContactID)
	require.True(t, ok)
	require.Equal(t, "Brian", brian["firstname"])
	require.Equal(t, FirstDealID, brian["associated_deal_id"])
	for _, id := range []string{FirstDealID, SecondDealID} {
		_, ok := hs.Get("deals", id)
		require.True(t, ok, "deal %s", id)
	}

	cs := csfake.New(csfake.Options{Username: "u", Password: "p"})
	cs.Seed(ClientSuccess())
	for id, deal := range map[int64]string{FirstClientID: FirstDealID, SecondClientID: SecondDealID} {
		c, ok := cs.Client(id)
		require.True(t, ok)
		require.Equal(t, deal, c.ExternalID)
	}
	require.Len(t, cs.ContactsOf(FirstClientID), 1)
	require.Equal(t, ManualContactID, cs.ContactsOf(FirstClientID)[0].ID)
	manual, ok := cs.ContactFields(ManualContactID)
	require.True(t, ok)
	require.Equal(t, "https://www.linkedin.com/in/pat-manual", manual["linkedinUrl"], "fields the client does not type are seeded too")
	require.Equal(t, true, manual["advocate"])
}
