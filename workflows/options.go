package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// DefaultStepTimeout bounds one attempt of one step. Steps make a handful of API calls, but they
// may wait on the shared rate limiters, so the bound is generous.
const DefaultStepTimeout = 2 * time.Minute

// readOptions is for steps that only read: retried for a while, then the sync fails having
// written nothing.
func readOptions(ctx workflow.Context, timeout time.Duration, summary string) workflow.Context {
	return boundedOptions(ctx, timeout, summary)
}

// boundedOptions retries a step ten times over about ten minutes, then gives up: for reads, and
// for a client's upsert, which then counts as failed so one client cannot hold up the rest (a
// retried create never duplicates: UpsertClient looks first).
func boundedOptions(ctx workflow.Context, timeout time.Duration, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: stepTimeout(timeout),
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    10,
		},
	})
}

// writeOptions is for steps that write: once a move has begun it must finish, so retryable
// failures (5xx, 429, network) are retried without limit; errors marked non-retryable
// (validation, auth, not owned) still stop at once.
func writeOptions(ctx workflow.Context, timeout time.Duration, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: stepTimeout(timeout),
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Minute,
		},
	})
}

func stepTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultStepTimeout
	}
	return d
}
