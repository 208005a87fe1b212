package webhook

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/workflows"
)

// Temporal hands syncs to a Temporal task queue.
type Temporal struct {
	Client    client.Client
	TaskQueue string
}

// SyncContact signals the contact's sync with the change, starting it when none runs: a running
// sync then runs once more if the change came after its read; a new one carries the event's memo.
func (t Temporal) SyncContact(ctx context.Context, id string, change workflows.HubSpotChange) error {
	_, err := t.Client.SignalWithStartWorkflow(ctx, workflows.ContactWorkflowID(id), workflows.ChangedSignal, change,
		client.StartWorkflowOptions{
			TaskQueue:             t.TaskQueue,
			StaticSummary:         workflows.ContactSummary(id),
			TypedSearchAttributes: temporal.NewSearchAttributes(workflows.HubSpotContactIDKey.ValueSet(id)),
			Memo:                  workflows.EventMemo(change),
		},
		workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: id, AlsoOwns: change.MergedIDs})
	if err != nil {
		return fmt.Errorf("signalling the sync of contact %s: %w", id, err)
	}
	return nil
}

// SyncClients starts the client sync, or leaves the one running to it.
func (t Temporal) SyncClients(ctx context.Context) error {
	return starting.StartClientSync(ctx, t.Client, t.TaskQueue, "sync ClientSuccess clients: a HubSpot webhook reported a checkbox change")
}

// MaintainCheckbox starts the checkbox maintainer, or leaves the run in progress to it.
func (t Temporal) MaintainCheckbox(ctx context.Context) error {
	return starting.StartCheckbox(ctx, t.Client, t.TaskQueue,
		"tick and untick contacts' sync checkbox: a HubSpot webhook reported a checkbox change")
}
