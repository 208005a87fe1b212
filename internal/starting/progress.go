package starting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// QueryProgress asks a running (or finished) batch where it stands.
func QueryProgress(ctx context.Context, c client.Client, workflowID string) (workflows.Progress, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, "", workflows.ProgressQuery)
	if err != nil {
		return workflows.Progress{}, fmt.Errorf("querying progress of %s: %w", workflowID, err)
	}
	var p workflows.Progress
	if err := v.Get(&p); err != nil {
		return workflows.Progress{}, fmt.Errorf("decoding progress of %s: %w", workflowID, err)
	}
	return p, nil
}

// WatchBatch calls show with the batch's progress every interval until ctx ends or done closes.
// A failed query (say, between two continue-as-new runs) is skipped, not fatal.
func WatchBatch(ctx context.Context, c client.Client, workflowID string, every time.Duration, done <-chan struct{}, show func(workflows.Progress)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if p, err := QueryProgress(ctx, c, workflowID); err == nil {
			show(p)
		}
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-tick.C:
		}
	}
}

// ProgressBar renders progress as one terminal line, e.g.
// "[#########...........] 120/250 synced, 20 running | created 100, moved 20".
// Until every contact is listed the total is what was listed so far, marked with "+".
func ProgressBar(p workflows.Progress, width int) string {
	total := max(p.Listed, p.Done)
	filled := 0
	switch {
	case total > 0:
		filled = width * p.Done / total
	case p.AllListed:
		filled = width // nothing to sync: done
	}
	if !p.AllListed {
		// The total is not known yet: never show a full bar.
		filled = min(filled, width-1)
	}
	filled = max(filled, 0)
	suffix := ""
	if !p.AllListed {
		suffix = "+"
	}
	line := fmt.Sprintf("[%s%s] %d/%d%s synced, %d running", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Done, total, suffix, p.InFlight)
	if counts := formatCounts(p.Counts); counts != "" {
		line += " | " + counts
	}
	return line
}

func formatCounts(counts map[syncplan.Outcome]int) string {
	outcomes := make([]string, 0, len(counts))
	for o, n := range counts {
		if n > 0 {
			outcomes = append(outcomes, string(o))
		}
	}
	slices.Sort(outcomes)
	parts := make([]string, len(outcomes))
	for i, o := range outcomes {
		parts[i] = fmt.Sprintf("%s %d", o, counts[syncplan.Outcome(o)])
	}
	return strings.Join(parts, ", ")
}
