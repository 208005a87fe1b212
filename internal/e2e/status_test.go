package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestContactStatusReachesHubSpotAsTheExactOption: with a status mapping, a contact whose
// ClientSuccess status is "Active" gets HubSpot's option value "active" (the fake, like HubSpot,
// rejects "Active"); a status with no option is reported, not sent.
func TestContactStatusReachesHubSpotAsTheExactOption(t *testing.T) {
	s := newStack(t)
	hs := example.HubSpot()
	hs.Properties = map[string][]hubspotfake.Property{"contacts": {{
		Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select",
		Options: []hubspotfake.Option{{Label: "Active", Value: "active"}, {Label: "Inactive", Value: "inactive"}},
	}}}
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	path := filepath.Join(t.TempDir(), "mapping.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`fields:
  - {hubspot: email,       clientsuccess: email,     direction: to_clientsuccess}
  - {hubspot: firstname,   clientsuccess: firstName, direction: to_clientsuccess}
  - {hubspot: lastname,    clientsuccess: lastName,  direction: to_clientsuccess}
  - {hubspot: jobtitle,    clientsuccess: title,     direction: to_clientsuccess}
  - {hubspot: phone,       clientsuccess: phone,     direction: to_clientsuccess}
  - {hubspot: mobilephone, clientsuccess: mobile,    direction: to_clientsuccess}
status: {hubspot: cs_status, direction: to_hubspot}
`), 0o600))
	s.cfg.FieldMappingFile = path
	s.startWorker()
	ctx := context.Background()

	// The fake holds HubSpot's rule: only the exact option value is accepted.
	hsAPI := hubspot.New(hubspot.Config{BaseURL: s.fakes.HubSpotURL, Token: devstack.FakeHubSpotToken})
	_, err := hsAPI.UpdateObject(ctx, "contacts", example.ContactID, map[string]string{"cs_status": "Active"})
	require.True(t, apierr.Is(err, apierr.Validation), "the fake must reject a mis-cased option: %v", err)

	first := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome, first.Reason)
	require.NotNil(t, first.Status)
	require.False(t, first.Status.Written, "no status in ClientSuccess, none in HubSpot: nothing to write")
	require.Equal(t, 0, s.fakes.HubSpot.Writes())

	// Someone sets the contact Active in ClientSuccess.
	setStatus := func(id int) {
		cs := clientsuccess.New(clientsuccess.Config{BaseURL: s.fakes.ClientSuccessURL, Username: devstack.FakeCSUsername, Password: devstack.FakeCSPassword})
		on := s.owned(example.ContactID)
		require.Len(t, on, 1)
		c, err := cs.GetContact(ctx, on[0].ClientID, on[0].ID)
		require.NoError(t, err)
		c.StatusID = &id
		_, err = cs.UpdateContact(ctx, on[0].ClientID, *c)
		require.NoError(t, err)
	}
	setStatus(1) // {1, "A", "Active"}
	// A dry run plans the status write and writes nothing.
	dry, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DryRunContactWorkflowID(example.ContactID), TaskQueue: s.cfg.Temporal.TaskQueue},
		workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: example.ContactID, DryRun: true})
	require.NoError(t, err)
	var planned workflows.SyncContactResult
	require.NoError(t, dry.Get(ctx, &planned))
	require.True(t, planned.DryRun)
	require.Equal(t, syncplan.Unchanged, planned.Outcome, planned.Reason)
	require.NotNil(t, planned.Status)
	require.Equal(t, activities.PushStatusResult{Value: "active", Written: true}, *planned.Status)
	require.Equal(t, 0, s.fakes.HubSpot.Writes(), "the dry run wrote nothing")

	second := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, second.Outcome, second.Reason)
	require.NotNil(t, second.Status)
	require.True(t, second.Status.Written)
	require.Equal(t, "active", second.Status.Value)
	props, _ := s.fakes.HubSpot.Get("contacts", example.ContactID)
	require.Equal(t, "active", props["cs_status"])
	writes := s.fakes.HubSpot.Writes()

	again := s.syncContact(example.ContactID)
	require.False(t, again.Status.Written, "already in line: not written again")
	require.Equal(t, writes, s.fakes.HubSpot.Writes())

	setStatus(3) // {3, "F", "Trial"}: the property has no such option
	trial := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, trial.Outcome, trial.Reason)
	require.Contains(t, trial.Status.Problem, `HubSpot property "cs_status": "Trial" is not one of the allowed values ["active", "inactive"]`)
	require.Equal(t, writes, s.fakes.HubSpot.Writes(), "an unknown status is reported, never sent")
	props, _ = s.fakes.HubSpot.Get("contacts", example.ContactID)
	require.Equal(t, "active", props["cs_status"])

	// A batch judges the status in its page plan: a contact in line, status included, gets no
	// contact sync; one whose status changed in ClientSuccess gets one, which writes the option.
	batch := func() (workflows.SyncContactsResult, int) {
		run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
		require.NoError(t, err)
		var res workflows.SyncContactsResult
		require.NoError(t, run.Get(ctx, &res))
		children := 0
		for _, e := range s.historyOf(ctx, run.GetID(), run.GetRunID()).GetEvents() {
			if e.GetEventType() == enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED {
				children++
			}
		}
		return res, children
	}
	setStatus(1) // back to Active, which HubSpot holds
	res, children := batch()
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1}, res.Counts)
	require.Zero(t, children, "in line, status included: no contact sync started")
	require.Equal(t, writes, s.fakes.HubSpot.Writes())

	setStatus(2) // {2, "I", "Inactive"}
	res, children = batch()
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1}, res.Counts, "the record itself is unchanged")
	require.Equal(t, 1, children, "the status differs: the contact gets its own sync")
	props, _ = s.fakes.HubSpot.Get("contacts", example.ContactID)
	require.Equal(t, "inactive", props["cs_status"])
}
