package workflows

import (
	"strings"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ReplayOptions are the options to replay a recorded history with. ScheduledSync names its
// contact batch after its own workflow id, which a history does not record (a replayer otherwise
// runs it as "ReplayId"); the id is recovered from that child's id.
func ReplayOptions(h *historypb.History) worker.ReplayWorkflowHistoryOptions {
	var opts worker.ReplayWorkflowHistoryOptions
	events := h.GetEvents()
	if len(events) == 0 || events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName() != "ScheduledSync" {
		return opts
	}
	for _, e := range events {
		id := e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId()
		if parent, ok := strings.CutSuffix(id, ScheduledContactsWorkflowID("")); ok {
			opts.OriginalExecution = workflow.Execution{ID: parent}
			break
		}
	}
	return opts
}
