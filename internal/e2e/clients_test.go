package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

func checkboxProperty(name string) hubspotfake.Property {
	return hubspotfake.Property{Name: name, Label: "Sync w/ClientSuccess Client", Type: "bool", FieldType: "booleancheckbox", GroupName: "g"}
}

// scheduledSync runs ScheduledSync, as the schedule does, and returns its result and workflow id.
func (s *stack) scheduledSync(ctx context.Context, n int, dry bool) (workflows.ScheduledSyncResult, string) {
	s.t.Helper()
	id := fmt.Sprintf("%s-%s-%d", workflows.ScheduledSyncWorkflowID, s.cfg.Temporal.TaskQueue, n)
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.cfg.Temporal.TaskQueue},
		workflows.ScheduledSync, workflows.ScheduledSyncInput{Contacts: workflows.SyncContactsInput{DryRun: dry}})
	require.NoError(s.t, err)
	var res workflows.ScheduledSyncResult
	require.NoError(s.t, run.Get(ctx, &res))
	return res, id
}

// requireNoWrites checks both fakes' write counters since the last reset.
func (s *stack) requireNoWrites(what string) {
	s.t.Helper()
	require.Zero(s.t, s.fakes.ClientSuccess.Writes(), "%s writes nothing to ClientSuccess", what)
	require.Zero(s.t, s.fakes.HubSpot.Writes(), "%s writes nothing to HubSpot", what)
}

func (s *stack) resetCounters() {
	s.fakes.HubSpot.ResetCounters()
	s.fakes.ClientSuccess.ResetCounters()
}

// requirePlanDone checks that every client change a dry run planned is in ClientSuccess now.
func (s *stack) requirePlanDone(planned []workflows.ClientChange) {
	s.t.Helper()
	for _, p := range planned {
		c, ok := s.fakes.ClientSuccess.ClientByExternalID(p.ExternalID)
		require.True(s.t, ok, "planned %s of client %s", p.Action, p.ExternalID)
		require.Equal(s.t, p.Name, c.Name)
		if p.StatusID != 0 {
			require.Equal(s.t, p.StatusID, c.StatusID, "client %s", p.ExternalID)
		}
		if p.Action == syncplan.Updated {
			require.Equal(s.t, p.ClientID, c.ID, "the planned client is the one updated")
		}
	}
}

// TestClientSyncDealsMode: a checked deal without a client becomes one, a checked deal whose
// name changed renames its client (keeping what ClientSuccess holds), an unchecked deal is left
// alone; a deal's status property sets a new client's status (case-safe); a contact whose deal was just checked lands on the new client in the same ScheduledSync
// run. A dry run before writes nothing and plans exactly the client writes the real run makes; a
// second run writes nothing. The histories are kept as replay references.
func TestClientSyncDealsMode(t *testing.T) {
	s := newStack(t)
	hs := example.HubSpot()
	hs.Properties["deals"] = []hubspotfake.Property{checkboxProperty("sync_deal"),
		{Name: "cs_status", Label: "CS status", Type: "string", FieldType: "text", GroupName: "g"}}
	hs.Deals[0].Properties["sync_deal"] = "true"
	hs.Deals[0].Properties["cs_status"] = "trial" // ClientSuccess has it as Trial (3) already
	hs.Deals[0].Properties["dealname"] = "Fake First Test (renewed)"
	hs.Deals = append(hs.Deals, hubspotfake.Record{ID: "1003", Properties: map[string]string{"dealname": "Fresh Deal", "sync_deal": "true", "cs_status": "ACTIVE"}})
	hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: "52", Properties: map[string]string{
		"email": "carol@example.com", "firstname": "Carol", "lastname": "New", "sync_w_clientsuccess_contact": "true", "associated_deal_id": "1003"}})
	s.fakes.HubSpot.Seed(hs)
	cs := example.ClientSuccess()
	cs.Clients[0].StatusID, cs.Clients[0].CrmCustomerID = 3, "crm-9001" // kept across the rename
	s.fakes.ClientSuccess.Seed(cs)
	s.cfg.HubSpot.DealSyncProperty, s.cfg.HubSpot.ClientStatusProperty = "sync_deal", "cs_status"
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s.resetCounters()
	plan, _ := s.scheduledSync(ctx, 1, true)
	s.requireNoWrites("a dry run")
	require.True(t, plan.Clients.Enabled && plan.Clients.DryRun)
	require.ElementsMatch(t, []workflows.ClientChange{
		{Action: syncplan.Updated, ExternalID: example.FirstDealID, Name: "Fake First Test (renewed)", ClientID: example.FirstClientID, OldName: "Fake First Test", StatusID: 3},
		{Action: syncplan.Created, ExternalID: "1003", Name: "Fresh Deal", StatusID: 1},
	}, plan.Clients.Planned)
	// The contact plans see the client the same run would create: Carol is planned onto it.
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 2}, plan.Contacts.Counts)
	carolPlan := plannedFor(t, plan.Contacts.Planned, "52")
	require.Equal(t, []workflows.Change{{Action: "created"}}, carolPlan.Changes)
	require.Contains(t, carolPlan.Reason, "to be created for deal Fresh Deal (1003)")
	carolPlanHistory := s.history(ctx, workflows.DryRunContactWorkflowID("52"))
	_, ok := s.fakes.ClientSuccess.ClientByExternalID("1003")
	require.False(t, ok)

	done, id := s.scheduledSync(ctx, 2, false)
	require.Empty(t, done.ClientsError)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 1, syncplan.Updated: 1}, done.Clients.Counts)
	require.Equal(t, plan.Clients.Counts, done.Clients.Counts, "the real run does what was planned")
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 2}, done.Contacts.Counts, "Carol finds her new client in the same run")
	require.Equal(t, plan.Contacts.Counts, done.Contacts.Counts, "the real run does to contacts what was planned")
	s.requirePlanDone(plan.Clients.Planned)
	fresh, _ := s.fakes.ClientSuccess.ClientByExternalID("1003")
	require.True(t, fresh.Active)
	carol := s.owned("52")
	require.Len(t, carol, 1)
	require.Equal(t, fresh.ID, carol[0].ClientID)
	renamed, _ := s.fakes.ClientSuccess.Client(example.FirstClientID)
	require.Equal(t, clientsuccess.Client{ID: example.FirstClientID, Name: "Fake First Test (renewed)", ExternalID: example.FirstDealID,
		StatusID: 3, CrmCustomerID: "crm-9001", Active: renamed.Active}, clientWithout(renamed))
	second, _ := s.fakes.ClientSuccess.Client(example.SecondClientID)
	require.Equal(t, "Fake 2nd Test", second.Name, "an unchecked deal's client is left alone")

	histories := map[string]*historypb.History{
		"sync_clients.json":                        s.history(ctx, workflows.ClientsWorkflowID),
		"scheduled_sync.json":                      s.history(ctx, id),
		"sync_contact_dry_run_pending_client.json": carolPlanHistory,
	}

	s.resetCounters()
	again, _ := s.scheduledSync(ctx, 3, false)
	s.requireNoWrites("a second run")
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 2}, again.Clients.Counts)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 2}, again.Contacts.Counts)
	replayAndRecord(t, histories)
}

// plannedFor is a dry run's plan for one contact.
func plannedFor(t *testing.T, planned []workflows.SyncContactResult, contactID string) workflows.SyncContactResult {
	t.Helper()
	for _, p := range planned {
		if p.HubSpotContactID == contactID {
			return p
		}
	}
	require.Failf(t, "no plan", "the dry run planned nothing for contact %s", contactID)
	return workflows.SyncContactResult{}
}

// clientWithout drops the fields the fake fills in on its own, for comparison.
func clientWithout(c clientsuccess.Client) clientsuccess.Client {
	c.CustomFieldValues, c.SuccessScore, c.ManagedByEmployeeID, c.ClientSegmentID = nil, nil, nil, nil
	return c
}

// TestClientSyncCompaniesMode: with CLIENT_SOURCE=companies a checked company becomes a client,
// and in the same run a contact whose primary company it is lands on it; a contact whose company
// is not primary, or whose primary company is not checked, is a recorded outcome that writes
// nothing. A dry run writes nothing and plans the create; a second run writes nothing.
func TestClientSyncCompaniesMode(t *testing.T) {
	s := newStack(t)
	checked := map[string]string{"sync_w_clientsuccess_contact": "true"}
	contact := func(id, email string) hubspotfake.Record {
		p := map[string]string{"email": email, "firstname": "C" + id, "lastname": "Test"}
		for k, v := range checked {
			p[k] = v
		}
		return hubspotfake.Record{ID: id, Properties: p}
	}
	s.fakes.HubSpot.Seed(hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{"companies": {checkboxProperty("sync_company")},
			"contacts": {checkboxProperty("sync_w_clientsuccess_contact")}},
		Companies: []hubspotfake.Record{
			{ID: "301", Properties: map[string]string{"name": "Acme Corp", "sync_company": "true"}},
			{ID: "302", Properties: map[string]string{"name": "Globex"}},
		},
		Contacts: []hubspotfake.Record{contact("61", "a@acme.example"), contact("62", "b@acme.example"), contact("63", "c@globex.example")},
		Associations: []hubspotfake.Assoc{
			{FromType: "contacts", FromID: "61", ToType: "companies", ToID: "301", TypeID: 1},
			{FromType: "contacts", FromID: "62", ToType: "companies", ToID: "301"}, // not primary
			{FromType: "contacts", FromID: "63", ToType: "companies", ToID: "302", TypeID: 1},
		},
	})
	s.fakes.ClientSuccess.Seed(csfake.Fixture{})
	s.cfg.HubSpot.ClientSource, s.cfg.HubSpot.CompanySyncProperty = "companies", "sync_company"
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s.resetCounters()
	plan, _ := s.scheduledSync(ctx, 1, true)
	s.requireNoWrites("a dry run")
	require.Equal(t, "companies", plan.Clients.Source)
	require.Equal(t, []workflows.ClientChange{{Action: syncplan.Created, ExternalID: "301", Name: "Acme Corp"}}, plan.Clients.Planned)

	done, _ := s.scheduledSync(ctx, 2, false)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 1}, done.Clients.Counts)
	require.Equal(t, plan.Clients.Counts, done.Clients.Counts, "the real run does what was planned")
	s.requirePlanDone(plan.Clients.Planned)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Created: 1, syncplan.NoCompany: 1, syncplan.WaitingClient: 1}, done.Contacts.Counts)
	require.Equal(t, plan.Contacts.Counts, done.Contacts.Counts, "the real run does to contacts what was planned")
	acme, _ := s.fakes.ClientSuccess.ClientByExternalID("301")
	on := s.owned("61")
	require.Len(t, on, 1)
	require.Equal(t, acme.ID, on[0].ClientID)
	require.Empty(t, s.owned("62"))
	require.Empty(t, s.owned("63"))
	res61 := s.syncResult("61")
	require.Equal(t, "301", res61.CompanyID)
	require.Empty(t, res61.DealID)
	histories := map[string]*historypb.History{"companies_sync_contact_created.json": s.history(ctx, workflows.ContactWorkflowID("61"))}

	s.resetCounters()
	again, _ := s.scheduledSync(ctx, 3, false)
	s.requireNoWrites("a second run")
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1}, again.Clients.Counts)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1, syncplan.NoCompany: 1, syncplan.WaitingClient: 1}, again.Contacts.Counts)
	// The starter's `clients` command, on its own.
	alone, err := starting.SyncClients(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncClientsInput{})
	require.NoError(t, err)
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1}, alone.Counts)
	s.requireNoWrites("a client sync with nothing changed")
	replayAndRecord(t, histories)
}

// TestIncrementalScheduledRunReachesContactsOfNewClients: a contact waiting for its deal's client,
// not edited since, lands on the client the same incremental ScheduledSync run creates when the
// deal is checked: the contact batch lists the new clients' contacts beside the edited ones.
func TestIncrementalScheduledRunReachesContactsOfNewClients(t *testing.T) {
	s := newStack(t)
	hs := example.HubSpot()
	hs.Properties["deals"] = []hubspotfake.Property{checkboxProperty("sync_deal")}
	hs.Deals = append(hs.Deals, hubspotfake.Record{ID: "1003", Properties: map[string]string{"dealname": "Fresh Deal"}})
	backdated := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	for i := range hs.Contacts {
		hs.Contacts[i].Properties["lastmodifieddate"] = backdated
	}
	hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: "52", Properties: map[string]string{
		"email": "carol@example.com", "firstname": "Carol", "lastname": "New", "sync_w_clientsuccess_contact": "true",
		"associated_deal_id": "1003", "lastmodifieddate": backdated}})
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.cfg.HubSpot.DealSyncProperty = "sync_deal"
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(n int) workflows.ScheduledSyncResult {
		t.Helper()
		eventually(t, 30*time.Second, fmt.Sprintf("%d completed batches in visibility", n-1), func() bool {
			resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
				Query: fmt.Sprintf("WorkflowType = 'SyncContacts' AND ExecutionStatus = 'Completed' AND TaskQueue = %q", s.cfg.Temporal.TaskQueue)})
			require.NoError(t, err)
			return resp.GetCount() == int64(n-1)
		})
		id := fmt.Sprintf("%s-%s-%d", workflows.ScheduledSyncWorkflowID, s.cfg.Temporal.TaskQueue, n)
		r, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.cfg.Temporal.TaskQueue},
			workflows.ScheduledSync, workflows.ScheduledSyncInput{Contacts: workflows.SyncContactsInput{Incremental: true}})
		require.NoError(t, err)
		var res workflows.ScheduledSyncResult
		require.NoError(t, r.Get(ctx, &res))
		return res
	}

	first := run(1)
	require.Equal(t, 1, first.Contacts.Counts[syncplan.WaitingClient], "deal 1003 is not checked yet")

	s.fakes.HubSpot.Put("deals", "1003", map[string]string{"sync_deal": "true"}) // the deal, not the contact, changes
	second := run(2)
	require.True(t, second.Contacts.Incremental, second.Contacts.Why)
	require.Equal(t, []string{"1003"}, second.Clients.Created)
	require.Equal(t, 1, second.Contacts.Counts[syncplan.Created], "Carol is listed though she was not edited: %v", second.Contacts.Counts)
	client1003, ok := s.fakes.ClientSuccess.ClientByExternalID("1003")
	require.True(t, ok)
	var carol []clientsuccess.Contact
	for _, c := range s.fakes.ClientSuccess.ContactsOf(client1003.ID) {
		if c.ExternalID == "52" {
			carol = append(carol, c)
		}
	}
	require.Len(t, carol, 1, "Carol is on the new client once")
	require.Equal(t, 1, second.Contacts.Total, "only Carol: Brian was not edited and his client is not new")
}
