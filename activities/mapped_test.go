package activities

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/mapping"
)

func TestMappedUpsertSendsEveryCustomValueBackAndReportsProblems(t *testing.T) {
	f := newFixture(t)
	f.acts.Definitions = NewDefinitionCache(time.Minute)
	f.acts.Mapping = mapping.File{Fields: []mapping.Field{
		{HubSpot: "email", ClientSuccess: mapping.FieldEmail, Direction: mapping.ToClientSuccess},
		{HubSpot: "seats", Custom: "Seats", Direction: mapping.ToClientSuccess},
		{HubSpot: "renewal", Custom: "Renewal", Direction: mapping.ToClientSuccess},
		{HubSpot: "tier", Custom: "Tier", Direction: mapping.ToHubSpot},
	}, Status: &mapping.StatusMapping{HubSpot: "cs_status", Direction: mapping.ToClientSuccess}}
	f.hs.Seed(hubspotfake.Fixture{Properties: map[string][]hubspotfake.Property{"contacts": {
		{Name: "tier", Label: "Tier", Type: "enumeration", FieldType: "select", Options: []hubspotfake.Option{{Label: "Gold", Value: "gold"}}},
	}}})
	status := 2
	f.cs.Seed(csfake.Fixture{
		ContactCustomFields: []clientsuccess.CustomField{
			{ID: 1, Name: "seats", Label: "Seats", Type: "INTEGER"}, {ID: 2, Name: "renewal", Label: "Renewal", Type: "DATE"},
			{ID: 3, Name: "tier", Label: "Tier", Type: "STRING"}, {ID: 4, Name: "notes", Label: "Notes", Type: "STRING"},
		},
		Contacts: []clientsuccess.Contact{{ID: 70, ClientID: 2, ExternalID: "51", Email: fields.Email, LastName: "Kept", StatusID: &status,
			CustomFieldValues: []clientsuccess.CustomFieldValue{{FieldID: 3, Value: json.RawMessage(`"GOLD"`)}, {FieldID: 4, Value: json.RawMessage(`"a CSM's note"`)}}}},
	})
	upsert := func(hs map[string]string, dry bool) WriteResult {
		t.Helper()
		return run[WriteResult](t, f, f.acts.UpdateContact, UpdateInput{Owner: owner51, ClientID: 2, ContactID: 70, Fields: fields, HubSpot: hs, DryRun: dry})
	}
	hs := map[string]string{"email": fields.Email, "seats": "lots", "renewal": "2026-01-31", "tier": "", "cs_status": "ACTIVE"}
	writes := f.cs.Writes()
	dry := upsert(hs, true)
	assert.Equal(t, "updated", string(dry.Action))
	assert.Equal(t, writes, f.cs.Writes(), "a dry run writes nothing")

	res := upsert(hs, false)
	assert.Equal(t, "updated", string(res.Action))
	require.NotNil(t, res.Mapped)
	assert.Equal(t, []string{"Renewal", "status"}, res.Mapped.Changed)
	assert.Equal(t, map[string]string{"tier": "gold"}, res.Mapped.HubSpot, "the option's exact value")
	require.Len(t, res.Mapped.Problems, 1)
	assert.Contains(t, res.Mapped.Problems[0], `HubSpot property "seats" into ClientSuccess custom field "Seats": "lots" is not a valid INTEGER value`)
	assert.Equal(t, dry.Mapped, res.Mapped, "the dry run planned what the run did")
	require.NotNil(t, res.StatusID)
	assert.Equal(t, 1, *res.StatusID)

	c := f.cs.ContactsOf(2)[0]
	assert.Equal(t, "Kept", c.LastName, "an unmapped standard field keeps its value (Fields says Halligan)")
	assert.Equal(t, 1, *c.StatusID)
	values := map[int64]string{}
	for _, v := range c.CustomFieldValues {
		values[v.FieldID] = string(v.Value)
	}
	assert.Equal(t, map[int64]string{2: `"2026-01-31"`, 3: `"GOLD"`, 4: `"a CSM's note"`}, values, "every other value sent back unchanged")

	// Again: ClientSuccess is in line; definitions come from the cache.
	writes, calls := f.cs.Writes(), f.cs.Calls()
	again := upsert(hs, false)
	assert.Equal(t, "unchanged", string(again.Action))
	assert.Equal(t, writes, f.cs.Writes())
	assert.Equal(t, 1, f.cs.Calls()-calls, "read the record only: statuses and custom fields are cached")
}

func TestStatusStepReadsDefinitionsOncePerTTLAndNotTheRecord(t *testing.T) {
	f := newFixture(t)
	now := time.Unix(1_700_000_000, 0)
	f.acts.Definitions = &DefinitionCache{TTL: time.Minute, Now: func() time.Time { return now }}
	f.hs.Seed(hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{"contacts": {{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select",
			Options: []hubspotfake.Option{{Label: "Active", Value: "active"}}}}},
		Contacts: []hubspotfake.Record{{ID: "51", Properties: map[string]string{"email": fields.Email}}},
	})
	active := 1
	push := func() PushStatusResult {
		t.Helper()
		v, err := f.env.ExecuteActivity(f.acts.PushContactStatus, PushStatusInput{HubSpotContactID: "51", ClientID: 2, ContactID: 999, Property: "cs_status", StatusKnown: true, StatusID: &active})
		require.NoError(t, err)
		var res PushStatusResult
		require.NoError(t, v.Get(&res))
		return res
	}
	f.cs.ResetCounters()
	f.hs.ResetCounters()
	assert.Equal(t, PushStatusResult{Value: "active", Written: true}, push())
	csCalls, hsCalls := f.cs.Calls(), f.hs.Calls()
	assert.Equal(t, 3, hsCalls, "property definition, contact, write")

	assert.Equal(t, PushStatusResult{Value: "active"}, push())
	assert.Equal(t, csCalls, f.cs.Calls(), "statuses cached; the record (999 does not even exist) is not read")
	assert.Equal(t, hsCalls+1, f.hs.Calls(), "only the contact's value is read")

	now = now.Add(2 * time.Minute)
	push()
	assert.Equal(t, csCalls+1, f.cs.Calls(), "expired: statuses read again")
}
