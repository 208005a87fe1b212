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
	Failed          Outcome = "failed"              // a write failed for good; any move was rolled back
	AlreadyRunning  Outcome = "already_running"     // (batch only) a sync of this contact was in flight
)

// Wrote reports whether the outcome changed ClientSuccess.
func (o Outcome) Wrote() bool { return o == Created || o == Updated || o == Moved }

var (
	ErrNoDeal        = errors.New("no deal id")
	ErrInvalidDealID = errors.New("invalid deal id")
)
