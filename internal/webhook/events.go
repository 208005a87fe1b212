package webhook

import (
	"slices"
	"strings"

	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/syncplan"
)

// Rules say which events matter, from the worker's settings.
type Rules struct {
	// ContactProperties are the contact properties a sync reads: the checkbox, the deal id
	// property (property resolver) and the mapping's HubSpot properties.
	ContactProperties []string
	// DealAssociations: a contact's deal associations choose its client (DEAL_RESOLVER=associations).
	DealAssociations bool
	// CompanyClients: a contact's primary company chooses its client (CLIENT_SOURCE=companies).
	CompanyClients bool
	// DealCheckbox and CompanyCheckbox are the deal and company checkboxes, when set.
	DealCheckbox, CompanyCheckbox string
	// MaintainCheckbox: their changes also start the checkbox maintainer, which unticks contacts
	// its rule does not cover, so only when the operator asked for it.
	MaintainCheckbox bool
}

// The results an event is counted under (cssync_webhook_events).
const (
	resultContact   = "contact_sync"  // handed to its contact's sync
	resultClients   = "client_sync"   // handed to the client sync and/or the checkbox maintainer
	resultIgnored   = "ignored"       // a property or an association no sync reads
	resultUnknown   = "unknown_type"  // a subscription type the receiver does not handle
	resultDuplicate = "duplicate"     // already handed over, in this delivery or a recent one
	resultInvalid   = "invalid"       // an event without the ids its type needs
	resultFailed    = "handoff_error" // Temporal did not take it: the delivery is answered 503
)

// action is what one event asks for.
type action struct {
	result   string
	contact  string   // the contact whose sync runs
	merged   []string // for a merge: the ids merged into contact
	clients  bool     // start or join the client sync
	checkbox bool     // start or join the checkbox maintainer
}

// actionFor maps one event to what it asks for.
func (r Rules) actionFor(e hubspot.WebhookEvent) action {
	switch e.SubscriptionType {
	case "contact.creation", "contact.deletion", "contact.privacyDeletion", "contact.restore":
		return contactAction(string(e.ObjectID), nil)
	case "contact.propertyChange":
		if !slices.Contains(r.ContactProperties, e.PropertyName) {
			return action{result: resultIgnored}
		}
		return contactAction(string(e.ObjectID), nil)
	case "contact.merge":
		return mergeAction(e)
	case "contact.associationChange", "deal.associationChange", "company.associationChange":
		return r.associationAction(e)
	case "deal.propertyChange":
		return r.checkboxAction(e.PropertyName, r.DealCheckbox, !r.CompanyClients)
	case "company.propertyChange":
		return r.checkboxAction(e.PropertyName, r.CompanyCheckbox, r.CompanyClients)
	}
	return action{result: resultUnknown}
}

func contactAction(id string, merged []string) action {
	if _, err := syncplan.ParseDealID(id); err != nil {
		return action{result: resultInvalid}
	}
	return action{result: resultContact, contact: id, merged: merged}
}

// mergeAction syncs the survivor, which owns the records of every id merged into it: HubSpot names
// the new record objectId (and newObjectId), the primary primaryObjectId, the others mergedObjectIds.
func mergeAction(e hubspot.WebhookEvent) action {
	survivor := string(e.NewObjectID)
	if survivor == "" {
		survivor = string(e.ObjectID)
	}
	var merged []string
	for _, id := range append([]hubspot.WebhookID{e.PrimaryObjectID}, e.MergedObjectIDs...) {
		if id != "" && string(id) != survivor && !slices.Contains(merged, string(id)) {
			merged = append(merged, string(id))
		}
	}
	return contactAction(survivor, merged)
}

// associationAction syncs the contact of a contact–deal or contact–company association that
// chooses its client; the event of either direction names the same contact.
func (r Rules) associationAction(e hubspot.WebhookEvent) action {
	from, to, ok := strings.Cut(e.AssociationType, "_TO_")
	if !ok {
		return action{result: resultInvalid}
	}
	contact, other := string(e.FromObjectID), to
	if to == "CONTACT" {
		contact, other = string(e.ToObjectID), from
	} else if from != "CONTACT" {
		return action{result: resultIgnored}
	}
	if (other == "DEAL" && r.DealAssociations) || (other == "COMPANY" && r.CompanyClients) {
		return contactAction(contact, nil)
	}
	return action{result: resultIgnored}
}

// checkboxAction: a deal's or company's own checkbox makes it a client (when it is the client
// source) and, for the maintainer, decides its contacts' checkboxes.
func (r Rules) checkboxAction(property, checkbox string, isClientSource bool) action {
	if checkbox == "" || property != checkbox || !(isClientSource || r.MaintainCheckbox) {
		return action{result: resultIgnored}
	}
	return action{result: resultClients, clients: isClientSource, checkbox: r.MaintainCheckbox}
}
