package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
)

// a names the activities for workflow.ExecuteActivity; only its methods' names are used.
var a *activities.Activities

// DefaultStepTimeout bounds one attempt of one step. Steps make a handful of API calls, but they
// may wait on the shared rate limiters, so the bound is generous.
const DefaultStepTimeout = 2 * time.Minute

// DefaultRetryFor bounds how long one step retries transient failures (429, 5xx, network errors,
// timeouts) before it fails for good. Validation and auth errors are never retried.
const DefaultRetryFor = time.Hour

// abandon lets a child workflow finish its move when its parent is cancelled or terminated.
const abandon = enumspb.PARENT_CLOSE_POLICY_ABANDON

// stepOptions is the one activity policy of the project: each attempt bounded by the step
// timeout, retries with backoff (or after the wait a 429 asked for) for at most retryFor in all,
// then the step fails. A cancel waits for the attempt in flight to end, so what it did is known
// before anything else is done.
func stepOptions(ctx workflow.Context, timeout, retryFor time.Duration, summary string) workflow.Context {
	attempt, total := orDefault(timeout, DefaultStepTimeout), orDefault(retryFor, DefaultRetryFor)
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    min(attempt, total),
		ScheduleToCloseTimeout: total,
		Summary:                summary,
		WaitForCancellation:    true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Minute,
		},
	})
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// withHeartbeat is for long steps that say they are alive: an attempt whose worker stops
// heartbeating for a minute is retried elsewhere instead of waiting out its timeout.
func withHeartbeat(ctx workflow.Context) workflow.Context {
	opts := workflow.GetActivityOptions(ctx)
	opts.HeartbeatTimeout = time.Minute
	return workflow.WithActivityOptions(ctx, opts)
}
