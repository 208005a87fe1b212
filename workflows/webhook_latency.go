package workflows

import (
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// Syncs started by a HubSpot webhook carry a memo saying so (EventMemo), which the Web UI shows
// and which lets the sync time how long the change took to reach ClientSuccess.
const (
	// StartedByMemo is the memo key of what started the sync; StartedByWebhook for the receiver.
	StartedByMemo    = "startedBy"
	StartedByWebhook = "hubspot-webhook"
	// EventTypeMemo is the subscription type of the event, e.g. "contact.propertyChange".
	EventTypeMemo = "hubspotEvent"
	// EventAtMemo is when HubSpot says the change happened.
	EventAtMemo = "hubspotEventAt"
	// EventLatencyMetric is the time from a HubSpot change to the end of the event-started sync
	// that wrote it to ClientSuccess (a histogram).
	EventLatencyMetric = "cssync_webhook_event_to_write_latency"
)

// EventMemo is the memo of a sync started for a HubSpot change.
func EventMemo(change HubSpotChange) map[string]any {
	return map[string]any{StartedByMemo: StartedByWebhook, EventTypeMemo: change.Event, EventAtMemo: change.OccurredAt}
}

// recordEventLatency times, for a run a HubSpot event started that wrote to ClientSuccess, how
// long the change took: from when HubSpot says it happened to the end of this run. The run a sync
// continues as keeps the memo but answers a later change, so only the first run is timed.
func recordEventLatency(ctx workflow.Context, res SyncContactResult) {
	info := workflow.GetInfo(ctx)
	if res.DryRun || len(res.Changes) == 0 || info.ContinuedExecutionRunID != "" || info.Memo == nil {
		return
	}
	p := info.Memo.GetFields()[EventAtMemo]
	var at time.Time
	if p == nil || converter.GetDefaultDataConverter().FromPayload(p, &at) != nil || at.IsZero() {
		return
	}
	workflow.GetMetricsHandler(ctx).Timer(EventLatencyMetric).Record(workflow.Now(ctx).Sub(at))
}
