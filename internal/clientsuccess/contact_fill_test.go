package clientsuccess

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFillBlanksTakesOnlyWhatTheKeptRecordLacks(t *testing.T) {
	var kept, extra Contact
	require.NoError(t, json.Unmarshal([]byte(`{"id":2,"uuid":"new","clientId":20,"externalId":"51","email":"bh@hubspot.com",
		"firstName":"Brian","title":null,"champion":false,"keyContact":true,"statusId":null,
		"customFieldValues":[{"fieldId":1,"value":null},{"fieldId":2,"value":"kept"}],
		"note":null,"linkedinUrl":"https://kept","name":"Brian"}`), &kept))
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"uuid":"old","clientId":10,"externalId":"17","email":"csm-typed@example.org",
		"firstName":"Bri","title":"CEO","champion":true,"keyContact":false,"statusId":3,
		"customFieldValues":[{"fieldId":1,"value":12},{"fieldId":2,"value":"other"},{"fieldId":3,"value":"only here"},{"fieldId":4,"value":null}],
		"note":"CSM note","linkedinUrl":"https://other","preferredName":"Bri","advocate":false,"name":"Bri Halligan"}`), &extra))

	require.True(t, kept.FillBlanks(extra))

	var got map[string]any
	data, err := json.Marshal(kept)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &got))
	want := map[string]any{
		"id": 2.0, "uuid": "new", "clientId": 20.0, "externalId": "51", "name": "Brian", // identity and owner stay
		"email": "bh@hubspot.com", "firstName": "Brian", "linkedinUrl": "https://kept", "keyContact": true, // values it had win
		"title": "CEO", "champion": true, "statusId": 3.0, "note": "CSM note", "preferredName": "Bri", // blanks filled
		"phone": nil, "mobile": nil, "lastName": nil, "executiveSponsor": false,
		"customFieldValues": []any{
			map[string]any{"fieldId": 1.0, "value": 12.0},
			map[string]any{"fieldId": 2.0, "value": "kept"},
			map[string]any{"fieldId": 3.0, "value": "only here"},
		},
	}
	require.Equal(t, want, got)
	require.False(t, kept.FillBlanks(extra), "a second fill finds no blank left")
	require.NotContains(t, kept.Extra, "advocate", "false fills nothing")
}

func TestFillBlanksFromItsOwnCopyChangesNothing(t *testing.T) {
	var c Contact
	require.NoError(t, json.Unmarshal([]byte(recorded), &c))
	before, err := json.Marshal(c)
	require.NoError(t, err)
	require.False(t, c.FillBlanks(c.Clone()))
	after, err := json.Marshal(c)
	require.NoError(t, err)
	require.JSONEq(t, string(before), string(after))
}
