// Package visibility names the custom search attributes the sync sets on its workflows, so a
// contact's history is one list query away in the Web UI or `temporal workflow list --query`, and
// so a sync can find where earlier syncs put a contact. They must be registered on the namespace.
package visibility

import (
	"fmt"
	"strconv"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

var (
	// HubSpotContactID is the HubSpot contact id a SyncContact run is about.
	HubSpotContactID = temporal.NewSearchAttributeKeyKeyword("HubSpotContactId")
	// ClientSuccessClientID is the ClientSuccess client the contact belongs on (when known).
	ClientSuccessClientID = temporal.NewSearchAttributeKeyKeyword("ClientSuccessClientId")
	// SyncOutcome is the run's outcome: created, moved, failed, …
	SyncOutcome = temporal.NewSearchAttributeKeyKeyword("SyncOutcome")
	// ClientSuccessRecords lists where the contact's own ClientSuccess records are after the run,
	// as "clientId/contactId" (RecordValue). The next sync of the contact lists those clients, so
	// it finds its records whatever their email says.
	ClientSuccessRecords = temporal.NewSearchAttributeKeyKeywordList("ClientSuccessRecords")
)

// Types lists the custom search attributes with their types, for registering them.
func Types() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		HubSpotContactID.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		ClientSuccessClientID.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SyncOutcome.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		ClientSuccessRecords.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	}
}

// Empty is every custom search attribute with an empty value, for a dev server to register them.
func Empty() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		HubSpotContactID.ValueSet(""), ClientSuccessClientID.ValueSet(""), SyncOutcome.ValueSet(""),
		ClientSuccessRecords.ValueSet(nil),
	)
}

// RecordValue is a ClientSuccessRecords value: "clientId/contactId".
func RecordValue(clientID, contactID int64) string { return fmt.Sprintf("%d/%d", clientID, contactID) }

// ParseRecordValue reads a ClientSuccessRecords value; ok is false when it is not one.
func ParseRecordValue(v string) (clientID, contactID int64, ok bool) {
	c, r, found := strings.Cut(v, "/")
	if !found {
		return 0, 0, false
	}
	clientID, err1 := strconv.ParseInt(c, 10, 64)
	contactID, err2 := strconv.ParseInt(r, 10, 64)
	return clientID, contactID, err1 == nil && err2 == nil && clientID > 0 && contactID > 0
}
