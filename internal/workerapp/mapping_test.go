package workerapp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/mapping"
)

func writeMapping(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mapping.yaml")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

const goodMapping = `fields:
  - {hubspot: email, clientsuccess: email, direction: to_clientsuccess}
  - {hubspot: nickname, clientsuccess: firstName, direction: to_clientsuccess}
  - {hubspot: lastname, clientsuccess: lastName, direction: to_clientsuccess}
  - {hubspot: phone, clientsuccess: phone, direction: to_clientsuccess}
  - {hubspot: mobilephone, clientsuccess: mobile, direction: to_clientsuccess}
`

// The mapping the worker uses; internal/preflight checks a file against both APIs.
func TestNewMapping(t *testing.T) {
	got, err := newMapping(config.Worker{})
	require.NoError(t, err)
	assert.Equal(t, mapping.Default(), got, "no file: the built-in mapping")

	got, err = newMapping(config.Worker{FieldMappingFile: writeMapping(t, goodMapping)})
	require.NoError(t, err)
	fields := got.ContactFields(map[string]string{"email": "a@x.com", "nickname": "Al", "firstname": "Albert"})
	assert.Equal(t, "Al", fields.FirstName, "first name comes from nickname now")
	assert.Equal(t, "a@x.com", fields.Email)
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
