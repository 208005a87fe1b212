package pacing

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
)

// TestReplayRecordedHistory replays a PaceCalls run recorded on a real dev server (internal/e2e
// TestWorkersOfOneQueuePaceTheirCallsTogether, RECORD_HISTORIES=1) against today's code: a change
// that would break the running schedule on deploy fails here.
func TestReplayRecordedHistory(t *testing.T) {
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(PaceCalls)
	require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", "pace_calls.json")))
}
