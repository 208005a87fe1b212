package syncplan

import "errors"

// Outcome is what one contact sync did, recorded as the workflow result and search attribute.
type Outcome string

const (
	Created         Outcome = "created"             // first time on its client
	Updated         Outcome = "updated"             // already on its client; fields changed
	Unchanged       Outcome = "unchanged"           // already on its client; nothing to write
	Moved           Outcome = "moved"               // removed from other clients and placed on its client
	NotChecked      Outcome = "skipped_not_checked" // checkbox unchecked: left alone, nothing written
	ContactNotFound Outcome = "contact_not_found"   // the HubSpot contact does not exist (deleted?)
	NoDeal          Outcome = "no_deal"             // the deal id property is empty
	InvalidDealID   Outcome = "invalid_deal_id"     // the deal id property is not a deal id
	DealNotFound    Outcome = "deal_not_found"      // no such deal in HubSpot
	WaitingClient   Outcome = "waiting_for_client"  // the deal has no ClientSuccess client yet
	NoCompany       Outcome = "no_company"          // (CLIENT_SOURCE=companies) the contact has no primary company
	InvalidContact  Outcome = "invalid_contact"     // the contact's fields cannot be written (no email, …)
	Conflict        Outcome = "conflict"            // a record this sync does not own is in the way
	Failed          Outcome = "failed"              // a step failed for good; the contact stays where it was
	Deferred        Outcome = "deferred"            // (batch only) its last sync failed; retried later, or once it changes
	Merged          Outcome = "merged"              // HubSpot merged the contact into another; synced under the survivor
	Orphaned        Outcome = "orphaned"            // the HubSpot contact is deleted; its records are kept (DELETED_CONTACTS=keep)
	Removed         Outcome = "removed"             // the HubSpot contact is deleted; its records were removed (DELETED_CONTACTS=remove)
)

// Wrote reports whether the outcome changed ClientSuccess.
func (o Outcome) Wrote() bool { return o == Created || o == Updated || o == Moved || o == Removed }

var (
	ErrNoDeal        = errors.New("no deal id")
	ErrInvalidDealID = errors.New("invalid deal id")
)
