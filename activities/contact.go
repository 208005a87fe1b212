package activities

import (
	"context"
	"slices"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

// maxRawDealID bounds the deal id value carried into history; longer values are invalid anyway.
const maxRawDealID = 64

// mergedIDsProperty lists the ids HubSpot folded into a record by merges (semicolon-separated).
const mergedIDsProperty = "hs_merged_object_ids"

// maxMergedIDs bounds the merged ids carried into history; a contact merged more often than this
// is not a person.
const maxMergedIDs = 100

// Contact is what the sync needs to know about one HubSpot contact.
type Contact struct {
	ID      string `json:"id"`
	Found   bool   `json:"found"`
	Checked bool   `json:"checked"`
	// DealIDValue is the raw deal id property, cut to a bounded length.
	DealIDValue string                 `json:"dealIdValue,omitempty"`
	Fields      syncplan.ContactFields `json:"fields"`
	// Invalid says why Fields cannot be written to ClientSuccess; empty when they can.
	Invalid string `json:"invalid,omitempty"`
	// Resolver names how the contact's client is found (ResolverProperty, ResolverAssociations,
	// ResolverCompanies), as configured when it was read.
	Resolver string `json:"resolver,omitempty"`
	// StatusProperty is the HubSpot enumeration property the ClientSuccess contact status is
	// written to (a to_hubspot status mapping); empty means no status sync.
	StatusProperty string `json:"statusProperty,omitempty"`
	// Mapped holds the values of every HubSpot property an extended mapping names (see
	// mapping.File.Extended), clipped, by name; nil with the built-in mapping.
	Mapped map[string]string `json:"mapped,omitempty"`
	// MergedIDs are the ids HubSpot merged into this contact: records under them are its own.
	MergedIDs []string `json:"mergedIds,omitempty"`
	// MergedInto is the survivor's id when HubSpot answered for another contact: this id was
	// merged away, and its records belong to the survivor.
	MergedInto string `json:"mergedInto,omitempty"`
	// Deleted says HubSpot holds the contact only as archived (deleted); Fields are its last values.
	Deleted bool `json:"deleted,omitempty"`
	// RemoveWhenDeleted says a deleted contact's records are removed (DELETED_CONTACTS=remove),
	// not kept and reported.
	RemoveWhenDeleted bool `json:"removeWhenDeleted,omitempty"`
}

// Owner is the contact as the owner of ClientSuccess records: its id and the ids merged into it.
func (c Contact) Owner() syncplan.Owner { return syncplan.Owner{ID: c.ID, MergedIDs: c.MergedIDs} }

// ReadContact reads the contact's checkbox, deal id, merged ids and the fields the mapping feeds
// from HubSpot. A merged-away id answers for its survivor (MergedInto); a deleted contact is read
// from the archive (Deleted); a contact HubSpot has never had is Found false. None is an error.
func (a *Activities) ReadContact(ctx context.Context, contactID string) (Contact, error) {
	props := a.contactProperties()
	obj, err := a.HubSpot.GetObject(ctx, "contacts", contactID, props)
	if apierr.Is(err, apierr.NotFound) {
		return a.readDeleted(ctx, contactID, props)
	}
	if err != nil {
		return Contact{}, toTemporal(err)
	}
	if obj.ID != contactID {
		c := a.contactOf(*obj)
		return Contact{ID: contactID, Found: true, MergedInto: c.ID, MergedIDs: c.MergedIDs}, nil
	}
	return a.contactOf(*obj), nil
}

// readDeleted reads a contact HubSpot no longer answers for from its archive.
func (a *Activities) readDeleted(ctx context.Context, contactID string, props []string) (Contact, error) {
	obj, err := a.HubSpot.GetArchivedObject(ctx, "contacts", contactID, props)
	if apierr.Is(err, apierr.NotFound) {
		return Contact{ID: contactID, RemoveWhenDeleted: a.RemoveDeleted}, nil
	}
	if err != nil {
		return Contact{}, toTemporal(err)
	}
	c := a.contactOf(*obj)
	c.ID, c.Found, c.Deleted, c.Checked, c.RemoveWhenDeleted = contactID, false, true, false, a.RemoveDeleted
	return c, nil
}

// contactProperties are the HubSpot contact properties ReadContact (and the page plan) read.
func (a *Activities) contactProperties() []string {
	return append([]string{a.Properties.SyncCheckbox, a.Properties.DealID, mergedIDsProperty}, a.fieldMapping().HubSpotProperties()...)
}

// contactOf is what the sync needs of a contact record read with contactProperties.
func (a *Activities) contactOf(obj hubspot.Object) Contact {
	m := a.fieldMapping()
	fields := m.ContactFields(obj.Properties)
	c := Contact{
		ID:          obj.ID,
		Found:       true,
		Checked:     checked(obj.Properties[a.Properties.SyncCheckbox]),
		DealIDValue: syncplan.Clip(obj.Properties[a.Properties.DealID], maxRawDealID),
		Fields:      fields.Truncated(),
		Resolver:    a.resolver().mode(),
		MergedIDs:   mergedIDs(obj.ID, obj.Properties[mergedIDsProperty]),
	}
	if err := fields.Validate(); err != nil {
		c.Invalid = err.Error()
	}
	if m.Status != nil && m.Status.Direction == mapping.ToHubSpot {
		c.StatusProperty = m.Status.HubSpot
	}
	if m.Extended() {
		c.Mapped = map[string]string{}
		for _, name := range m.HubSpotProperties() {
			// Clipped past the length limit, so a runaway value is still seen as too long.
			c.Mapped[name] = syncplan.Clip(obj.Properties[name], syncplan.MaxFieldLength)
		}
	}
	return c
}

// mergedIDs parses hs_merged_object_ids: valid record ids other than the contact's own, once each.
func mergedIDs(own, raw string) []string {
	var ids []string
	for _, part := range strings.Split(raw, ";") {
		id, err := syncplan.ParseDealID(part)
		if err != nil || id == own || len(ids) >= maxMergedIDs || slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// checked reads a single-checkbox value: "true" is checked.
func checked(value string) bool { return strings.EqualFold(strings.TrimSpace(value), "true") }
