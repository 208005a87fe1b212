package csfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/cssync/cssync/internal/clientsuccess"
)

// A stored contact is its clientsuccess.Contact: the typed fields, plus in Extra every other field
// that was sent and has a value. The API answers every field, null when empty, so a client that
// forgets one on a PUT sees it blanked, as on the real API.

// standardField is a contact field real details carry beyond the typed ones.
type standardField struct {
	name string
	flag bool // a boolean: false when empty; otherwise a string, null when empty
}

// standardFields are the fields recorded real contact details carry that clientsuccess.Contact
// does not type. Any other key a client sends is stored and answered too: the set can grow.
var standardFields = []standardField{
	{"linkedinUrl", false}, {"note", false}, {"advocate", true}, {"starred", true},
	{"preferredName", false}, {"contactState", false}, {"street", false}, {"street2", false},
	{"city", false}, {"state", false}, {"zip", false}, {"country", false},
	{"timeZone", false}, {"twitterHandle", false},
}

// typedOf renders the typed fields, null when empty.
func typedOf(c *clientsuccess.Contact) map[string]any {
	vals := copyValues(c.CustomFieldValues)
	if vals == nil {
		vals = []clientsuccess.CustomFieldValue{}
	}
	return map[string]any{
		"id": c.ID, "uuid": c.UUID, "clientId": c.ClientID, "statusId": clonePtr(c.StatusID),
		"email": str(c.Email), "phone": str(c.Phone), "mobile": str(c.Mobile), "title": str(c.Title),
		"firstName": str(c.FirstName), "lastName": str(c.LastName), "externalId": str(c.ExternalID),
		"executiveSponsor": c.ExecutiveSponsor, "champion": c.Champion, "keyContact": c.KeyContact,
		"customFieldValues": vals, "name": str(c.Name),
	}
}

// typedKeys are the keys typedOf renders; stored extras never hold one.
var typedKeys = slices.Collect(maps.Keys(typedOf(&clientsuccess.Contact{})))

// contactOf renders a contact as the API answers it: every field, null (or false) when empty.
func contactOf(c *clientsuccess.Contact) map[string]any {
	out := typedOf(c)
	for _, f := range standardFields {
		if f.flag {
			out[f.name] = false
		} else {
			out[f.name] = nil
		}
	}
	for k, v := range c.Extra {
		out[k] = v
	}
	return out
}

// storedExtra is what the fake keeps of the extra fields sent: everything but typed keys and
// empty standard fields, which contactOf renders anyway.
func storedExtra(extra map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(extra))
	for k, v := range extra {
		if slices.Contains(typedKeys, k) {
			continue
		}
		if i := standardIndex(k); i >= 0 && isEmptyValue(v, standardFields[i].flag) {
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func standardIndex(name string) int {
	return slices.IndexFunc(standardFields, func(f standardField) bool { return f.name == name })
}

func isEmptyValue(v json.RawMessage, flag bool) bool {
	s := string(v)
	return s == "" || s == "null" || (flag && s == "false")
}

// extraProblem is the 400 message for a standard field sent with the wrong JSON type, or "".
func extraProblem(extra map[string]json.RawMessage) string {
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		i := standardIndex(name)
		if i < 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(extra[name], &v); err != nil {
			return fmt.Sprintf("Invalid value for %s", name)
		}
		switch v.(type) {
		case nil:
		case bool:
			if !standardFields[i].flag {
				return fmt.Sprintf("Invalid value %s for %s: a text is expected", extra[name], name)
			}
		case string:
			if standardFields[i].flag {
				return fmt.Sprintf("Invalid value %s for %s: true or false is expected", extra[name], name)
			}
		default:
			return fmt.Sprintf("Invalid value %s for %s", extra[name], name)
		}
	}
	return ""
}
