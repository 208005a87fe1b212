package workflows

import (
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ReplayOptions are the options to replay a recorded history with. ScheduledSync names its
// children after its own workflow id, which a history does not record (a replayer otherwise
// runs it as "ReplayId"); the id is recovered from the first child's id.
func ReplayOptions(h *historypb.History) worker.ReplayWorkflowHistoryOptions {
	var opts worker.ReplayWorkflowHistoryOptions
	events := h.GetEvents()
	if len(events) == 0 || events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName() != "ScheduledSync" {
		return opts
	}
	for _, e := range events {
		if e.GetEventType() == enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED {
			id := e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId()
			opts.OriginalExecution = workflow.Execution{ID: strings.TrimSuffix(id, ScheduledClientsWorkflowID(""))}
			break
		}
	}
	return opts
}
