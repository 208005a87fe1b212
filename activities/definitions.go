package activities

import (
	"context"
	"time"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
)

// DefinitionTTL is how long a worker process remembers definitions that change rarely: the
// ClientSuccess statuses and contact custom fields, and HubSpot contact property definitions.
const DefinitionTTL = time.Minute

// DefinitionCache remembers, for a short time, the definitions every contact's mapped fields
// and status need, so a batch does not read them once per contact. An edit to a definition is
// seen within TTL. It is safe for concurrent use; nil asks every time.
type DefinitionCache struct {
	TTL time.Duration
	Now func() time.Time // time.Now when nil; tests set it

	entries expiring[any]
}

// NewDefinitionCache makes a cache whose entries live ttl; ttl ≤ 0 gives nil (no caching).
func NewDefinitionCache(ttl time.Duration) *DefinitionCache {
	if ttl <= 0 {
		return nil
	}
	return &DefinitionCache{TTL: ttl}
}

// cachedLoad answers key from the cache, or loads and remembers it. Errors are not remembered.
// Two callers missing at once both load: harmless, and simpler than waiting on each other.
func cachedLoad[T any](c *DefinitionCache, key string, load func() (T, error)) (T, error) {
	if c != nil {
		if v, ok := c.entries.get(key, clockNow(c.Now)); ok {
			return v.(T), nil
		}
	}
	v, err := load()
	if err != nil || c == nil {
		return v, err
	}
	c.entries.put(key, v, clockNow(c.Now).Add(c.TTL))
	return v, nil
}

// statuses lists the ClientSuccess statuses.
func (a *Activities) statuses(ctx context.Context) ([]mapping.Status, error) {
	return cachedLoad(a.Definitions, "cs:statuses", func() ([]mapping.Status, error) {
		list, err := a.ClientSuccess.ListClientStatuses(ctx)
		if err != nil {
			return nil, toTemporal(err)
		}
		out := make([]mapping.Status, len(list))
		for i, s := range list {
			out[i] = mapping.Status{ID: s.ID, Code: s.Code, Description: s.Description}
		}
		return out, nil
	})
}

// customFields lists the ClientSuccess contact custom-field definitions.
func (a *Activities) customFields(ctx context.Context) ([]mapping.CustomFieldDef, error) {
	return cachedLoad(a.Definitions, "cs:contact-custom-fields", func() ([]mapping.CustomFieldDef, error) {
		list, err := a.ClientSuccess.ListContactCustomFields(ctx)
		if err != nil {
			return nil, toTemporal(err)
		}
		return CustomFieldDefsOf(list), nil
	})
}

// CustomFieldDefsOf is what the mapping needs of ClientSuccess contact custom-field definitions.
func CustomFieldDefsOf(list []clientsuccess.CustomField) []mapping.CustomFieldDef {
	out := make([]mapping.CustomFieldDef, len(list))
	for i, f := range list {
		out[i] = mapping.CustomFieldDef{ID: f.ID, Label: f.Label, Type: f.Type}
	}
	return out
}

// contactProperty reads a HubSpot contact property definition.
func (a *Activities) contactProperty(ctx context.Context, name string) (mapping.PropertyDef, error) {
	return cachedLoad(a.Definitions, "hs:contacts:"+name, func() (mapping.PropertyDef, error) {
		p, err := a.HubSpot.GetProperty(ctx, "contacts", name)
		if err != nil {
			return mapping.PropertyDef{}, toTemporal(err)
		}
		return PropertyDefOf(p), nil
	})
}

// PropertyDefOf is what the mapping needs of a HubSpot property definition.
func PropertyDefOf(p *hubspot.Property) mapping.PropertyDef {
	def := mapping.PropertyDef{Name: p.Name, Type: p.Type, ReadOnly: p.ReadOnlyValue(), MultipleChoice: p.MultipleChoice()}
	for _, o := range p.Options {
		def.Options = append(def.Options, mapping.Option{Value: o.Value, Label: o.Label})
	}
	return def
}
