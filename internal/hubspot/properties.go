package hubspot

import (
	"context"
	"net/http"
)

// Option is one allowed value of an enumeration property. Writes must use Value, exactly.
type Option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// Property is a property definition. Type is one of bool date datetime enumeration number
// phone_number string; FieldType one of booleancheckbox select radio checkbox text textarea
// number date and others.
type Property struct {
	Name      string   `json:"name"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	FieldType string   `json:"fieldType"`
	GroupName string   `json:"groupName"`
	Options   []Option `json:"options"`
	// Calculated and ModificationMetadata.ReadOnlyValue mark a property HubSpot sets itself;
	// a write to it is refused (READ_ONLY_VALUE).
	Calculated           bool                  `json:"calculated,omitempty"`
	ModificationMetadata *ModificationMetadata `json:"modificationMetadata,omitempty"`
}

// ModificationMetadata says what of a property may be changed.
type ModificationMetadata struct {
	ReadOnlyValue bool `json:"readOnlyValue"`
}

// ReadOnlyValue reports whether HubSpot refuses writes to the property's value.
func (p Property) ReadOnlyValue() bool {
	return p.Calculated || (p.ModificationMetadata != nil && p.ModificationMetadata.ReadOnlyValue)
}

// MultipleChoice reports whether the property holds several options at once (multiple
// checkboxes, values joined with ";").
func (p Property) MultipleChoice() bool {
	return p.Type == "enumeration" && p.FieldType == "checkbox"
}

// GetProperty reads one property definition; an unknown name is an apierr.NotFound error.
func (c *Client) GetProperty(ctx context.Context, objectType, name string) (*Property, error) {
	path := c.propertiesPath + "/" + escape(objectType) + "/" + escape(name)
	if objectType == "" || name == "" {
		return nil, c.invalid(http.MethodGet, path, "object type and property name are required")
	}
	var p Property
	if _, err := c.do(ctx, request{method: http.MethodGet, path: path}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
