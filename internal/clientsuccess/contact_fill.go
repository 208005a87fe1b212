package clientsuccess

import (
	"bytes"
	"encoding/json"
	"slices"
)

// FillBlanks gives c every value from that c leaves blank: a status, a text field, a flag that is
// off, a custom value, any other key (a CSM's note, a LinkedIn URL). It never touches the record's
// identity, client, owner or derived name, and never replaces a value c has. It reports whether c
// changed.
//
// The sync folds a contact's extra records into the one it keeps (a duplicate made while the
// original could not be found, a record of a merged contact). Deleting them whole would lose what
// a CSM typed only there; their values fill the gaps instead, and the kept record's own win.
func (c *Contact) FillBlanks(that Contact) bool {
	changed := false
	if c.StatusID == nil && that.StatusID != nil {
		id := *that.StatusID
		c.StatusID, changed = &id, true
	}
	for _, f := range []struct{ to, from *string }{
		{&c.Email, &that.Email}, {&c.Phone, &that.Phone}, {&c.Mobile, &that.Mobile},
		{&c.Title, &that.Title}, {&c.FirstName, &that.FirstName}, {&c.LastName, &that.LastName},
	} {
		if *f.to == "" && *f.from != "" {
			*f.to, changed = *f.from, true
		}
	}
	for _, f := range []struct{ to, from *bool }{
		{&c.ExecutiveSponsor, &that.ExecutiveSponsor}, {&c.Champion, &that.Champion}, {&c.KeyContact, &that.KeyContact},
	} {
		if !*f.to && *f.from {
			*f.to, changed = true, true
		}
	}
	for _, v := range that.CustomFieldValues {
		if isBlankJSON(v.Value) {
			continue
		}
		i := slices.IndexFunc(c.CustomFieldValues, func(own CustomFieldValue) bool { return own.FieldID == v.FieldID })
		switch {
		case i < 0:
			v.Value = bytes.Clone(v.Value)
			c.CustomFieldValues, changed = append(c.CustomFieldValues, v), true
		case isBlankJSON(c.CustomFieldValues[i].Value):
			c.CustomFieldValues[i].Value, changed = bytes.Clone(v.Value), true
		}
	}
	for k, v := range that.Extra {
		if isTypedContactKey(k) || slices.Contains(serverManagedKeys, k) || isBlankJSON(v) || !isBlankJSON(c.Extra[k]) {
			continue
		}
		if c.Extra == nil {
			c.Extra = map[string]json.RawMessage{}
		}
		c.Extra[k], changed = bytes.Clone(v), true
	}
	return changed
}

// isBlankJSON reports whether a raw value holds nothing: absent, null, "", false, [] or {}.
func isBlankJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "", "null", `""`, "false", "[]", "{}":
		return true
	}
	return false
}
