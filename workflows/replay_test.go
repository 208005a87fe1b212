package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
)

// TestReplayRecordedHistories replays histories recorded on a real dev server (see
// internal/e2e TestHistoriesReplay) against today's workflow code. A change that would break
// running workflows on deploy — a new step, a reordered one, a different option — fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflow(SyncContact)
			replayer.RegisterWorkflow(SyncContacts)
			replayer.RegisterWorkflow(MaintainContactCheckbox)
			replayer.RegisterWorkflow(SyncClients)
			replayer.RegisterWorkflow(ScheduledSync)
			h := loadHistory(t, f)
			require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(nil, h, ReplayOptions(h)))
		})
	}
}

// TestReplayCatchesAChangedStepOrder proves the replay test can fail: the recorded move replayed
// against a workflow that jumps from reading the contact to writing it is rejected as non-deterministic.
func TestReplayCatchesAChangedStepOrder(t *testing.T) {
	_, err := os.Stat(filepath.Join("testdata", "sync_contact_moved.json"))
	require.NoError(t, err)
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(syncContactSkippingSteps, workflowNamed("SyncContact"))
	err = replayer.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", "sync_contact_moved.json"))
	require.Error(t, err)
	require.Contains(t, err.Error(), "TMPRL1100", "the SDK's non-determinism error")
}

// syncContactSkippingSteps is SyncContact with its middle steps dropped: the kind of edit that must
// not ship without versioning.
func syncContactSkippingSteps(ctx workflow.Context, in SyncContactInput) (SyncContactResult, error) {
	ctx = stepOptions(ctx, 0, 0, "")
	var c activities.Contact
	if err := workflow.ExecuteActivity(ctx, a.ReadContact, in.HubSpotContactID).Get(ctx, &c); err != nil {
		return SyncContactResult{}, err
	}
	err := workflow.ExecuteActivity(ctx, a.CreateContact, activities.CreateInput{Owner: c.Owner(), Fields: c.Fields}).Get(ctx, nil)
	return SyncContactResult{}, err
}

func loadHistory(t *testing.T, path string) *historypb.History {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h
}

func workflowNamed(name string) workflow.RegisterOptions { return workflow.RegisterOptions{Name: name} }
