package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// mappingStack seeds the example with extra HubSpot contact properties and ClientSuccess contact
// custom fields and statuses, writes the mapping file and starts the worker with it.
func mappingStack(t *testing.T, props []hubspotfake.Property, cs csfake.Fixture, mappingYAML string) *stack {
	t.Helper()
	s := newStack(t)
	hs := example.HubSpot()
	hs.Properties["contacts"] = append(hs.Properties["contacts"], props...)
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.fakes.ClientSuccess.Seed(cs)
	path := filepath.Join(t.TempDir(), "mapping.yaml")
	require.NoError(t, os.WriteFile(path, []byte(mappingYAML), 0o600))
	s.cfg.FieldMappingFile = path
	s.startWorker()
	return s
}

// editInClientSuccess changes the contact's record as a CSM would in ClientSuccess (straight in
// the fake's store, so the write counters count only the sync's writes).
func (s *stack) editInClientSuccess(hubspotID string, edit func(c *clientsuccess.Contact)) {
	s.t.Helper()
	on := s.owned(hubspotID)
	require.Len(s.t, on, 1)
	c := on[0]
	edit(&c)
	s.fakes.ClientSuccess.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{c}})
}

func customValue(c clientsuccess.Contact, fieldID int64) string {
	for _, v := range c.CustomFieldValues {
		if v.FieldID == fieldID {
			return string(v.Value)
		}
	}
	return ""
}

// writes counts both fakes' writes.
func (s *stack) writes() (hubspot, clientSuccess int) {
	return s.fakes.HubSpot.Writes(), s.fakes.ClientSuccess.Writes()
}

// TestMappedFieldsFlowBothWays: a custom field flows HubSpot→ClientSuccess (converted to its type),
// a to_hubspot custom field and a status set as "active" in ClientSuccess reach HubSpot as the
// options' exact values, a two-way field's conflict is won by its owner, an unmapped standard
// field keeps what a CSM typed, a dry run plans it all without writing, and a second run writes
// nothing on either side.
func TestMappedFieldsFlowBothWays(t *testing.T) {
	s := mappingStack(t,
		[]hubspotfake.Property{
			{Name: "seats", Label: "Seats", Type: "number", FieldType: "number"},
			{Name: "cs_tier", Label: "CS Tier", Type: "enumeration", FieldType: "select",
				Options: []hubspotfake.Option{{Label: "Gold", Value: "GOLD_TIER"}, {Label: "Silver", Value: "SILVER_TIER"}}},
			{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select",
				Options: []hubspotfake.Option{{Label: "Active", Value: "Active"}, {Label: "Inactive", Value: "Inactive"}}},
		},
		csfake.Fixture{
			// Statuses spelt in lower case, unlike HubSpot's options.
			Statuses: []clientsuccess.Status{{ID: 1, Code: "A", Description: "active"}, {ID: 2, Code: "I", Description: "inactive"}},
			ContactCustomFields: []clientsuccess.CustomField{
				{ID: 1, Name: "seats", Label: "Seats", Type: "INTEGER"}, {ID: 2, Name: "tier", Label: "Tier", Type: "STRING"},
			},
		},
		`fields:
  - {hubspot: email,     clientsuccess: email,     direction: to_clientsuccess}
  - {hubspot: firstname, clientsuccess: firstName, direction: to_clientsuccess}
  - {hubspot: lastname,  clientsuccess: lastName,  direction: to_clientsuccess}
  - {hubspot: seats,     custom: seats,            direction: to_clientsuccess}
  - {hubspot: cs_tier,   custom: Tier,             direction: to_hubspot}
  - {hubspot: phone,     clientsuccess: phone,     direction: both, owner: clientsuccess}
status: {hubspot: cs_status, direction: to_hubspot}
`)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"seats": "12", "phone": "+1 555 0100"})

	first := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome, first.Reason)
	on := s.owned(example.ContactID)
	require.Len(t, on, 1)
	assert.JSONEq(t, `12`, customValue(on[0], 1), "HubSpot's number became an INTEGER custom value")
	assert.Equal(t, "+1 555 0100", on[0].Phone, "an empty two-way field is filled from the other side")
	assert.Empty(t, on[0].Title, "jobtitle is not mapped")
	hsWrites, _ := s.writes()
	assert.Equal(t, 0, hsWrites, "a new record has nothing to push to HubSpot")

	// A CSM works in ClientSuccess; someone edits HubSpot.
	active := 1
	s.editInClientSuccess(example.ContactID, func(c *clientsuccess.Contact) {
		c.StatusID = &active
		c.Title = "VP Sales"    // unmapped: must survive
		c.Phone = "+1 555 0199" // two-way, owner ClientSuccess: wins the conflict
		c.CustomFieldValues = append(c.CustomFieldValues, clientsuccess.CustomFieldValue{FieldID: 2, Value: json.RawMessage(`"gold"`)})
	})
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"seats": "15"})

	// The dry run plans both sides and writes nothing.
	hsWrites, csWrites := s.writes()
	ctx := context.Background()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DryRunContactWorkflowID(example.ContactID), TaskQueue: s.cfg.Temporal.TaskQueue},
		workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: example.ContactID, DryRun: true})
	require.NoError(t, err)
	var planned workflows.SyncContactResult
	require.NoError(t, run.Get(ctx, &planned))
	require.Equal(t, syncplan.Updated, planned.Outcome, planned.Reason)
	require.NotNil(t, planned.Mapped)
	assert.Equal(t, []string{"seats"}, planned.Mapped.Changed)
	assert.Equal(t, map[string]string{"cs_tier": "GOLD_TIER", "phone": "+1 555 0199"}, planned.Mapped.HubSpot)
	require.NotNil(t, planned.Status)
	assert.Equal(t, "Active", planned.Status.Value)
	h, c := s.writes()
	assert.Equal(t, [2]int{hsWrites, csWrites}, [2]int{h, c}, "the dry run wrote nothing")

	second := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Updated, second.Outcome, second.Reason)
	assert.Equal(t, planned.Mapped.Changed, second.Mapped.Changed, "the run did what the dry run planned")
	assert.Equal(t, planned.Mapped.HubSpot, second.Mapped.HubSpot)
	assert.True(t, second.Mapped.HubSpotWritten)
	assert.Empty(t, second.Mapped.Problems)
	props, _ := s.fakes.HubSpot.Get("contacts", example.ContactID)
	assert.Equal(t, "GOLD_TIER", props["cs_tier"], "the option's exact value")
	assert.Equal(t, "Active", props["cs_status"], `status "active" written as HubSpot's option "Active"`)
	assert.Equal(t, "+1 555 0199", props["phone"], "the owner's value won")
	on = s.owned(example.ContactID)
	assert.JSONEq(t, `15`, customValue(on[0], 1))
	assert.Equal(t, "VP Sales", on[0].Title, "an unmapped field is not blanked")
	assert.Equal(t, "+1 555 0199", on[0].Phone)

	hsWrites, csWrites = s.writes()
	third := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, third.Outcome, third.Reason)
	assert.Empty(t, third.Mapped.HubSpot)
	assert.False(t, third.Status.Written)
	h, c = s.writes()
	assert.Equal(t, [2]int{hsWrites, csWrites}, [2]int{h, c}, "in line: nothing written on either side")

	// A move carries what only ClientSuccess holds (the unmapped title, the status, the tier).
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	moved := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Moved, moved.Outcome, moved.Reason)
	on = s.owned(example.ContactID)
	require.Len(t, on, 1)
	assert.Equal(t, example.SecondClientID, on[0].ClientID)
	assert.Equal(t, "VP Sales", on[0].Title)
	assert.Equal(t, "+1 555 0199", on[0].Phone)
	assert.Equal(t, &active, on[0].StatusID)
	assert.JSONEq(t, `"gold"`, customValue(on[0], 2))
	assert.Empty(t, moved.Mapped.HubSpot, "nothing differs: nothing written to HubSpot")
}

// TestStatusFromHubSpotAndHubSpotOwnedField: a status set in HubSpot reaches ClientSuccess
// (matched case-insensitively), one with no ClientSuccess status is a recorded problem naming it
// and the statuses, and a two-way field owned by HubSpot wins over a ClientSuccess edit.
func TestStatusFromHubSpotAndHubSpotOwnedField(t *testing.T) {
	s := mappingStack(t,
		[]hubspotfake.Property{{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select",
			Options: []hubspotfake.Option{{Label: "Trial", Value: "trial"}, {Label: "Pending", Value: "pending"}}}},
		csfake.Fixture{},
		`fields:
  - {hubspot: email,     clientsuccess: email,     direction: to_clientsuccess}
  - {hubspot: firstname, clientsuccess: firstName, direction: to_clientsuccess}
  - {hubspot: lastname,  clientsuccess: lastName,  direction: to_clientsuccess}
  - {hubspot: jobtitle,  clientsuccess: title,     direction: both, owner: hubspot}
status: {hubspot: cs_status, direction: to_clientsuccess}
`)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"cs_status": "trial"})

	first := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome, first.Reason)
	on := s.owned(example.ContactID)
	require.Len(t, on, 1)
	require.NotNil(t, on[0].StatusID)
	assert.Equal(t, 3, *on[0].StatusID, `HubSpot "trial" is ClientSuccess "Trial" (3)`)
	assert.Equal(t, "Executive Chairman", on[0].Title)

	s.editInClientSuccess(example.ContactID, func(c *clientsuccess.Contact) { c.Title = "Chairman" })
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"cs_status": "pending"})
	hsWrites, _ := s.writes()
	second := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Updated, second.Outcome, second.Reason)
	require.NotNil(t, second.Mapped)
	assert.Equal(t, []string{"title"}, second.Mapped.Changed)
	assert.Equal(t, []string{`status from HubSpot property "cs_status": ClientSuccess status: "pending" is not one of the allowed values ["Active", "Inactive", "Trial", "Terminated"]; not written`},
		second.Mapped.Problems)
	on = s.owned(example.ContactID)
	assert.Equal(t, "Executive Chairman", on[0].Title, "owner HubSpot won the conflict")
	assert.Equal(t, 3, *on[0].StatusID, "an unknown status is not written")
	h, _ := s.writes()
	assert.Equal(t, hsWrites, h, "nothing to write to HubSpot")

	_, csWrites := s.writes()
	third := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Unchanged, third.Outcome, third.Reason)
	assert.Len(t, third.Mapped.Problems, 1, "still reported, still not written")
	h, c := s.writes()
	assert.Equal(t, [2]int{hsWrites, csWrites}, [2]int{h, c})
}

// TestBadMappingFileStopsTheWorker: the real worker refuses to start on a mapping that names an
// unknown custom field or a property whose type cannot carry the field, and says which.
func TestBadMappingFileStopsTheWorker(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.fakes.HubSpot.Seed(hubspotfake.Fixture{Properties: map[string][]hubspotfake.Property{"contacts": {
		{Name: "seats", Label: "Seats", Type: "number", FieldType: "number"}}}})
	s.fakes.ClientSuccess.Seed(csfake.Fixture{ContactCustomFields: []clientsuccess.CustomField{{ID: 1, Name: "seats", Label: "Seats", Type: "INTEGER"}}})
	base := "fields:\n  - {hubspot: email, clientsuccess: email, direction: to_clientsuccess}\n"
	for name, c := range map[string]struct{ entry, want string }{
		"unknown custom label": {"  - {hubspot: seats, custom: Licences, direction: to_clientsuccess}\n",
			`fields[1]: ClientSuccess custom field "Licences" does not exist; contact custom fields are: "Seats"`},
		"type mismatch": {"  - {hubspot: firstname, custom: Seats, direction: to_clientsuccess}\n",
			`fields[1]: HubSpot contact property "firstname" is of type string, which cannot carry ClientSuccess custom field "Seats" of type INTEGER`},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mapping.yaml")
			require.NoError(t, os.WriteFile(path, []byte(base+c.entry), 0o600))
			cfg := s.cfg
			cfg.FieldMappingFile = path
			stop, err := devstack.StartWorker(context.Background(), cfg, s.quietLogger())
			if err == nil {
				stop()
				t.Fatal("the worker started on a bad mapping file")
			}
			assert.Contains(t, err.Error(), "FIELD_MAPPING_FILE: "+path+": ")
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
