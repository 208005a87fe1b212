package workerapp

import (
	"fmt"
	"os"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/mapping"
)

// newMapping reads FIELD_MAPPING_FILE, or gives the built-in mapping when it is not set. The
// preflight checks a file against HubSpot's and ClientSuccess's definitions before polling starts.
func newMapping(cfg config.Worker) (mapping.File, error) {
	if cfg.FieldMappingFile == "" {
		return mapping.Default(), nil
	}
	return LoadMapping(cfg.FieldMappingFile)
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
