package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestTimelineReadsInWords checks what an operator sees in the Web UI: a contact's runs are found
// by the custom search attributes, and each step of a move says in words what it did.
func TestTimelineReadsInWords(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.startWorker()
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	require.Equal(t, syncplan.Moved, s.syncContact(example.ContactID).Outcome)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var summaries []string
	for _, e := range s.history(ctx, workflows.ContactWorkflowID(example.ContactID)).Events {
		if e.GetEventType() != enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || e.GetUserMetadata().GetSummary() == nil {
			continue
		}
		var summary string
		require.NoError(t, converter.GetDefaultDataConverter().FromPayload(e.GetUserMetadata().GetSummary(), &summary))
		summaries = append(summaries, summary)
	}
	require.Equal(t, []string{
		"read HubSpot contact 51",
		"find the ClientSuccess client of Brian Halligan (51) by its deal id property",
		"find every ClientSuccess record of Brian Halligan (51)",
		"add Brian Halligan (51) to client Fake 2nd Test (9002)",
		"remove Brian Halligan (51) from client Fake First Test (9001)",
		"check that Brian Halligan (51) is on client Fake 2nd Test (9002)",
	}, summaries)

	// Visibility is eventually consistent: poll the list query until both runs show up.
	query := func(q string) int {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = '%s' AND %s", s.cfg.Temporal.TaskQueue, q),
		})
		require.NoError(t, err)
		return len(resp.Executions)
	}
	eventually(t, 20*time.Second, "the move to be listed by its search attributes", func() bool {
		return query("HubSpotContactId = '51' AND SyncOutcome = 'moved' AND ClientSuccessClientId = '9002'") == 1
	})
	eventually(t, 20*time.Second, "both runs to be listed for contact 51", func() bool {
		return query("HubSpotContactId = '51' AND SyncOutcome IN ('created', 'moved')") == 2
	})
	require.Equal(t, 0, query("HubSpotContactId = '51' AND SyncOutcome = 'failed'"))
}
