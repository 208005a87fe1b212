package activities

import (
	"context"
	"errors"

	"github.com/cssync/cssync/internal/mapping"
)

// PushStatusInput names the ClientSuccess record whose status goes to the HubSpot contact's
// enumeration property.
type PushStatusInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	ClientID         int64  `json:"clientId"`
	ContactID        int64  `json:"contactId"`
	Property         string `json:"property"`
	// StatusKnown says StatusID is the record's status as the caller just read or wrote it, so
	// the record is not read again. Older histories lack it.
	StatusKnown bool `json:"statusKnown,omitempty"`
	StatusID    *int `json:"statusId,omitempty"`
	// DryRun computes the value and whether it would be written, and writes nothing.
	DryRun bool `json:"dryRun,omitempty"`
}

// PushStatusResult says what the status write did.
type PushStatusResult struct {
	// Value is the option value HubSpot holds now ("" when cleared).
	Value   string `json:"value,omitempty"`
	Written bool   `json:"written,omitempty"` // written (or, in a dry run, would be)
	// Problem names a status that has no option in the property (and the allowed options);
	// nothing was written. It is a recorded result, not a failure to retry.
	Problem string `json:"problem,omitempty"`
}

// PushContactStatus writes the ClientSuccess contact's status into the HubSpot property, as the
// property's exact option value (mapping.StatusToHubSpot), only when it differs from HubSpot's.
// The statuses and the property's options come from a.Definitions; the record is read only when
// the caller does not pass its status (StatusKnown, as in older histories).
func (a *Activities) PushContactStatus(ctx context.Context, in PushStatusInput) (PushStatusResult, error) {
	id := 0
	if in.StatusKnown {
		if in.StatusID != nil {
			id = *in.StatusID
		}
	} else {
		c, err := a.ClientSuccess.GetContact(ctx, in.ClientID, in.ContactID)
		if err != nil {
			return PushStatusResult{}, toTemporal(err)
		}
		if c.StatusID != nil {
			id = *c.StatusID
		}
	}
	statuses, err := a.statuses(ctx)
	if err != nil {
		return PushStatusResult{}, err
	}
	prop, err := a.contactProperty(ctx, in.Property)
	if err != nil {
		return PushStatusResult{}, err
	}
	value, err := mapping.StatusToHubSpot(in.Property, prop.Options, statuses, id)
	if errors.Is(err, mapping.ErrUnknownValue) {
		return PushStatusResult{Problem: err.Error()}, nil
	}
	if err != nil {
		return PushStatusResult{}, err
	}
	obj, err := a.HubSpot.GetObject(ctx, "contacts", in.HubSpotContactID, []string{in.Property})
	if err != nil {
		return PushStatusResult{}, toTemporal(err)
	}
	if obj.Properties[in.Property] == value {
		return PushStatusResult{Value: value}, nil
	}
	if in.DryRun {
		return PushStatusResult{Value: value, Written: true}, nil
	}
	if _, err := a.HubSpot.UpdateObject(ctx, "contacts", in.HubSpotContactID, map[string]string{in.Property: value}); err != nil {
		return PushStatusResult{}, toTemporal(err)
	}
	return PushStatusResult{Value: value, Written: true}, nil
}
