package workerapp

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
)

func writeMapping(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mapping.yaml")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

// mappingFakes serves the two fakes; HubSpot defines nickname (string), birthday (date), a
// status enumeration, seats (number), a calculated full_name and multiple checkboxes cs_tags.
func mappingFakes(t *testing.T) config.Worker {
	t.Helper()
	hs := hubspotfake.New(hubspotfake.Options{Token: "pat-test"})
	hs.Seed(hubspotfake.Fixture{Properties: map[string][]hubspotfake.Property{"contacts": {
		{Name: "nickname", Label: "Nickname", Type: "string", FieldType: "text"},
		{Name: "birthday", Label: "Birthday", Type: "date", FieldType: "date"},
		{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select", Options: []hubspotfake.Option{{Label: "Active", Value: "active"}}},
		{Name: "seats", Label: "Seats", Type: "number", FieldType: "number"},
		{Name: "full_name", Label: "Full name", Type: "string", FieldType: "calculation_equation", Calculated: true},
		{Name: "cs_tags", Label: "CS Tags", Type: "enumeration", FieldType: "checkbox", Options: []hubspotfake.Option{{Label: "Active", Value: "active"}}},
	}}})
	cs := csfake.New(csfake.Options{Username: "u@example.com", Password: "p"})
	cs.Seed(csfake.Fixture{ContactCustomFields: []clientsuccess.CustomField{{ID: 10, Name: "seats", Label: "Seats", Type: "INTEGER"}}})
	hsSrv, csSrv := httptest.NewServer(hs), httptest.NewServer(cs)
	t.Cleanup(hsSrv.Close)
	t.Cleanup(csSrv.Close)
	return config.Worker{
		HubSpot:       config.HubSpot{BaseURL: hsSrv.URL, Token: "pat-test", APIFamily: "2026-03"},
		ClientSuccess: config.ClientSuccess{BaseURL: csSrv.URL + "/v1", Username: "u@example.com", Password: "p"},
	}
}

const goodMapping = `fields:
  - {hubspot: email, clientsuccess: email, direction: to_clientsuccess}
  - {hubspot: nickname, clientsuccess: firstName, direction: to_clientsuccess}
  - {hubspot: lastname, clientsuccess: lastName, direction: to_clientsuccess}
  - {hubspot: phone, clientsuccess: phone, direction: to_clientsuccess}
  - {hubspot: mobilephone, clientsuccess: mobile, direction: to_clientsuccess}
`
const titleMapping = "  - {hubspot: jobtitle, clientsuccess: title, direction: to_clientsuccess}\n"

// startMapping runs the part of the worker graph that reads and checks the mapping.
func startMapping(t *testing.T, cfg config.Worker) (mapping.File, error) {
	var got mapping.File
	app := fxtest.New(t,
		fx.Supply(cfg),
		fx.Provide(func(c config.Worker) *hubspot.Client { return newHubSpot(c, nil) }),
		fx.Provide(func(c config.Worker) *clientsuccess.API { return newClientSuccess(c, nil) }),
		fx.Provide(newMapping),
		fx.Populate(&got),
	)
	if err := app.Err(); err != nil {
		return got, err
	}
	err := app.Start(context.Background())
	if err == nil {
		app.RequireStop()
	}
	return got, err
}

func TestMappingFileCheckedAtStart(t *testing.T) {
	cfg := mappingFakes(t)

	t.Run("no file: the built-in mapping, no API calls needed", func(t *testing.T) {
		got, err := startMapping(t, config.Worker{})
		require.NoError(t, err)
		assert.Equal(t, mapping.Default(), got)
	})
	t.Run("a valid file is used", func(t *testing.T) {
		c := cfg
		c.FieldMappingFile = writeMapping(t, goodMapping+titleMapping)
		got, err := startMapping(t, c)
		require.NoError(t, err)
		fields := got.ContactFields(map[string]string{"email": "a@x.com", "nickname": "Al", "firstname": "Albert"})
		assert.Equal(t, "Al", fields.FirstName, "first name comes from nickname now")
		assert.Equal(t, "a@x.com", fields.Email)
	})
	t.Run("a status mapping onto an enumeration is used", func(t *testing.T) {
		c := cfg
		c.FieldMappingFile = writeMapping(t, goodMapping+titleMapping+"status: {hubspot: cs_status, direction: to_hubspot}\n")
		got, err := startMapping(t, c)
		require.NoError(t, err)
		require.NotNil(t, got.Status)
		assert.Equal(t, "cs_status", got.Status.HubSpot)
	})
	cases := []struct{ name, body, want string }{
		{"status onto a non-enumeration stops the start", goodMapping + titleMapping + "status: {hubspot: nickname, direction: to_hubspot}\n",
			`status: HubSpot contact property "nickname" is of type string, not enumeration`},
		{"unknown property stops the start", goodMapping + "  - {hubspot: no_such_prop, clientsuccess: title, direction: to_clientsuccess}\n",
			`HubSpot contact property "no_such_prop" does not exist (mapped to ClientSuccess field "title")`},
		{"type mismatch stops the start", goodMapping + "  - {hubspot: birthday, clientsuccess: title, direction: to_clientsuccess}\n",
			`HubSpot contact property "birthday" is of type date`},
		{"unknown custom label stops the start", goodMapping + "  - {hubspot: seats, custom: Licences, direction: to_clientsuccess}\n",
			`fields[5]: ClientSuccess custom field "Licences" does not exist; contact custom fields are: "Seats"`},
		{"a write into a calculated property stops the start", goodMapping + "  - {hubspot: full_name, clientsuccess: title, direction: to_hubspot}\n",
			`fields[5]: HubSpot contact property "full_name" is read-only (HubSpot sets or calculates it), so direction to_hubspot cannot write it`},
		{"a status of several checkboxes stops the start", goodMapping + titleMapping + "status: {hubspot: cs_tags, direction: to_clientsuccess}\n",
			`status: HubSpot contact property "cs_tags" is a multiple checkboxes property`},
		{"custom type mismatch stops the start", goodMapping + "  - {hubspot: nickname, custom: seats, direction: to_hubspot}\n",
			`HubSpot contact property "nickname" is of type string, which cannot carry ClientSuccess custom field "seats" of type INTEGER`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := cfg
			w.FieldMappingFile = writeMapping(t, c.body)
			_, err := startMapping(t, w)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "FIELD_MAPPING_FILE "+w.FieldMappingFile)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestLoadMappingAcceptsWhatItApplies(t *testing.T) {
	for name, body := range map[string]string{
		"unmapped standard field (kept)": goodMapping,
		"custom field":                   goodMapping + "  - {hubspot: seats, custom: Seats, direction: to_clientsuccess}\n",
		"to_hubspot field":               goodMapping + "  - {hubspot: jobtitle, clientsuccess: title, direction: to_hubspot}\n",
		"two-way field":                  goodMapping + "  - {hubspot: jobtitle, clientsuccess: title, direction: both, owner: clientsuccess}\n",
		"status from HubSpot":            goodMapping + "status: {hubspot: cs_status, direction: to_clientsuccess}\n",
		"two-way status":                 goodMapping + "status: {hubspot: cs_status, direction: both, owner: hubspot}\n",
	} {
		t.Run(name, func(t *testing.T) {
			m, err := LoadMapping(writeMapping(t, body))
			require.NoError(t, err)
			assert.True(t, m.Extended())
		})
	}
	cases := []struct{ name, body, want string }{
		{"no email", "fields:\n  - {hubspot: firstname, clientsuccess: firstName, direction: to_clientsuccess}\n", `no entry maps a HubSpot property to clientsuccess "email"`},
		{"malformed", "fields: {", "FIELD_MAPPING_FILE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadMapping(writeMapping(t, c.body))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err := LoadMapping(filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorContains(t, err, "FIELD_MAPPING_FILE")
}
