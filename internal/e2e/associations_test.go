package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestAssociationsResolver: Brian is associated with both example deals, each a ClientSuccess
// client. The rule (newest createdate) puts him on "Fake 2nd Test" and keeps him there; removing
// that association moves him to "Fake First Test" exactly once. No HubSpot workflow fills the
// deal id property: the worker writes it back.
func TestAssociationsResolver(t *testing.T) {
	s := newStack(t)
	s.fakes.HubSpot.Seed(datedExample())
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.cfg.HubSpot.DealResolver, s.cfg.HubSpot.DealPreference, s.cfg.HubSpot.WriteBackDealID = "associations", "newest", "true"
	s.startWorker()
	dealProperty := func() string {
		p, _ := s.fakes.HubSpot.Get("contacts", example.ContactID)
		return p["associated_deal_id"]
	}

	first := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome, first.Reason)
	require.Equal(t, example.SecondDealID, first.DealID)
	require.Equal(t, example.SecondClientID, first.ClientID)
	require.Equal(t, example.SecondDealID, dealProperty(), "the chosen deal id is written back")

	csWrites, hsWrites := s.fakes.ClientSuccess.Writes(), s.fakes.HubSpot.Writes()
	again := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, again.Outcome, "the next run does not flap")
	require.Equal(t, example.SecondDealID, again.DealID)
	require.Equal(t, csWrites, s.fakes.ClientSuccess.Writes())
	require.Equal(t, hsWrites, s.fakes.HubSpot.Writes(), "the property already holds the answer")

	s.fakes.HubSpot.Dissociate(hubspotfake.Assoc{FromType: "contacts", FromID: example.ContactID, ToType: "deals", ToID: example.SecondDealID})
	moved := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Moved, moved.Outcome, moved.Reason)
	on := s.owned(example.ContactID)
	require.Len(t, on, 1, "on exactly one client")
	require.Equal(t, example.FirstClientID, on[0].ClientID)
	require.Equal(t, example.FirstDealID, dealProperty())

	csWrites = s.fakes.ClientSuccess.Writes()
	settled := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, settled.Outcome, "moved exactly once")
	require.Equal(t, csWrites, s.fakes.ClientSuccess.Writes())

	// The batch reads the page's associations in one batch call, not one call per contact.
	s.fakes.HubSpot.ResetCounters()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	var res workflows.SyncContactsResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1}, res.Counts)
	calls := s.fakes.HubSpot.CallsByRoute()
	require.Equal(t, 1, calls[hubspotfake.RouteBatchReadAssociations])
	require.Zero(t, calls[hubspotfake.RouteListAssociations])
	require.Len(t, s.owned(example.ContactID), 1)
}

// datedExample is the example for the associations resolver: deal 1002 is the newer, and no HubSpot
// workflow filled Brian's deal id property.
func datedExample() hubspotfake.Fixture {
	hs := example.HubSpot()
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hs.Deals[0].CreatedAt, hs.Deals[1].CreatedAt = jan, jan.AddDate(0, 1, 0)
	hs.Contacts[0].Properties["associated_deal_id"] = ""
	return hs
}

// TestMaintainContactCheckbox: contacts of deals whose own checkbox is checked get theirs
// ticked, contacts no such deal covers get theirs unticked, a dry run only lists, and a second
// run writes nothing.
func TestMaintainContactCheckbox(t *testing.T) {
	s := newStack(t)
	checkbox := func(name string) hubspotfake.Property {
		return hubspotfake.Property{Name: name, Label: name, Type: "bool", FieldType: "booleancheckbox", GroupName: "g",
			Options: []hubspotfake.Option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false", DisplayOrder: 1}}}
	}
	contact := func(id, checked string) hubspotfake.Record {
		return hubspotfake.Record{ID: id, Properties: map[string]string{"email": id + "@example.com", "sync_w_clientsuccess_contact": checked}}
	}
	f := hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{
			"contacts": {checkbox("sync_w_clientsuccess_contact")},
			"deals":    {checkbox("sync_deal")},
		},
		Deals: []hubspotfake.Record{
			{ID: "1", Properties: map[string]string{"sync_deal": "true"}},
			{ID: "2", Properties: map[string]string{"sync_deal": "false"}},
			{ID: "3", Properties: map[string]string{"sync_deal": "true"}},
		},
		Contacts: []hubspotfake.Record{
			contact("10", "false"), // deal 1: tick
			contact("11", "true"),  // deal 1: already ticked
			contact("12", "true"),  // deal 2 only: untick
			contact("13", ""),      // deal 2 only, never set: leave
			contact("14", ""),      // deals 2 and 3: tick
			contact("15", "true"),  // no deal: untick
		},
	}
	for _, a := range [][2]string{{"10", "1"}, {"11", "1"}, {"12", "2"}, {"13", "2"}, {"14", "2"}, {"14", "3"}} {
		f.Associations = append(f.Associations, hubspotfake.Assoc{FromType: "contacts", FromID: a[0], ToType: "deals", ToID: a[1]})
	}
	s.fakes.HubSpot.Seed(f)
	s.cfg.HubSpot.DealSyncProperty = "sync_deal"
	s.startWorker()

	run := func(dryRun bool) workflows.MaintainContactCheckboxResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := starting.MaintainCheckbox(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.MaintainContactCheckboxInput{DryRun: dryRun})
		require.NoError(t, err)
		return res
	}
	value := func(id string) string {
		p, _ := s.fakes.HubSpot.Get("contacts", id)
		return p["sync_w_clientsuccess_contact"]
	}

	dry := run(true)
	require.True(t, dry.Enabled)
	require.Equal(t, []string{"10", "14"}, dry.Checked)
	require.Equal(t, []string{"12", "15"}, dry.Unchecked)
	require.Zero(t, dry.Written)
	require.Zero(t, s.fakes.HubSpot.Writes(), "a dry run writes nothing")

	done := run(false)
	require.Equal(t, 4, done.Written)
	for id, want := range map[string]string{"10": "true", "11": "true", "12": "false", "13": "", "14": "true", "15": "false"} {
		require.Equal(t, want, value(id), "contact %s", id)
	}
	writes := s.fakes.HubSpot.Writes()
	require.Equal(t, 1, s.fakes.HubSpot.CallsByRoute()[hubspotfake.RouteBatchUpdateObjects], "one batch update")

	second := run(false)
	require.Empty(t, second.Checked)
	require.Empty(t, second.Unchecked)
	require.Zero(t, second.Written)
	require.Equal(t, writes, s.fakes.HubSpot.Writes(), "a second run writes nothing")
}
