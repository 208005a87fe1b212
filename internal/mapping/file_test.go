package mapping

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/syncplan"
)

const example = `
fields:
  - {hubspot: email, clientsuccess: email, direction: to_clientsuccess}
  - {hubspot: firstname, clientsuccess: firstName, direction: to_clientsuccess}
  - {hubspot: nickname, clientsuccess: lastName, direction: both, owner: hubspot}
  - {hubspot: cs_region, custom: Region, direction: both, owner: clientsuccess}
  - {hubspot: cs_seats, custom: Seats, direction: to_hubspot}
status:
  hubspot: cs_status
  direction: to_hubspot
`

func TestParseExample(t *testing.T) {
	f, err := Parse([]byte(example))
	require.NoError(t, err)
	assert.Len(t, f.Fields, 5)
	require.NotNil(t, f.Status)
	assert.Equal(t, ToHubSpot, f.Status.Direction)
	assert.Equal(t, []string{"email", "firstname", "nickname", "cs_region", "cs_seats", "cs_status"}, f.HubSpotProperties())
	assert.True(t, f.CustomFields())
	assert.Equal(t, []string{"title", "phone", "mobile"}, f.Unmapped())
	got := f.ContactFields(map[string]string{"email": " a@x.com ", "firstname": "Ann", "nickname": "Annie", "cs_region": "EU"})
	assert.Equal(t, syncplan.ContactFields{Email: "a@x.com", FirstName: "Ann", LastName: "Annie"}, got)
}

func TestParseRejects(t *testing.T) {
	email := "  - {hubspot: email, clientsuccess: email, direction: to_clientsuccess}\n"
	cases := []struct{ name, yaml, want string }{
		{"empty file", "", "empty"},
		{"no fields", "fields: []\n", "at least the email mapping"},
		{"unknown key", "fields:\n  - {hubspot: email, clientsuccess: email, direction: to_clientsuccess, owenr: hubspot}\n", "owenr"},
		{"bad direction", "fields:\n  - {hubspot: email, clientsuccess: email, direction: To_ClientSuccess}\n", `direction must be to_clientsuccess, to_hubspot or both, got "To_ClientSuccess"`},
		{"both without owner", "fields:\n" + email + "  - {hubspot: firstname, clientsuccess: firstName, direction: both}\n", `fields[1] (hubspot "firstname"): direction both needs owner`},
		{"owner on one-way", "fields:\n" + email + "  - {hubspot: firstname, clientsuccess: firstName, direction: to_hubspot, owner: hubspot}\n", "owner is only for direction both"},
		{"unknown standard field", "fields:\n" + email + "  - {hubspot: x, clientsuccess: nickname, direction: to_clientsuccess}\n", `clientsuccess "nickname" is not a standard contact field`},
		{"neither side", "fields:\n" + email + "  - {hubspot: x, direction: to_clientsuccess}\n", "set clientsuccess"},
		{"both sides", "fields:\n" + email + "  - {hubspot: x, clientsuccess: title, custom: Y, direction: to_clientsuccess}\n", "not both"},
		{"field fed twice", "fields:\n" + email + "  - {hubspot: a, custom: Region, direction: to_clientsuccess}\n  - {hubspot: b, custom: region, direction: to_clientsuccess}\n", `ClientSuccess custom field "region" is mapped twice`},
		{"property written twice", "fields:\n" + email + "  - {hubspot: a, custom: R1, direction: to_hubspot}\n  - {hubspot: a, custom: R2, direction: to_hubspot}\n", `HubSpot property "a" is written from two`},
		{"no email", "fields:\n  - {hubspot: firstname, clientsuccess: firstName, direction: to_clientsuccess}\n", `clientsuccess "email"`},
		{"email the other way", "fields:\n  - {hubspot: email, clientsuccess: email, direction: to_hubspot}\n", "email identifies the contact"},
		{"spaces in property", "fields:\n  - {hubspot: ' email', clientsuccess: email, direction: to_clientsuccess}\n", "without surrounding spaces"},
		{"status without owner", "fields:\n" + email + "status: {hubspot: cs_status, direction: both}\n", "status (hubspot \"cs_status\"): direction both needs owner"},
		{"status also a field", "fields:\n" + email + "  - {hubspot: cs_status, custom: S, direction: to_hubspot}\nstatus: {hubspot: cs_status, direction: to_hubspot}\n", "also written by a field mapping"},
		{"not yaml", "fields: [", "yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// The built-in mapping is today's: it reads the same properties and gives the same fields.
func TestDefaultIsTodaysMapping(t *testing.T) {
	d := Default()
	require.NoError(t, d.Check())
	assert.Equal(t, syncplan.ContactProperties, d.HubSpotProperties())
	assert.False(t, d.CustomFields())
	assert.Empty(t, d.Unmapped())
	props := map[string]string{"email": " bh@hubspot.com ", "firstname": "Brian", "lastname": "Halligan", "jobtitle": "CEO", "phone": "1", "mobilephone": "+1 555", "other": "x"}
	assert.Equal(t, syncplan.FieldsFromHubSpot(props), d.ContactFields(props))
	assert.Equal(t, syncplan.FieldsFromHubSpot(nil), d.ContactFields(nil))
}

func TestCheckDefinitions(t *testing.T) {
	f, err := Parse([]byte(example))
	require.NoError(t, err)
	props := map[string]PropertyDef{
		"email": {Name: "email", Type: "string"}, "firstname": {Name: "firstname", Type: "string"},
		"nickname": {Name: "nickname", Type: "string"}, "cs_region": {Name: "cs_region", Type: "enumeration"},
		"cs_seats":  {Name: "cs_seats", Type: "number"},
		"cs_status": {Name: "cs_status", Type: "enumeration", Options: []Option{{"active", "Active"}}},
	}
	customs := []CustomFieldDef{{ID: 1, Label: "region", Type: "STRING"}, {ID: 2, Label: "Seats", Type: "INTEGER"}}
	require.NoError(t, f.CheckDefinitions(props, customs))

	without := func(name string) map[string]PropertyDef {
		out := map[string]PropertyDef{}
		for k, v := range props {
			if k != name {
				out[k] = v
			}
		}
		return out
	}
	with := func(name string, p PropertyDef) map[string]PropertyDef {
		out := without(name)
		out[name] = p
		return out
	}
	cases := []struct {
		name    string
		props   map[string]PropertyDef
		customs []CustomFieldDef
		want    string
	}{
		{"unknown property", without("nickname"), customs, `fields[2]: HubSpot contact property "nickname" does not exist (mapped to ClientSuccess field "lastName")`},
		{"unknown custom field", props, customs[1:], `fields[3]: ClientSuccess custom field "Region" does not exist; contact custom fields are: "Seats"`},
		{"type mismatch custom", with("cs_seats", PropertyDef{Name: "cs_seats", Type: "bool"}), customs, `HubSpot contact property "cs_seats" is of type bool, which cannot carry ClientSuccess custom field "Seats" of type INTEGER`},
		{"type mismatch standard", with("firstname", PropertyDef{Name: "firstname", Type: "date"}), customs, `"firstname" is of type date`},
		{"status missing", without("cs_status"), customs, `status: HubSpot contact property "cs_status" does not exist`},
		{"status not enumeration", with("cs_status", PropertyDef{Name: "cs_status", Type: "string"}), customs, "not enumeration"},
		{"status without options", with("cs_status", PropertyDef{Name: "cs_status", Type: "enumeration"}), customs, "has no options"},
		{"status of several checkboxes", with("cs_status", PropertyDef{Name: "cs_status", Type: "enumeration", Options: []Option{{"active", "Active"}}, MultipleChoice: true}),
			customs, `status: HubSpot contact property "cs_status" is a multiple checkboxes property`},
		{"status written to a read-only property", with("cs_status", PropertyDef{Name: "cs_status", Type: "enumeration", Options: []Option{{"active", "Active"}}, ReadOnly: true}),
			customs, `status: HubSpot contact property "cs_status" is read-only (HubSpot sets or calculates it), so direction to_hubspot cannot write it; use to_clientsuccess`},
		{"to_hubspot into a read-only property", with("cs_seats", PropertyDef{Name: "cs_seats", Type: "number", ReadOnly: true}), customs, `fields[4]: HubSpot contact property "cs_seats" is read-only`},
		{"both into several checkboxes", with("cs_region", PropertyDef{Name: "cs_region", Type: "enumeration", MultipleChoice: true}), customs, `fields[3]: HubSpot contact property "cs_region" is a multiple checkboxes property, which direction both cannot write`},
	}
	// Properties only read (to_clientsuccess) may be read-only or hold several checkboxes.
	readOnly := with("firstname", PropertyDef{Name: "firstname", Type: "string", ReadOnly: true})
	readOnly["email"] = PropertyDef{Name: "email", Type: "enumeration", MultipleChoice: true}
	require.NoError(t, f.CheckDefinitions(readOnly, customs))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.CheckDefinitions(c.props, c.customs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// mappingPage is docs/mapping.md from its title on.
func mappingPage(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "mapping.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(raw), "# Field mapping")
	require.True(t, ok)
	return section
}

// docs/mapping.md documents the built-in mapping as a file, and docker-compose.yml mounts
// deploy/mapping.yaml as its copy: both must be the built-in mapping.
func TestDocumentedDefault(t *testing.T) {
	_, block, ok := strings.Cut(mappingPage(t), "```yaml\n")
	require.True(t, ok)
	block, _, _ = strings.Cut(block, "```")
	f, err := Parse([]byte(block))
	require.NoError(t, err)
	assert.Equal(t, Default(), f)

	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "mapping.yaml"))
	require.NoError(t, err)
	f, err = Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, Default(), f)
}

// The complete example of docs/mapping.md is a valid, extended mapping.
func TestDocumentedExampleParses(t *testing.T) {
	blocks := strings.Split(mappingPage(t), "```yaml\n")
	require.GreaterOrEqual(t, len(blocks), 3)
	block, _, _ := strings.Cut(blocks[2], "```")
	f, err := Parse([]byte(block))
	require.NoError(t, err)
	assert.True(t, f.Extended())
	assert.Subset(t, f.Unmapped(), []string{FieldTitle, FieldMobile})
	require.NotNil(t, f.Status)
}
