package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/syncplan"
)

// awaitHeartbeat is how often an activity that waits on another workflow says it is alive.
const awaitHeartbeat = 10 * time.Second

// AwaitedSync is how a contact sync that was already running ended.
type AwaitedSync struct {
	Outcome syncplan.Outcome `json:"outcome"`
	Reason  string           `json:"reason,omitempty"`
	DealID  string           `json:"dealId,omitempty"`
}

// AwaitContactSync waits for the running sync of a contact (its workflow id, following
// continue-as-new) to end, and says how it ended; a sync that failed ends as Failed with its error.
func (a *Activities) AwaitContactSync(ctx context.Context, workflowID string) (AwaitedSync, error) {
	var res AwaitedSync
	err := a.await(ctx, workflowID, &res)
	if err != nil && ctx.Err() == nil {
		return AwaitedSync{Outcome: syncplan.Failed, Reason: err.Error()}, nil
	}
	return res, err
}

// AwaitedClients is what a client sync that was already running created.
type AwaitedClients struct {
	Created []string                 `json:"created,omitempty"`
	Counts  map[syncplan.Outcome]int `json:"counts,omitempty"`
	// Failed says why that client sync failed, when it did.
	Failed string `json:"failed,omitempty"`
}

// AwaitClientSync waits for the running client sync with this workflow id to end and returns what
// it created: a second client sync joins the first instead of racing it to create the same client.
func (a *Activities) AwaitClientSync(ctx context.Context, workflowID string) (AwaitedClients, error) {
	var res AwaitedClients
	err := a.await(ctx, workflowID, &res)
	if err != nil && ctx.Err() == nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.HasDetails() {
			_ = appErr.Details(&res) // the partial result a failed client sync carries
		}
		res.Failed = err.Error()
		return res, nil
	}
	return res, err
}

// await waits for the current run of a workflow to close, heartbeating meanwhile, and decodes its
// result into out (only the fields out names).
func (a *Activities) await(ctx context.Context, workflowID string, out any) error {
	if a.Temporal == nil {
		return temporal.NewNonRetryableApplicationError("the worker has no Temporal client to wait with", "Misconfigured", nil)
	}
	done := make(chan error, 1)
	go func() { done <- a.Temporal.GetWorkflow(ctx, workflowID, "").Get(ctx, out) }()
	tick := time.NewTicker(awaitHeartbeat)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("workflow %s: %w", workflowID, err)
			}
			return nil
		case <-tick.C:
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx)
			}
		}
	}
}
