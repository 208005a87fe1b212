package activities

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

// MappedResult says what an extended field mapping did for one contact, beyond the outcome.
type MappedResult struct {
	// Changed names the ClientSuccess fields written (or, in a dry run, to be written): standard
	// field names, custom field labels, "status".
	Changed []string `json:"changed,omitempty"`
	// HubSpot holds the HubSpot properties to write, with their values.
	HubSpot map[string]string `json:"hubspot,omitempty"`
	// HubSpotWritten is set once they are written (never in a dry run).
	HubSpotWritten bool `json:"hubspotWritten,omitempty"`
	// Problems name values that could not be carried (a value that does not convert, a status
	// or option with no match); nothing was written for those fields. Recorded, not retried.
	Problems []string `json:"problems,omitempty"`
}

// planMapped applies an extended mapping to a ClientSuccess record: it plans every mapped field
// from the HubSpot values hs (mapping.PlanContact), changes c accordingly and reports whether
// the record changed, with what is to be written to HubSpot.
func (a *Activities) planMapped(ctx context.Context, hs map[string]string, c *clientsuccess.Contact, isNew bool) (*MappedResult, bool, error) {
	m := a.fieldMapping()
	var defs mapping.Definitions
	var err error
	if m.CustomFields() {
		if defs.Custom, err = a.customFields(ctx); err != nil {
			return nil, false, err
		}
	}
	if m.Status != nil && m.Status.Direction != mapping.ToHubSpot {
		if defs.Statuses, err = a.statuses(ctx); err != nil {
			return nil, false, err
		}
	}
	// Values written to HubSpot enumerations are resolved against their options.
	written := map[string]bool{}
	for _, fd := range m.Fields {
		if fd.Direction != mapping.ToClientSuccess {
			written[fd.HubSpot] = true
		}
	}
	if m.Status != nil && m.Status.Direction == mapping.Both {
		written[m.Status.HubSpot] = true
	}
	for _, name := range m.HubSpotProperties() { // file order: the reads are the same every time
		if !written[name] {
			continue
		}
		p, err := a.contactProperty(ctx, name)
		if err != nil {
			return nil, false, err
		}
		if p.Type == "enumeration" {
			if defs.Options == nil {
				defs.Options = map[string][]mapping.Option{}
			}
			defs.Options[name] = p.Options
		}
	}

	rec := mapping.Record{Fields: fieldsOf(*c), Custom: map[int64]json.RawMessage{}, New: isNew}
	for _, v := range c.CustomFieldValues {
		rec.Custom[v.FieldID] = v.Value
	}
	if c.StatusID != nil {
		rec.StatusID = *c.StatusID
	}
	plan := m.PlanContact(hs, rec, defs)

	changed := syncplan.FieldsChanged(rec.Fields, plan.Fields) || len(plan.Custom) > 0 || plan.StatusID != 0
	setFields(c, plan.Fields)
	if len(plan.Custom) > 0 {
		// PUT replaces every custom value: send them all back, the changed ones changed.
		vals := slices.Clone(c.CustomFieldValues)
		for _, id := range sortedKeys(plan.Custom) {
			i := slices.IndexFunc(vals, func(v clientsuccess.CustomFieldValue) bool { return v.FieldID == id })
			if i < 0 {
				vals = append(vals, clientsuccess.CustomFieldValue{FieldID: id})
				i = len(vals) - 1
			}
			vals[i].Value = plan.Custom[id]
		}
		c.CustomFieldValues = vals
	}
	if plan.StatusID != 0 {
		id := plan.StatusID
		c.StatusID = &id
	}
	return &MappedResult{Changed: plan.Changed, HubSpot: plan.HubSpot, Problems: plan.Problems}, changed, nil
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// WritePropertiesInput names the HubSpot contact properties to write.
type WritePropertiesInput struct {
	HubSpotContactID string            `json:"hubspotContactId"`
	Properties       map[string]string `json:"properties"`
}

// WriteContactProperties writes ClientSuccess values into HubSpot contact properties (the
// to_hubspot and two-way fields of an extended mapping). The values are final (enumerations
// already hold the option's exact value), so a retry writes the same thing again.
func (a *Activities) WriteContactProperties(ctx context.Context, in WritePropertiesInput) error {
	if len(in.Properties) == 0 {
		return nil
	}
	if _, err := a.HubSpot.UpdateObject(ctx, "contacts", in.HubSpotContactID, in.Properties); err != nil {
		return toTemporal(err)
	}
	return nil
}
