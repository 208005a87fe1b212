package workerapp

import (
	"context"
	"fmt"
	"os"

	"go.uber.org/fx"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
)

// newMapping reads FIELD_MAPPING_FILE (the built-in mapping when it is not set) and, for a file,
// checks it against HubSpot and ClientSuccess in a start hook that runs before the worker starts:
// a mapping that names something that does not exist stops the worker with a message naming it.
func newMapping(lc fx.Lifecycle, cfg config.Worker, hs *hubspot.Client, cs *clientsuccess.API) (mapping.File, error) {
	if cfg.FieldMappingFile == "" {
		return mapping.Default(), nil
	}
	m, err := LoadMapping(cfg.FieldMappingFile)
	if err != nil {
		return mapping.File{}, err
	}
	lc.Append(fx.StartHook(func(ctx context.Context) error { return CheckMapping(ctx, cfg.FieldMappingFile, m, hs, cs) }))
	return m, nil
}

// LoadMapping reads and checks a mapping file (mapping.Parse): every field in every direction,
// custom fields by label and the status in every direction are synced. Only email must be mapped
// (it identifies the contact); a standard field left unmapped keeps its ClientSuccess value.
func LoadMapping(path string) (mapping.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return mapping.File{}, fmt.Errorf("configuration: FIELD_MAPPING_FILE: %w", err)
	}
	m, err := mapping.Parse(data)
	if err != nil {
		return mapping.File{}, fmt.Errorf("configuration: FIELD_MAPPING_FILE %s: %w", path, err)
	}
	return m, nil
}

// CheckMapping checks a mapping against the HubSpot contact property definitions and, when it
// names custom fields, the ClientSuccess contact custom-field definitions.
func CheckMapping(ctx context.Context, path string, m mapping.File, hs *hubspot.Client, cs *clientsuccess.API) error {
	props := map[string]mapping.PropertyDef{}
	for _, name := range m.HubSpotProperties() {
		p, err := hs.GetProperty(ctx, "contacts", name)
		if apierr.Is(err, apierr.NotFound) {
			continue // CheckDefinitions names it
		}
		if err != nil {
			return fmt.Errorf("FIELD_MAPPING_FILE %s: reading HubSpot contact property %q: %w", path, name, err)
		}
		props[name] = activities.PropertyDefOf(p)
	}
	var customs []mapping.CustomFieldDef
	if m.CustomFields() {
		fields, err := cs.ListContactCustomFields(ctx)
		if err != nil {
			return fmt.Errorf("FIELD_MAPPING_FILE %s: reading ClientSuccess contact custom fields: %w", path, err)
		}
		customs = activities.CustomFieldDefsOf(fields)
	}
	if err := m.CheckDefinitions(props, customs); err != nil {
		return fmt.Errorf("FIELD_MAPPING_FILE %s: %w", path, err)
	}
	return nil
}
