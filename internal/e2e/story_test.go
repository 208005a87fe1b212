package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/syncplan"
)

// TestBrianHalliganStory is the product help article's example: placed on his first deal's client,
// moved when his Associated Deal ID changes, and left alone once his box is unchecked.
func TestBrianHalliganStory(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.startWorker()

	first := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome, first.Reason)
	on := s.owned(example.ContactID)
	require.Len(t, on, 1)
	require.Equal(t, example.FirstClientID, on[0].ClientID)
	require.Equal(t, "Brian", on[0].FirstName)
	require.Equal(t, "bh@hubspot.com", on[0].Email)

	again := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, again.Outcome, "a second sync with nothing changed writes nothing")

	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	moved := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Moved, moved.Outcome, moved.Reason)
	on = s.owned(example.ContactID)
	require.Len(t, on, 1, "on exactly one client")
	require.Equal(t, example.SecondClientID, on[0].ClientID)
	manual := s.fakes.ClientSuccess.ContactsOf(example.FirstClientID)
	require.Len(t, manual, 1, "the contact entered by hand stays on the old client")
	require.Equal(t, example.ManualContactID, manual[0].ID)

	writes := s.fakes.ClientSuccess.Writes()
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"sync_w_clientsuccess_contact": "false"})
	unchecked := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.NotChecked, unchecked.Outcome)
	require.Equal(t, writes, s.fakes.ClientSuccess.Writes(), "unchecking writes nothing")
	require.Len(t, s.owned(example.ContactID), 1, "unchecking deletes nothing")
	require.Equal(t, 0, s.fakes.HubSpot.Writes(), "the sync never wrote to HubSpot")
}

// TestStepsThatWaitWriteNothing covers the recorded outcomes that stop before any write.
func TestStepsThatWaitWriteNothing(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.startWorker()
	for _, c := range []struct {
		dealID string
		want   syncplan.Outcome
	}{
		{"", syncplan.NoDeal},
		{"12abc", syncplan.InvalidDealID},
		{"404404", syncplan.DealNotFound},
	} {
		s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": c.dealID})
		res := s.syncContact(example.ContactID)
		require.Equal(t, c.want, res.Outcome, "deal id %q: %s", c.dealID, res.Reason)
	}
	s.fakes.HubSpot.Put("deals", "3003", map[string]string{"dealname": "Not yet a client"})
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": "3003"})
	res := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.WaitingClient, res.Outcome)
	require.Contains(t, res.Reason, "client not in ClientSuccess")
	require.Equal(t, 0, s.fakes.ClientSuccess.Writes())
	require.Empty(t, s.owned(example.ContactID))
}
