package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// completedRuns counts the completed runs of a workflow type on the stack's task queue.
func (s *stack) completedRuns(ctx context.Context, workflowType string) int {
	resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 100, Query: fmt.Sprintf(
		"WorkflowType = '%s' AND ExecutionStatus = 'Completed' AND TaskQueue = '%s'", workflowType, s.cfg.Temporal.TaskQueue)})
	require.NoError(s.t, err)
	return len(resp.GetExecutions())
}

// One contact whose create fails for good does not stop the schedule: its sync ends failed within
// the retry bound, the other contacts of the batch are synced, the schedule's next runs start and
// leave its record alone (same id, not re-created every run), and once the fault is gone a change
// to the contact in HubSpot gets it synced by the next run.
func TestOneContactFailingForGoodNeverStopsTheSchedule(t *testing.T) {
	tr := &troubles{}
	s := newStackWrapped(t, tr.wrap)
	s.seedExample()
	for i := 52; i <= 55; i++ {
		s.fakes.HubSpot.Put("contacts", fmt.Sprint(i), map[string]string{"email": fmt.Sprintf("p%d@example.com", i), "firstname": "P",
			"sync_w_clientsuccess_contact": "true", "associated_deal_id": example.FirstDealID})
	}
	s.startWorker()
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	record := s.owned(example.ContactID)[0]
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	tr.add("POST", "/v1/clients/9002/contacts", "fail", -1) // only Brian's move creates on 9002

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := s.client.ScheduleClient().GetHandle(ctx, workflows.ScheduleID)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	_, err := starting.EnsureSchedule(ctx, s.client, s.cfg.Temporal.TaskQueue, starting.ScheduleSpec{Every: 2 * time.Second,
		Input: workflows.SyncContactsInput{Incremental: true, RetryFor: 5 * time.Second, StepTimeout: 2 * time.Second}})
	require.NoError(t, err)

	eventually(t, time.Minute, "the first scheduled run to complete", func() bool { return s.completedRuns(ctx, "ScheduledSync") >= 1 })
	list, _, err := starting.Attention(ctx, s.client, s.cfg.Temporal.TaskQueue)
	require.NoError(t, err)
	require.Len(t, list, 1, "Brian needs attention")
	require.Equal(t, example.ContactID, list[0].ID)
	require.Contains(t, list[0].Reason, "500")
	for i := 52; i <= 55; i++ {
		require.Len(t, s.owned(fmt.Sprint(i)), 1, "contact %d synced by the same batch", i)
	}
	eventually(t, time.Minute, "three more scheduled runs", func() bool { return s.completedRuns(ctx, "ScheduledSync") >= 4 })
	on := s.owned(example.ContactID)
	require.Len(t, on, 1)
	require.Equal(t, record.ID, on[0].ID, "the record is the same one: never deleted and re-created")

	tr.clear()
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"jobtitle": "Executive Chairman"})
	eventually(t, time.Minute, "Brian synced by the next run once he changed", func() bool {
		on := s.owned(example.ContactID)
		return len(on) == 1 && on[0].ClientID == example.SecondClientID
	})
	eventually(t, time.Minute, "his entry cleared", func() bool {
		list, _, err := starting.Attention(ctx, s.client, s.cfg.Temporal.TaskQueue)
		return err == nil && len(list) == 0
	})
}

// timedRequests wraps the fakes to answer the first request of one route with a 429 and to record
// when each request of that route arrived.
type timedRequests struct {
	mu       sync.Mutex
	system   string
	method   string
	path     string
	limited  func(w http.ResponseWriter)
	arrivals []time.Time
}

func (tr *timedRequests) wrap(system string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if system != tr.system || r.Method != tr.method || r.URL.Path != tr.path {
			h.ServeHTTP(w, r)
			return
		}
		tr.mu.Lock()
		tr.arrivals = append(tr.arrivals, time.Now())
		first := len(tr.arrivals) == 1
		tr.mu.Unlock()
		if first {
			tr.limited(w)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (tr *timedRequests) gap(t *testing.T) time.Duration {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	require.GreaterOrEqual(t, len(tr.arrivals), 2, "the call was tried again")
	return tr.arrivals[1].Sub(tr.arrivals[0])
}

// A 429 is waited out as long as the API asks: ClientSuccess's Retry-After, or, when HubSpot sends
// none, its policy (ten seconds for the ten-second limit) — not Temporal's first backoff of 1 s.
func TestARateLimitIsWaitedOutAsAsked(t *testing.T) {
	for _, c := range []struct {
		name string
		tr   *timedRequests
		want time.Duration
	}{
		{"ClientSuccess Retry-After", &timedRequests{system: "ClientSuccess", method: "POST", path: "/v1/clients/9001/contacts",
			limited: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3")
				http.Error(w, `{"userMessage":"Too many requests"}`, http.StatusTooManyRequests)
			}}, 3 * time.Second},
		{"HubSpot ten-second policy", &timedRequests{system: "HubSpot", method: "GET", path: "/crm/objects/2026-03/contacts/51",
			limited: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"status":"error","message":"You have reached your ten-secondly limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`))
			}}, 10 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStackWrapped(t, c.tr.wrap)
			s.seedExample()
			s.startWorker()
			require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
			gap := c.tr.gap(t)
			require.GreaterOrEqual(t, gap, c.want, "the next attempt waited as asked")
			require.Less(t, gap, c.want+5*time.Second, "and not much longer")
		})
	}
}

// Two client syncs at once (by hand and by a schedule's run) never make two clients for one deal:
// they share one workflow id, so the second joins the first; repeated 20 times.
func TestConcurrentClientSyncsMakeOneClientPerDeal(t *testing.T) {
	s := newStack(t)
	hs := example.HubSpot()
	hs.Properties["deals"] = []hubspotfake.Property{checkboxProperty("sync_deal")}
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.cfg.HubSpot.DealSyncProperty = "sync_deal"
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i := range 20 {
		deal := fmt.Sprint(4001 + i)
		s.fakes.HubSpot.Put("deals", deal, map[string]string{"dealname": "Deal " + deal, "sync_deal": "true"})
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := starting.SyncClients(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncClientsInput{})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("scheduled-sync-%d", i), TaskQueue: s.cfg.Temporal.TaskQueue},
				workflows.ScheduledSync, workflows.ScheduledSyncInput{})
			if err == nil {
				err = run.Get(ctx, nil)
			}
			errs <- err
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, s.fakes.ClientSuccess.ClientsByExternalID(deal), 1, "deal %s has exactly one client", deal)
	}
}

// A change made in HubSpot while a contact's sync is running reaches ClientSuccess: a batch that
// finds the sync running waits for it and syncs the contact once more, and a HubSpot event
// signalled to the running sync makes it run once more too.
func TestAChangeDuringARunningSyncReachesClientSuccess(t *testing.T) {
	for _, via := range []string{"batch", "event"} {
		t.Run(via, func(t *testing.T) {
			s := newStack(t)
			s.seedExample()
			s.startWorker()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			hold := s.fakes.ClientSuccess.Faults().HoldNext("POST /v1/clients/{cid}/contacts")
			run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ContactWorkflowID(example.ContactID),
				TaskQueue: s.cfg.Temporal.TaskQueue}, workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
			require.NoError(t, err)
			<-hold.Arrived() // the sync read HubSpot and is writing what it read
			s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"jobtitle": "Founder"})
			var batch client.WorkflowRun
			switch via {
			case "batch":
				batch, err = starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
				require.NoError(t, err)
				eventually(t, 30*time.Second, "the batch to wait for the running sync", func() bool {
					d, err := s.client.DescribeWorkflowExecution(ctx, batch.GetID(), "")
					return err == nil && len(d.GetPendingActivities()) > 0 && d.GetPendingActivities()[0].GetActivityType().GetName() == "AwaitContactSync"
				})
			case "event":
				require.NoError(t, s.client.SignalWorkflow(ctx, run.GetID(), "", workflows.ChangedSignal,
					workflows.HubSpotChange{OccurredAt: time.Now(), Event: "contact.propertyChange"}))
			}
			hold.Release()
			if batch != nil {
				var res workflows.SyncContactsResult
				require.NoError(t, batch.Get(ctx, &res))
				require.Equal(t, 1, res.FollowedUp)
			} else {
				require.NoError(t, s.client.GetWorkflow(ctx, run.GetID(), "").Get(ctx, nil), "the chain's last run")
			}
			on := s.owned(example.ContactID)
			require.Len(t, on, 1)
			require.Equal(t, "Founder", on[0].Title, "the later state won")
		})
	}
}
