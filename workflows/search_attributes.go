package workflows

import (
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/visibility"
)

// The custom search attributes the sync sets (see internal/visibility).
var (
	HubSpotContactIDKey      = visibility.HubSpotContactID
	ClientSuccessClientIDKey = visibility.ClientSuccessClientID
	SyncOutcomeKey           = visibility.SyncOutcome
	ClientSuccessRecordsKey  = visibility.ClientSuccessRecords
)

// SearchAttributeTypes lists the custom search attributes with their types, for registering them.
func SearchAttributeTypes() map[string]enumspb.IndexedValueType { return visibility.Types() }

// Metrics the workflows emit (replay-safe: the SDK drops them while replaying).
const (
	// SyncsMetric counts finished contact syncs, tagged by outcome.
	SyncsMetric = "cssync_contact_syncs"
	// AttentionMetric is how many contacts' last sync failed, as the latest batch left them.
	AttentionMetric = "cssync_contacts_needing_attention"
	// OrphansMetric is how many deleted HubSpot contacts still have records (DELETED_CONTACTS=keep),
	// as the latest full batch found them.
	OrphansMetric = "cssync_orphaned_contacts"
)

// recordOutcome sets the search attributes and the run's current details from the result, so
// the Web UI lists and reads the outcome without opening payloads.
func recordOutcome(ctx workflow.Context, res SyncContactResult, err error) {
	// A cancelled sync still records how it ended.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	outcome := res.Outcome
	if err != nil || outcome == "" {
		outcome = syncplan.Failed
	}
	details := string(outcome)
	if res.Reason != "" {
		details += ": " + res.Reason
	}
	workflow.SetCurrentDetails(dctx, details)
	if res.DryRun {
		return // a plan is not a sync: no metric, no search attributes
	}
	// Replay-safe: the SDK drops metrics and logs while replaying.
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"outcome": string(outcome)}).Counter(SyncsMetric).Inc(1)
	logger := workflow.GetLogger(ctx)
	if err != nil {
		logger.Warn("contact sync failed", "HubSpotContactId", res.HubSpotContactID, "outcome", outcome, "error", err)
	} else {
		// Ids and the outcome only: a reason can quote what the contact holds.
		logger.Info("contact synced", "HubSpotContactId", res.HubSpotContactID, "outcome", outcome, "ClientSuccessClientId", res.ClientID)
	}
	updates := []temporal.SearchAttributeUpdate{
		HubSpotContactIDKey.ValueSet(res.HubSpotContactID),
		SyncOutcomeKey.ValueSet(string(outcome)),
	}
	if res.ClientID != 0 {
		updates = append(updates, ClientSuccessClientIDKey.ValueSet(strconv.FormatInt(res.ClientID, 10)))
	}
	if res.Records != nil || res.Outcome.Wrote() {
		records := make([]string, 0, len(res.Records))
		for _, r := range res.Records {
			records = append(records, visibility.RecordValue(r.ClientID, r.ContactID))
		}
		updates = append(updates, ClientSuccessRecordsKey.ValueSet(records))
	}
	if uerr := workflow.UpsertTypedSearchAttributes(dctx, updates...); uerr != nil {
		workflow.GetLogger(ctx).Warn("could not set search attributes", "error", uerr)
	}
}
