package clientsuccess

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// A Contact's wire rules. The details PUT replaces the whole record, so a Contact writes back
// every key it read:
//   - every typed field is written, an empty one as null, except the server-managed keys, which
//     are left out when empty so that a create carries none of them;
//   - then every Extra key the typed fields do not claim, with its value as read (null stays null);
//   - a key in neither is not sent, so the PUT clears it.
//
// Reading puts every key the typed fields do not claim into Extra. So GET, change, PUT sends each
// untouched Extra value as read and each untouched typed value as the same JSON value: a typed
// string reads "" and null alike and writes both as null, which ClientSuccess stores the same way.
// (The request encoder compacts values and escapes <, > and &, which leaves every value equal.)

// serverManagedKeys are the contact keys ClientSuccess assigns itself: the record's identity, its
// client, and the name it derives from firstName and lastName. ForCreate clears exactly these, and
// they are the keys left out when empty. Server timestamps belong here once a record shows any.
var serverManagedKeys = []string{"id", "uuid", "clientId", "name"}

// contactFields has Contact's fields and tags without its methods: it decodes the typed keys.
type contactFields Contact

// typedContactKeys are the JSON keys of Contact's typed fields, lower-cased (encoding/json
// matches keys case-insensitively), read from the tags so the list cannot drift from the struct.
var typedContactKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[contactFields]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys[strings.ToLower(name)] = true
		}
	}
	return keys
}()

func isTypedContactKey(k string) bool { return typedContactKeys[strings.ToLower(k)] }

// contactWire is how the typed fields go out: all present, null when empty, but the
// server-managed keys only when set.
type contactWire struct {
	ID                int64              `json:"id,omitempty"`
	UUID              string             `json:"uuid,omitempty"`
	ClientID          int64              `json:"clientId,omitempty"`
	StatusID          *int               `json:"statusId"`
	Email             *string            `json:"email"`
	Phone             *string            `json:"phone"`
	Mobile            *string            `json:"mobile"`
	Title             *string            `json:"title"`
	FirstName         *string            `json:"firstName"`
	LastName          *string            `json:"lastName"`
	ExternalID        *string            `json:"externalId"`
	ExecutiveSponsor  bool               `json:"executiveSponsor"`
	Champion          bool               `json:"champion"`
	KeyContact        bool               `json:"keyContact"`
	CustomFieldValues []CustomFieldValue `json:"customFieldValues"` // nil as null, empty as []: both read back as they were
	Name              string             `json:"name,omitempty"`
}

// orNull is nil for "", so the field goes out as null.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MarshalJSON writes the typed fields, then every Extra key they do not claim, sorted.
func (c Contact) MarshalJSON() ([]byte, error) {
	typed, err := json.Marshal(contactWire{
		ID: c.ID, UUID: c.UUID, ClientID: c.ClientID, StatusID: c.StatusID,
		Email: orNull(c.Email), Phone: orNull(c.Phone), Mobile: orNull(c.Mobile), Title: orNull(c.Title),
		FirstName: orNull(c.FirstName), LastName: orNull(c.LastName), ExternalID: orNull(c.ExternalID),
		ExecutiveSponsor: c.ExecutiveSponsor, Champion: c.Champion, KeyContact: c.KeyContact,
		CustomFieldValues: c.CustomFieldValues, Name: c.Name,
	})
	if err != nil {
		return nil, err
	}
	keys := slices.Sorted(maps.Keys(c.Extra))
	keys = slices.DeleteFunc(keys, isTypedContactKey)
	if len(keys) == 0 {
		return typed, nil
	}
	var b bytes.Buffer
	b.Write(typed[:len(typed)-1]) // the typed object always has keys (the flags), so a comma follows
	for _, k := range keys {
		name, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.WriteByte(',')
		b.Write(name)
		b.WriteByte(':')
		if v := c.Extra[k]; len(v) > 0 {
			b.Write(v)
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the typed fields and keeps every other key, as read, in Extra (nil when
// there is none).
func (c *Contact) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil // as for any struct: null leaves the value alone
	}
	var typed contactFields
	if err := json.Unmarshal(data, &typed); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	maps.DeleteFunc(all, func(k string, _ json.RawMessage) bool { return isTypedContactKey(k) })
	if len(all) == 0 {
		all = nil
	}
	typed.Extra = all
	*c = Contact(typed)
	return nil
}

// ForCreate returns a copy fit to create on another client (a move): the server-managed keys
// (id, uuid, clientId, the derived name) are cleared; everything else, status, flags, custom
// field values and every Extra field, is kept.
func (c Contact) ForCreate() Contact {
	out := c.Clone()
	out.ID, out.UUID, out.ClientID, out.Name = 0, "", 0, ""
	for _, k := range serverManagedKeys {
		delete(out.Extra, k)
	}
	return out
}

// Clone returns a deep copy: changing it never changes c.
func (c Contact) Clone() Contact {
	if c.StatusID != nil {
		id := *c.StatusID
		c.StatusID = &id
	}
	if c.CustomFieldValues != nil {
		vals := make([]CustomFieldValue, len(c.CustomFieldValues))
		for i, v := range c.CustomFieldValues {
			v.Value = bytes.Clone(v.Value)
			vals[i] = v
		}
		c.CustomFieldValues = vals
	}
	if c.Extra != nil {
		extra := make(map[string]json.RawMessage, len(c.Extra))
		for k, v := range c.Extra {
			extra[k] = bytes.Clone(v)
		}
		c.Extra = extra
	}
	return c
}
