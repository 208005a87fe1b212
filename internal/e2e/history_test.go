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
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestHistoriesReplay runs the story, then replays the recorded histories with the current workflow
// code. With RECORD_HISTORIES=1 it also writes them to workflows/testdata, where the replay test
// keeps them as the reference future changes must stay compatible with.
func TestHistoriesReplay(t *testing.T) {
	s := newStack(t)
	s.fakes.HubSpot.Seed(example.HubSpot())
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
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

	for name, h := range histories {
		replayer := worker.NewWorkflowReplayer()
		replayer.RegisterWorkflow(workflows.SyncContact)
		replayer.RegisterWorkflow(workflows.SyncContacts)
		require.NoError(t, replayer.ReplayWorkflowHistory(nil, h), name)
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
