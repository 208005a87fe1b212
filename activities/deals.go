package activities

import (
	"context"

	"github.com/cssync/cssync/internal/apierr"
)

// WriteDealIDInput is the deal id to write into a contact's deal id property.
type WriteDealIDInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	DealID           string `json:"dealId"`
}

// WriteDealID sets the contact's deal id property to the deal the resolver chose, so HubSpot
// users see the same answer. Writing the same value again changes nothing; a contact deleted
// meanwhile is left alone.
func (a *Activities) WriteDealID(ctx context.Context, in WriteDealIDInput) error {
	_, err := a.HubSpot.UpdateObject(ctx, "contacts", in.HubSpotContactID, map[string]string{a.Properties.DealID: in.DealID})
	if apierr.Is(err, apierr.NotFound) {
		return nil
	}
	return toTemporal(err)
}
