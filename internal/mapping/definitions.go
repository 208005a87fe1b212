package mapping

import (
	"fmt"
	"sort"
	"strings"
)

// PropertyDef is what the start-up check needs of a HubSpot property definition.
type PropertyDef struct {
	Name    string
	Type    string // bool date datetime enumeration number phone_number string
	Options []Option
	// ReadOnly: HubSpot sets the value itself (calculated or read-only) and refuses writes.
	ReadOnly bool
	// MultipleChoice: an enumeration of multiple checkboxes, holding several options at once.
	MultipleChoice bool
}

// CustomFieldDef is what the start-up check needs of a ClientSuccess contact custom field.
type CustomFieldDef struct {
	ID    int64
	Label string
	Type  string // STRING INTEGER DECIMAL BOOLEAN DATE
}

// compatible lists, per ClientSuccess field type, the HubSpot property types that carry it
// without loss. Standard contact fields are text ("STRING").
var compatible = map[string][]string{
	"STRING":  {"string", "phone_number", "enumeration"},
	"INTEGER": {"number"},
	"DECIMAL": {"number"},
	"BOOLEAN": {"bool"},
	"DATE":    {"date"},
}

// CheckDefinitions validates the mapping against the systems' own definitions: props holds the
// HubSpot contact properties that exist, by name (a mapped name missing from it does not exist);
// customs the ClientSuccess contact custom fields. An unknown property or custom field, or a type
// that cannot carry the other side's values, is an error that names it. The status property must
// be an enumeration with at least one option.
func (f File) CheckDefinitions(props map[string]PropertyDef, customs []CustomFieldDef) error {
	for i, fd := range f.Fields {
		where := fmt.Sprintf("fields[%d]", i)
		p, ok := props[fd.HubSpot]
		if !ok {
			return fmt.Errorf("%s: HubSpot contact property %q does not exist (mapped to %s)", where, fd.HubSpot, fd.Target())
		}
		csType := "STRING"
		if fd.Custom != "" {
			c, ok := findCustom(customs, fd.Custom)
			if !ok {
				return fmt.Errorf("%s: %s does not exist; contact custom fields are: %s", where, fd.Target(), customLabels(customs))
			}
			csType = strings.ToUpper(c.Type)
		}
		if !contains(compatible[csType], p.Type) {
			return fmt.Errorf("%s: HubSpot contact property %q is of type %s, which cannot carry %s of type %s (needs one of %s)",
				where, fd.HubSpot, p.Type, fd.Target(), csType, strings.Join(compatible[csType], ", "))
		}
		if fd.Direction != ToClientSuccess {
			if err := writable(where, p, fd.Direction); err != nil {
				return err
			}
		}
	}
	if s := f.Status; s != nil {
		p, ok := props[s.HubSpot]
		switch {
		case !ok:
			return fmt.Errorf("status: HubSpot contact property %q does not exist", s.HubSpot)
		case p.Type != "enumeration":
			return fmt.Errorf("status: HubSpot contact property %q is of type %s, not enumeration", s.HubSpot, p.Type)
		case len(p.Options) == 0:
			return fmt.Errorf("status: HubSpot contact property %q has no options", s.HubSpot)
		case p.MultipleChoice:
			return fmt.Errorf("status: HubSpot contact property %q is a multiple checkboxes property; a status is one value, so it needs a single choice (select or radio)", s.HubSpot)
		}
		if s.Direction != ToClientSuccess {
			if err := writable("status", p, s.Direction); err != nil {
				return err
			}
		}
	}
	return nil
}

// writable checks that the sync can write a property it carries to HubSpot: HubSpot refuses
// writes to read-only values, and one ClientSuccess value cannot stand for several checkboxes.
func writable(where string, p PropertyDef, d Direction) error {
	switch {
	case p.ReadOnly:
		return fmt.Errorf("%s: HubSpot contact property %q is read-only (HubSpot sets or calculates it), so direction %s cannot write it; use %s",
			where, p.Name, d, ToClientSuccess)
	case p.MultipleChoice:
		return fmt.Errorf("%s: HubSpot contact property %q is a multiple checkboxes property, which direction %s cannot write one value into; use a single choice (select or radio) or %s",
			where, p.Name, d, ToClientSuccess)
	}
	return nil
}

// CustomFields reports whether the mapping names any ClientSuccess custom field.
func (f File) CustomFields() bool {
	for _, fd := range f.Fields {
		if fd.Custom != "" {
			return true
		}
	}
	return false
}

// findCustom finds a custom field by label, ignoring case and surrounding spaces.
func findCustom(customs []CustomFieldDef, label string) (CustomFieldDef, bool) {
	for _, c := range customs {
		if strings.EqualFold(strings.TrimSpace(c.Label), strings.TrimSpace(label)) {
			return c, true
		}
	}
	return CustomFieldDef{}, false
}

func customLabels(customs []CustomFieldDef) string {
	if len(customs) == 0 {
		return "(none)"
	}
	labels := make([]string, len(customs))
	for i, c := range customs {
		labels[i] = fmt.Sprintf("%q", c.Label)
	}
	sort.Strings(labels)
	return strings.Join(labels, ", ")
}
