package workflows

import (
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/internal/syncplan"
)

// Custom search attributes the sync sets, so a contact's history is one list query away in the
// Web UI or `temporal workflow list --query`. They must be registered on the namespace first
// (the README gives the `temporal operator search-attribute create` line; the dev server in the
// demo and the tests registers them with SearchAttributes).
var (
	// HubSpotContactIDKey is the HubSpot contact id a SyncContact run is about.
	HubSpotContactIDKey = temporal.NewSearchAttributeKeyKeyword("HubSpotContactId")
	// ClientSuccessClientIDKey is the ClientSuccess client the contact belongs on (when known).
	ClientSuccessClientIDKey = temporal.NewSearchAttributeKeyKeyword("ClientSuccessClientId")
	// SyncOutcomeKey is the run's outcome: created, moved, failed, …
	SyncOutcomeKey = temporal.NewSearchAttributeKeyKeyword("SyncOutcome")
)

// SearchAttributeTypes lists the custom search attributes with their types, for registering them.
func SearchAttributeTypes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		HubSpotContactIDKey.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		ClientSuccessClientIDKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SyncOutcomeKey.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}

// SyncsMetric counts finished contact syncs, tagged by outcome.
const SyncsMetric = "cssync_contact_syncs"

// searchAttributesVersion gates the search attribute upsert: histories recorded before it was
// added replay without the upsert command.
const searchAttributesVersion = "search-attributes"

// recordOutcome sets the search attributes and the run's current details from the result, so
// the Web UI lists and reads the outcome without opening payloads.
func recordOutcome(ctx workflow.Context, res SyncContactResult, err error) {
	outcome := res.Outcome
	if err != nil || outcome == "" {
		outcome = syncplan.Failed
	}
	details := string(outcome)
	if res.Reason != "" {
		details += ": " + res.Reason
	}
	workflow.SetCurrentDetails(ctx, details)
	if res.DryRun {
		return // a plan is not a sync: no metric, no search attributes
	}
	// Replay-safe: the SDK drops metrics and logs while replaying.
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"outcome": string(outcome)}).Counter(SyncsMetric).Inc(1)
	logger := workflow.GetLogger(ctx)
	if err != nil {
		logger.Warn("contact sync failed", "HubSpotContactId", res.HubSpotContactID, "outcome", outcome, "error", err)
	} else {
		logger.Info("contact synced", "HubSpotContactId", res.HubSpotContactID, "outcome", outcome,
			"ClientSuccessClientId", res.ClientID, "reason", res.Reason)
	}
	if workflow.GetVersion(ctx, searchAttributesVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		HubSpotContactIDKey.ValueSet(res.HubSpotContactID),
		SyncOutcomeKey.ValueSet(string(outcome)),
	}
	if res.ClientID != 0 {
		updates = append(updates, ClientSuccessClientIDKey.ValueSet(strconv.FormatInt(res.ClientID, 10)))
	}
	if uerr := workflow.UpsertTypedSearchAttributes(ctx, updates...); uerr != nil {
		workflow.GetLogger(ctx).Warn("could not set search attributes", "error", uerr)
	}
}
