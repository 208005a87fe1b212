package preflight

import (
	"context"
	"errors"
	"fmt"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/mapping"
)

// checkMapping checks FIELD_MAPPING_FILE against the HubSpot contact property definitions and,
// when it names custom fields, the ClientSuccess contact custom-field definitions: a mapping that
// names something that does not exist, or cannot carry the field, is one problem each.
func checkMapping(ctx context.Context, d Deps) []Problem {
	path := d.Config.FieldMappingFile
	fail := func(cause error, format string, args ...any) []Problem {
		return []Problem{{Setting: "FIELD_MAPPING_FILE", Message: path + ": " + fmt.Sprintf(format, args...), Transient: transient(cause)}}
	}
	props := map[string]mapping.PropertyDef{}
	for _, name := range d.Mapping.HubSpotProperties() {
		p, err := d.HubSpot.GetProperty(ctx, "contacts", name)
		if apierr.Is(err, apierr.NotFound) {
			continue // CheckDefinitions names it
		}
		if err != nil {
			return fail(err, "reading HubSpot contact property %q: %v", name, err)
		}
		props[name] = activities.PropertyDefOf(p)
	}
	var customs []mapping.CustomFieldDef
	if d.Mapping.CustomFields() {
		fields, err := d.ClientSuccess.ListContactCustomFields(ctx)
		if err != nil {
			return fail(err, "reading ClientSuccess contact custom fields: %v", err)
		}
		customs = activities.CustomFieldDefsOf(fields)
	}
	if err := d.Mapping.CheckDefinitions(props, customs); err != nil {
		return fail(nil, "%v", err)
	}
	return nil
}

// transient reports an error worth trying again: no answer at all, or one the API says may pass.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var e *apierr.Error
	return !errors.As(err, &e) || e.Retryable()
}
