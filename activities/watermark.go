package activities

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/syncplan"
)

// PreviousBatch is what the most recent completed SyncContacts run on this task queue recorded for
// the next incremental run. Found is false when there is none (or none that recorded a watermark).
type PreviousBatch struct {
	Found      bool   `json:"found"`
	WorkflowID string `json:"workflowId,omitempty"`
	RunID      string `json:"runId,omitempty"`
	// NextWatermark is the start of that batch: contacts modified from then on were not
	// necessarily seen by it. LastFull is the start of the latest full run in the chain of runs.
	NextWatermark time.Time `json:"nextWatermark,omitzero"`
	LastFull      time.Time `json:"lastFull,omitzero"`
	// DryRun marks a batch that only planned; it never carries a watermark on.
	DryRun bool `json:"dryRun,omitempty"`
	// Attention are the contacts whose last sync failed, for the next batch to retry.
	Attention syncplan.Attentions `json:"attention,omitempty"`
}

// previousBatchSearch is how many recent completed batches are looked at; the latest to close wins.
const previousBatchSearch = 20

// FindPreviousBatch asks Temporal visibility for the SyncContacts execution on this activity's task
// queue that completed last, and reads the watermark from its result. It only reads.
func (a *Activities) FindPreviousBatch(ctx context.Context) (PreviousBatch, error) {
	if a.Temporal == nil {
		return PreviousBatch{}, temporal.NewNonRetryableApplicationError("the worker has no Temporal client for incremental runs", "Misconfigured", nil)
	}
	queue := activity.GetInfo(ctx).TaskQueue
	resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query:    fmt.Sprintf("WorkflowType = 'SyncContacts' AND ExecutionStatus = 'Completed' AND TaskQueue = %q", queue),
		PageSize: previousBatchSearch,
	})
	if err != nil {
		return PreviousBatch{}, err
	}
	// Latest to close first; dry runs wrote nothing, so they are passed over.
	execs := resp.Executions
	sort.SliceStable(execs, func(i, j int) bool { return execs[i].GetCloseTime().AsTime().After(execs[j].GetCloseTime().AsTime()) })
	var latest PreviousBatch
	for _, e := range execs {
		latest = PreviousBatch{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId()}
		// The result is SyncContactsResult; only the fields PreviousBatch shares are decoded.
		if err := a.Temporal.GetWorkflow(ctx, latest.WorkflowID, latest.RunID).Get(ctx, &latest); err != nil {
			return PreviousBatch{}, fmt.Errorf("reading the result of batch %s (run %s): %w", latest.WorkflowID, latest.RunID, err)
		}
		if !latest.DryRun {
			break
		}
	}
	if latest.RunID == "" || latest.DryRun {
		return PreviousBatch{}, nil
	}
	latest.Found = !latest.NextWatermark.IsZero()
	return latest, nil
}
