package clientsuccess

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorded is a contact detail shaped like the real API's: typed fields, fields the struct does
// not know (some null), and a nested object.
const recorded = `{"id":700001,"uuid":"cnt_pzda6yfp","clientId":9001,"statusId":null,"email":"pat@example.com",
	"phone":null,"mobile":"+1 555","title":"CFO","firstName":"Pat","lastName":"Manual","externalId":"51",
	"executiveSponsor":true,"champion":false,"keyContact":false,
	"customFieldValues":[{"fieldId":1,"name":"seats","label":"Seats","value":3,"type":"INTEGER"}],"name":"Pat Manual",
	"linkedinUrl":"https://www.linkedin.com/in/pat","note":"Prefers email","advocate":true,"starred":false,
	"preferredName":null,"contactState":"ACTIVE","street":null,"zip":"02139",
	"futureField":{"nested":[1,2,{"a":null}]}}`

func decodeObject(t *testing.T, data []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &m), string(data))
	return m
}

func TestContactRoundTripKeepsEveryField(t *testing.T) {
	var c Contact
	require.NoError(t, json.Unmarshal([]byte(recorded), &c))
	assert.Equal(t, "Pat Manual", c.Name)
	assert.Equal(t, "", c.Phone, "a typed null reads as empty")
	assert.Equal(t, []string{"advocate", "contactState", "futureField", "linkedinUrl", "note", "preferredName", "starred", "street", "zip"},
		slices.Sorted(maps.Keys(c.Extra)), "every key the struct does not type, null ones included")
	assert.Equal(t, `null`, string(c.Extra["preferredName"]))

	c.Title = "CEO"
	out, err := json.Marshal(c)
	require.NoError(t, err)
	read, sent := decodeObject(t, []byte(recorded)), decodeObject(t, out)
	assert.Equal(t, slices.Sorted(maps.Keys(read)), slices.Sorted(maps.Keys(sent)), "every key read is sent back")
	for k, v := range read {
		if k == "title" {
			assert.JSONEq(t, `"CEO"`, string(sent[k]))
			continue
		}
		assert.JSONEq(t, string(v), string(sent[k]), k)
		if !isTypedContactKey(k) {
			assert.Equal(t, string(v), string(sent[k]), "%s is sent byte for byte", k)
		}
	}

	var again Contact
	require.NoError(t, json.Unmarshal(out, &again))
	c.Title = "CEO"
	assert.Equal(t, c, again, "decoding what was sent gives the same contact")
}

func TestContactEmptyTypedFieldAndExtraNull(t *testing.T) {
	c := Contact{ID: 5, Email: "", Extra: map[string]json.RawMessage{"note": json.RawMessage(`null`), "starred": nil}}
	out, err := json.Marshal(c)
	require.NoError(t, err)
	sent := decodeObject(t, out)
	// Both clear the field on the server: a typed "" is written as null, an Extra null as null.
	assert.Equal(t, `null`, string(sent["email"]))
	assert.Equal(t, `null`, string(sent["note"]))
	assert.Equal(t, `null`, string(sent["starred"]), "an empty raw value is null")
	assert.NotContains(t, sent, "linkedinUrl", "a key in neither is not sent: the PUT clears it")

	var back Contact
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, "", back.Email)
	assert.Contains(t, back.Extra, "note", "an Extra null is kept as a key")
	assert.Equal(t, `null`, string(back.Extra["note"]))
}

func TestExtraNeverOverridesTypedField(t *testing.T) {
	c := Contact{Email: "ann@acme.com", Extra: map[string]json.RawMessage{"email": json.RawMessage(`"other@acme.com"`),
		"Title": json.RawMessage(`"Boss"`), "linkedinUrl": json.RawMessage(`"x"`)}}
	out, err := json.Marshal(c)
	require.NoError(t, err)
	sent := decodeObject(t, out)
	assert.JSONEq(t, `"ann@acme.com"`, string(sent["email"]))
	assert.Equal(t, `null`, string(sent["title"]))
	assert.NotContains(t, sent, "Title", "a key the typed fields claim, in any case, is not written from Extra")
	assert.JSONEq(t, `"x"`, string(sent["linkedinUrl"]))
}

func TestContactNullAndBadJSON(t *testing.T) {
	var c *Contact
	require.NoError(t, json.Unmarshal([]byte(`null`), &c))
	assert.Nil(t, c)
	var list []Contact
	require.NoError(t, json.Unmarshal([]byte(`[{"id":1,"email":"a@b"},{"id":2,"x":1}]`), &list))
	assert.Nil(t, list[0].Extra)
	assert.JSONEq(t, `1`, string(list[1].Extra["x"]))
	var bad Contact
	require.Error(t, json.Unmarshal([]byte(`{"id":"seven"}`), &bad))
	require.Error(t, json.Unmarshal([]byte(`[1]`), &bad))
}

func TestForCreateDropsExactlyTheServerManagedKeys(t *testing.T) {
	var c Contact
	require.NoError(t, json.Unmarshal([]byte(recorded), &c))
	c.Extra["uuid"] = json.RawMessage(`"should not matter"`) // a stray copy in Extra goes too
	created := c.ForCreate()

	full, err := json.Marshal(c)
	require.NoError(t, err)
	fresh, err := json.Marshal(created)
	require.NoError(t, err)
	before, after := decodeObject(t, full), decodeObject(t, fresh)
	var dropped []string
	for k, v := range before {
		if _, kept := after[k]; !kept {
			dropped = append(dropped, k)
			continue
		}
		assert.Equal(t, string(v), string(after[k]), "%s is kept as it was", k)
	}
	assert.ElementsMatch(t, serverManagedKeys, dropped)
	assert.Len(t, after, len(before)-len(serverManagedKeys))

	created.Extra["note"] = json.RawMessage(`"changed"`)
	created.CustomFieldValues[0].Value[0] = '9'
	assert.Equal(t, `"Prefers email"`, string(c.Extra["note"]), "ForCreate returns a copy")
	assert.JSONEq(t, `3`, string(c.CustomFieldValues[0].Value))
}
