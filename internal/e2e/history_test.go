package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestHistoriesReplay runs the story, then replays the recorded histories with the current workflow
// code. With RECORD_HISTORIES=1 it also writes them to workflows/testdata, where the replay test
// keeps them as the reference future changes must stay compatible with.
func TestHistoriesReplay(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	histories := map[string]*historypb.History{}
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	histories["sync_contact_created.json"] = s.history(ctx, workflows.ContactWorkflowID(example.ContactID))
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	require.Equal(t, syncplan.Moved, s.syncContact(example.ContactID).Outcome)
	histories["sync_contact_moved.json"] = s.history(ctx, workflows.ContactWorkflowID(example.ContactID))
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))
	histories["sync_contacts_batch.json"] = s.history(ctx, workflows.BatchWorkflowID)

	replayAndRecord(t, histories)
}

// TestAssociationsHistoriesReplay records the associations resolver (with write-back and a batch
// that prefetches deals) and the checkbox maintainer, as references for the new code paths.
func TestAssociationsHistoriesReplay(t *testing.T) {
	s := newStack(t)
	hs := example.HubSpot()
	hs.Deals[1].CreatedAt = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	hs.Deals[0].CreatedAt = hs.Deals[1].CreatedAt.AddDate(0, -1, 0)
	hs.Properties["deals"] = []hubspotfake.Property{{Name: "sync_deal", Label: "Sync", Type: "bool", FieldType: "booleancheckbox", GroupName: "g"}}
	hs.Deals[0].Properties["sync_deal"] = "true"
	hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: "52", Properties: map[string]string{"email": "x@example.com"}})
	hs.Associations = append(hs.Associations, hubspotfake.Assoc{FromType: "contacts", FromID: "52", ToType: "deals", ToID: example.FirstDealID})
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.cfg.HubSpot.DealResolver, s.cfg.HubSpot.WriteBackDealID, s.cfg.HubSpot.DealSyncProperty = "associations", "true", "sync_deal"
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	histories := map[string]*historypb.History{}
	first := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome)
	require.Equal(t, example.SecondDealID, first.DealID, "newest deal, written back over the property's 1001")
	histories["associations_sync_contact_created.json"] = s.history(ctx, workflows.ContactWorkflowID(example.ContactID))
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))
	histories["associations_sync_contacts_batch.json"] = s.history(ctx, workflows.BatchWorkflowID)
	mc, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CheckboxWorkflowID, TaskQueue: s.cfg.Temporal.TaskQueue},
		workflows.MaintainContactCheckbox, workflows.MaintainContactCheckboxInput{})
	require.NoError(t, err)
	var res workflows.MaintainContactCheckboxResult
	require.NoError(t, mc.Get(ctx, &res))
	require.Equal(t, []string{"52"}, res.Checked)
	histories["maintain_contact_checkbox.json"] = s.history(ctx, workflows.CheckboxWorkflowID)
	replayAndRecord(t, histories)
}

// replayAndRecord replays each history with today's code, checks no credential reached it, and
// with RECORD_HISTORIES=1 writes it to workflows/testdata.
func replayAndRecord(t *testing.T, histories map[string]*historypb.History) {
	t.Helper()
	for name, h := range histories {
		replayer := worker.NewWorkflowReplayer()
		replayer.RegisterWorkflow(workflows.SyncContact)
		replayer.RegisterWorkflow(workflows.SyncContacts)
		replayer.RegisterWorkflow(workflows.MaintainContactCheckbox)
		replayer.RegisterWorkflow(workflows.SyncClients)
		replayer.RegisterWorkflow(workflows.ScheduledSync)
		require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(nil, h, workflows.ReplayOptions(h)), name)
		// Payload data is base64 in JSON; the binary form holds it as it was written.
		raw, err := proto.Marshal(h)
		require.NoError(t, err)
		for _, secret := range []string{devstack.FakeHubSpotToken, devstack.FakeCSPassword} {
			require.NotContains(t, string(raw), secret, "%s: credentials must never reach workflow history", name)
		}
		if os.Getenv("RECORD_HISTORIES") == "1" {
			data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "..", "workflows", "testdata", name), data, 0o644))
		}
	}
}

// history reads the latest run's full history.
func (s *stack) history(ctx context.Context, workflowID string) *historypb.History {
	s.t.Helper()
	return s.historyOf(ctx, workflowID, "")
}

// historyOf reads one run's full history.
func (s *stack) historyOf(ctx context.Context, workflowID, runID string) *historypb.History {
	s.t.Helper()
	it := s.client.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(s.t, err)
		h.Events = append(h.Events, e)
	}
	return h
}
