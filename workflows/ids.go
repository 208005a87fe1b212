// Package workflows decides the order of a sync's durable steps. Workflows only call activities
// and pure code (internal/syncplan), so they replay deterministically after a crash.
package workflows

// ContactWorkflowID is the workflow id of the sync of one HubSpot contact. One id per contact
// means two syncs of the same contact never run at once.
func ContactWorkflowID(hubspotContactID string) string { return "sync-contact-" + hubspotContactID }

// BatchWorkflowID is the workflow id of a batch run started by hand (schedules add their own suffix).
const BatchWorkflowID = "sync-contacts"

// DryRunBatchWorkflowID is the workflow id of a batch dry run started by hand.
const DryRunBatchWorkflowID = "sync-contacts-dry-run"

// ScheduleID is the id of the Temporal Schedule that runs the batch.
const ScheduleID = "sync-contacts-schedule"

// ContactSummary is the static summary the Web UI shows for a contact's sync.
func ContactSummary(hubspotContactID string) string {
	return "sync HubSpot contact " + hubspotContactID
}

// DryRunContactWorkflowID is the workflow id of a dry run of one contact's sync, apart from the
// real syncs' ids so a plan never blocks (or is blocked by) a real sync.
func DryRunContactWorkflowID(hubspotContactID string) string {
	return "dry-run-sync-contact-" + hubspotContactID
}

// ClientsWorkflowID is the workflow id of every client sync, started by hand or by a schedule's
// run: one id, so two client syncs never run at once.
const ClientsWorkflowID = "sync-clients"

// DryRunClientsWorkflowID is the workflow id of a client sync dry run started by hand.
const DryRunClientsWorkflowID = "sync-clients-dry-run"

// ScheduledSyncWorkflowID is the workflow id the schedule gives ScheduledSync (Temporal adds the
// scheduled time to each run's id).
const ScheduledSyncWorkflowID = "scheduled-sync"

// ScheduledContactsWorkflowID is the id of a ScheduledSync run's SyncContacts child.
func ScheduledContactsWorkflowID(parentID string) string { return parentID + "-contacts" }
