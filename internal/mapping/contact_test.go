package mapping

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/syncplan"
)

func TestCanonicalValues(t *testing.T) {
	cases := []struct {
		typ, hs string
		cs      string // raw JSON; empty means absent
		want    string
		bad     string // substring of the error from the HubSpot side
	}{
		{"STRING", "  Zoë Ünïcode ", `"Zoë Ünïcode"`, "Zoë Ünïcode", ""},
		{"STRING", "", `null`, "", ""},
		{"STRING", "a\x00b", "", "", "control characters"},
		{"INTEGER", "42", `42`, "42", ""},
		{"INTEGER", "42.0", `"42"`, "42", ""},
		{"INTEGER", "-7", `-7`, "-7", ""},
		{"INTEGER", "4.5", "", "", "not a whole number"},
		{"INTEGER", "forty", "", "", `"forty" is not a valid INTEGER value`},
		{"DECIMAL", "2.50", `2.5`, "2.5", ""},
		{"DECIMAL", "1e3", `1000`, "1000", ""},
		{"DECIMAL", "NaN", "", "", "not a number"},
		{"BOOLEAN", "TRUE", `true`, "true", ""},
		{"BOOLEAN", "false", `"false"`, "false", ""},
		{"BOOLEAN", "yes", "", "", "not true or false"},
		{"DATE", "2025-07-07", `"2025-07-07"`, "2025-07-07", ""},
		{"DATE", "1751846400000", `"2025-07-07T00:00:00Z"`, "2025-07-07", ""},
		{"DATE", "1751846400001", "", "", "not at midnight"},
		{"DATE", "1751846400000000", "", "", "outside years 0000 to 9999"},
		{"DATE", "-62167219200000", `"0000-01-01"`, "0000-01-01", ""},
		{"DATE", "-62167305600000", "", "", "outside years 0000 to 9999"},
		{"DATE", "0000-01-01T00:00:00+01:00", "", "", "outside years 0000 to 9999"},
		{"DATE", "9999-12-31T23:00:00-02:00", "", "", "outside years 0000 to 9999"},
		{"DATE", "2025-07-07T23:30:00-01:00", `"2025-07-08"`, "2025-07-08", ""},
		{"DATE", "07/07/2025", "", "", "not YYYY-MM-DD"},
		{"MONEY", "1", "", "", "unknown ClientSuccess field type"},
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.hs, func(t *testing.T) {
			got, err := CanonicalFromHubSpot(c.typ, c.hs)
			if c.bad != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.bad)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
			if c.cs != "" {
				fromCS, err := CanonicalFromClientSuccess(c.typ, json.RawMessage(c.cs))
				require.NoError(t, err)
				assert.Equal(t, c.want, fromCS, "the same value read from ClientSuccess")
			}
			back, err := CanonicalFromClientSuccess(c.typ, ClientSuccessValue(c.typ, got))
			require.NoError(t, err)
			assert.Equal(t, got, back, "the value written to ClientSuccess reads back the same")
		})
	}
	assert.JSONEq(t, `42`, string(ClientSuccessValue("INTEGER", "42")))
	assert.JSONEq(t, `true`, string(ClientSuccessValue("BOOLEAN", "true")))
	assert.JSONEq(t, `"2025-07-07"`, string(ClientSuccessValue("DATE", "2025-07-07")))
	assert.JSONEq(t, `null`, string(ClientSuccessValue("STRING", "")))
}

func TestExtended(t *testing.T) {
	assert.False(t, Default().Extended(), "the built-in mapping runs the classic steps")
	withStatus := Default()
	withStatus.Status = &StatusMapping{HubSpot: "cs_status", Direction: ToHubSpot}
	assert.False(t, withStatus.Extended(), "a status written to HubSpot has its own step")
	partial := Default()
	partial.Fields = partial.Fields[:5]
	assert.True(t, partial.Extended(), "an unmapped field must keep its value")
	fromHS := Default()
	fromHS.Status = &StatusMapping{HubSpot: "cs_status", Direction: ToClientSuccess}
	assert.True(t, fromHS.Extended())
	custom := Default()
	custom.Fields = append(custom.Fields, Field{HubSpot: "seats", Custom: "Seats", Direction: ToClientSuccess})
	assert.True(t, custom.Extended())
}

func TestPlanContact(t *testing.T) {
	m := File{
		Fields: []Field{
			{HubSpot: "email", ClientSuccess: FieldEmail, Direction: ToClientSuccess},
			{HubSpot: "firstname", ClientSuccess: FieldFirstName, Direction: ToClientSuccess},
			{HubSpot: "jobtitle", ClientSuccess: FieldTitle, Direction: ToHubSpot},
			{HubSpot: "phone", ClientSuccess: FieldPhone, Direction: Both, Owner: OwnerClientSuccess},
			{HubSpot: "seats", Custom: "seats", Direction: ToClientSuccess}, // label in another case
			{HubSpot: "renewal", Custom: "Renewal Date", Direction: Both, Owner: OwnerHubSpot},
			{HubSpot: "tier", Custom: "Tier", Direction: ToHubSpot},
		},
		Status: &StatusMapping{HubSpot: "cs_status", Direction: ToClientSuccess},
	}
	defs := Definitions{
		Custom: []CustomFieldDef{
			{ID: 10, Label: "Seats", Type: "INTEGER"},
			{ID: 11, Label: "Renewal Date", Type: "DATE"},
			{ID: 12, Label: "Tier", Type: "STRING"},
		},
		Statuses: csStatuses,
		Options:  map[string][]Option{"tier": {{"gold", "Gold"}, {"silver", "Silver"}}, "cs_status": {{"Active", "Active"}, {"inactive", "Inactive"}}},
	}
	inLineHS := map[string]string{"email": "a@x.com", "firstname": "Ann", "jobtitle": "CTO", "phone": "+1 555",
		"seats": "12", "renewal": "2026-01-31", "tier": "gold", "cs_status": "active"}
	inLineCS := Record{
		Fields:   syncplan.ContactFields{Email: "a@x.com", FirstName: "Ann", LastName: "Kept", Title: "CTO", Phone: "+1 555", Mobile: "kept"},
		Custom:   map[int64]json.RawMessage{10: json.RawMessage(`12`), 11: json.RawMessage(`"2026-01-31"`), 12: json.RawMessage(`"Gold"`)},
		StatusID: 1,
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	rec := func(edit func(*Record)) Record {
		r := inLineCS
		r.Custom = map[int64]json.RawMessage{}
		for k, v := range inLineCS.Custom {
			r.Custom[k] = v
		}
		if edit != nil {
			edit(&r)
		}
		return r
	}
	cases := []struct {
		name     string
		hs       map[string]string
		rec      Record
		changed  []string
		hubspot  map[string]string
		problems []string
		check    func(t *testing.T, p ContactPlan)
	}{
		{name: "all in line: nothing on either side (enumeration case and unmapped fields ignored)", hs: inLineHS, rec: rec(nil)},
		{name: "standard field from HubSpot keeps unmapped fields", hs: with(inLineHS, "firstname", "Anna"), rec: rec(nil), changed: []string{"firstName"},
			check: func(t *testing.T, p ContactPlan) {
				assert.Equal(t, "Anna", p.Fields.FirstName)
				assert.Equal(t, "Kept", p.Fields.LastName, "unmapped: the record's value stays")
				assert.Equal(t, "kept", p.Fields.Mobile)
			}},
		{name: "to_hubspot standard field", hs: with(inLineHS, "jobtitle", "CEO"), rec: rec(nil), hubspot: map[string]string{"jobtitle": "CTO"}},
		{name: "to_hubspot not pushed from a new empty record", hs: inLineHS, rec: rec(func(r *Record) { r.New = true; r.Fields.Title = "" })},
		{name: "two-way conflict: owner ClientSuccess wins", hs: with(inLineHS, "phone", "+1 999"), rec: rec(nil), hubspot: map[string]string{"phone": "+1 555"}},
		{name: "two-way: empty HubSpot filled from ClientSuccess", hs: with(inLineHS, "phone", ""), rec: rec(nil), hubspot: map[string]string{"phone": "+1 555"}},
		{name: "two-way: empty ClientSuccess filled from HubSpot even against the owner", hs: inLineHS, rec: rec(func(r *Record) { r.Fields.Phone = "" }), changed: []string{"phone"}},
		{name: "two-way custom conflict: owner HubSpot wins", hs: with(inLineHS, "renewal", "1772236800000"), rec: rec(nil), changed: []string{"Renewal Date"},
			check: func(t *testing.T, p ContactPlan) { assert.JSONEq(t, `"2026-02-28"`, string(p.Custom[11])) }},
		{name: "custom integer converted", hs: with(inLineHS, "seats", "15.0"), rec: rec(nil), changed: []string{"seats"},
			check: func(t *testing.T, p ContactPlan) { assert.JSONEq(t, `15`, string(p.Custom[10])) }},
		{name: "custom value that does not convert is a problem, the rest is written", hs: with(inLineHS, "seats", "lots", "firstname", "Anna"), rec: rec(nil),
			changed: []string{"firstName"}, problems: []string{`HubSpot property "seats" into ClientSuccess custom field "seats": "lots" is not a valid INTEGER value (not a number); not written`}},
		{name: "custom cleared in HubSpot is cleared in ClientSuccess", hs: with(inLineHS, "seats", ""), rec: rec(nil), changed: []string{"seats"},
			check: func(t *testing.T, p ContactPlan) { assert.Equal(t, "null", string(p.Custom[10])) }},
		{name: "to_hubspot custom into an enumeration gets the exact option", hs: with(inLineHS, "tier", "silver"), rec: rec(nil), hubspot: map[string]string{"tier": "gold"}},
		{name: "to_hubspot custom with no option is a problem", hs: inLineHS, rec: rec(func(r *Record) { r.Custom[12] = json.RawMessage(`"Platinum"`) }),
			problems: []string{`HubSpot property "tier": "Platinum" is not one of the allowed values ["gold", "silver"]: not written`}},
		{name: "status from HubSpot, mixed case", hs: with(inLineHS, "cs_status", "tRIAL"), rec: rec(nil), changed: []string{"status"},
			check: func(t *testing.T, p ContactPlan) { assert.Equal(t, 3, p.StatusID) }},
		{name: "status by code", hs: with(inLineHS, "cs_status", " i "), rec: rec(nil), changed: []string{"status"},
			check: func(t *testing.T, p ContactPlan) { assert.Equal(t, 2, p.StatusID) }},
		{name: "unknown status names the value and the statuses", hs: with(inLineHS, "cs_status", "Pending"), rec: rec(nil),
			problems: []string{`status from HubSpot property "cs_status": ClientSuccess status: "Pending" is not one of the allowed values ["Active", "Inactive", "Trial", "Terminated"]; not written`}},
		{name: "empty HubSpot status sets nothing", hs: with(inLineHS, "cs_status", ""), rec: rec(nil)},
		{name: "custom field gone", hs: inLineHS, rec: rec(nil), check: func(t *testing.T, p ContactPlan) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := defs
			if c.name == "custom field gone" {
				d.Custom = defs.Custom[:2]
				c.problems = []string{`ClientSuccess custom field "Tier" does not exist any more; contact custom fields are: "Renewal Date", "Seats"`}
			}
			p := m.PlanContact(c.hs, c.rec, d)
			assert.Equal(t, c.changed, p.Changed)
			assert.Equal(t, c.hubspot, p.HubSpot)
			assert.Equal(t, c.problems, p.Problems)
			if c.check != nil {
				c.check(t, p)
			}
			if len(c.changed) == 0 {
				assert.Equal(t, c.rec.Fields, p.Fields, "no change: the standard fields stay")
				assert.Empty(t, p.Custom)
				assert.Zero(t, p.StatusID)
			}
		})
	}
}

func TestPlanContactTwoWayStatus(t *testing.T) {
	opts := map[string][]Option{"cs_status": {{"Active", "Active"}, {"inactive", "Inactive"}}}
	defs := Definitions{Statuses: csStatuses, Options: opts}
	plan := func(owner Owner, hs string, statusID int) ContactPlan {
		m := File{Fields: Default().Fields, Status: &StatusMapping{HubSpot: "cs_status", Direction: Both, Owner: owner}}
		return m.PlanContact(map[string]string{"cs_status": hs}, Record{StatusID: statusID}, defs)
	}
	p := plan(OwnerClientSuccess, "inactive", 1)
	assert.Equal(t, map[string]string{"cs_status": "Active"}, p.HubSpot, "owner ClientSuccess: its status, as HubSpot's exact option")
	assert.Zero(t, p.StatusID)
	p = plan(OwnerHubSpot, "inactive", 1)
	assert.Equal(t, 2, p.StatusID, "owner HubSpot: its value, matched case-safely")
	assert.Empty(t, p.HubSpot)
	p = plan(OwnerHubSpot, "", 1)
	assert.Equal(t, map[string]string{"cs_status": "Active"}, p.HubSpot, "empty HubSpot is filled")
	p = plan(OwnerClientSuccess, "ACTIVE", 0)
	assert.Equal(t, 1, p.StatusID, "no status in ClientSuccess is filled")
	p = plan(OwnerClientSuccess, "active", 1)
	assert.Empty(t, p.HubSpot, "in line ignoring case: nothing written")
	assert.Zero(t, p.StatusID)
	p = plan(OwnerClientSuccess, "inactive", 3)
	assert.Equal(t, []string{`status into HubSpot property "cs_status": HubSpot property "cs_status": "Trial" is not one of the allowed values ["Active", "inactive"]; not written`}, p.Problems)
}
