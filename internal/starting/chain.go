package starting

import (
	"context"
	"fmt"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cssync/cssync/workflows"
)

// Run is one run of a contact's sync, as its search attributes and memo left it.
type Run struct {
	RunID     string
	Status    enumspb.WorkflowExecutionStatus // ContinuedAsNew for every run but the last
	Outcome   string                          // SyncOutcome
	StartedBy string                          // the memo's startedBy: workflows.StartedByWebhook, or empty
	Event     string                          // the memo's HubSpot event type
}

// AwaitChain waits for the workflow's current run, and the runs it continues as, to end, and
// lists them, first first. A sync started by a webhook is such a chain: SyncContact runs once
// more when a change may have come after its read, and a run that continues as new keeps its
// outcome in its search attributes, not in a result. Memos are decoded without a payload codec.
func AwaitChain(ctx context.Context, c client.Client, workflowID string) ([]Run, error) {
	// Get follows continue-as-new to the end of the chain.
	waitErr := c.GetWorkflow(ctx, workflowID, "").Get(ctx, nil)
	var runs []Run
	for runID := ""; ; {
		desc, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
		if err != nil {
			return nil, fmt.Errorf("describing workflow %s: %w", workflowID, err)
		}
		info := desc.GetWorkflowExecutionInfo()
		run := Run{RunID: info.GetExecution().GetRunId(), Status: info.GetStatus()}
		if p := info.GetSearchAttributes().GetIndexedFields()[workflows.SyncOutcomeKey.GetName()]; p != nil {
			_ = converter.GetDefaultDataConverter().FromPayload(p, &run.Outcome)
		}
		memo := info.GetMemo().GetFields()
		for key, into := range map[string]*string{workflows.StartedByMemo: &run.StartedBy, workflows.EventTypeMemo: &run.Event} {
			if p := memo[key]; p != nil {
				_ = converter.GetDefaultDataConverter().FromPayload(p, into)
			}
		}
		runs = append(runs, run)
		if runID, err = continuedFrom(ctx, c, workflowID, run.RunID); err != nil {
			return nil, err
		}
		if runID == "" || info.GetFirstRunId() == run.RunID {
			break
		}
	}
	slices.Reverse(runs)
	return runs, waitErr
}

// continuedFrom is the run a run continued, from its first history event; empty for a first run.
func continuedFrom(ctx context.Context, c client.Client, workflowID, runID string) (string, error) {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return "", nil
	}
	first, err := it.Next()
	if err != nil {
		return "", fmt.Errorf("reading the history of workflow %s: %w", workflowID, err)
	}
	return first.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId(), nil
}
