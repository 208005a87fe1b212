package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/httpcore"
	"github.com/cssync/cssync/internal/pacing"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// Three worker processes, each pacing its calls at a rate the account allows, together exceed it
// three times over and are answered 429; taking their start times from one shared schedule, the
// same three stay under it, and still use it.
func TestWorkersShareOneAccountsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: needs the Temporal dev server")
	}
	const (
		workers, callsEach = 3, 12
		limit, pace        = 10, 8.0 // the account's limit per second, and the pace set to stay under it
	)
	queue := "e2e-" + t.Name()
	t.Cleanup(func() { terminateOpen(devServer.Client(), pacing.TaskQueue(queue)) })

	run := func(limiterOf func(w int) httpcore.Limiter) (answered429 int, elapsed time.Duration) {
		fakes := devstack.StartFakesWith(hubspotfake.Options{}, csfake.Options{RequestsPerSecond: limit})
		defer fakes.Close()
		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			api := clientsuccess.New(clientsuccess.Config{BaseURL: fakes.ClientSuccessURL, Username: devstack.FakeCSUsername,
				Password: devstack.FakeCSPassword, Limiter: limiterOf(w)})
			for range callsEach {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _ = api.ListClients(context.Background(), false) // a 429 is counted by the fake's side
				}()
			}
		}
		wg.Wait()
		return fakes.ClientSuccessStatuses.Count(429), time.Since(start)
	}

	t.Run("each process alone", func(t *testing.T) {
		got, _ := run(func(int) httpcore.Limiter { return rate.NewLimiter(pace, 1) })
		assert.Positive(t, got, "three processes at %v/s each exceed the account's %d/s", pace, limit)
	})

	t.Run("the task queue together", func(t *testing.T) {
		bucket := pacing.Bucket{Name: "requests", PerSecond: pace}
		pacers := make([]*pacing.Pacer, workers)
		for w := range workers {
			// Each "process" polls the pacing task queue with its own worker, as the worker binary does.
			pw := worker.New(devServer.Client(), pacing.TaskQueue(queue), worker.Options{Identity: fmt.Sprintf("pacer-%d", w)})
			pw.RegisterWorkflow(pacing.PaceCalls)
			require.NoError(t, pw.Start())
			t.Cleanup(pw.Stop)
			pacers[w] = pacing.NewPacer(devServer.Client(), queue)
			pacers[w].Start()
		}
		got, elapsed := run(func(w int) httpcore.Limiter { return pacers[w].Limiter("clientsuccess", nil, bucket) })
		assert.Zero(t, got, "no call of the three answered 429")
		// Logins are calls too: each process makes at least one more than its lists.
		least := time.Duration(float64(workers*(callsEach+1)-1) / pace * float64(time.Second))
		assert.GreaterOrEqual(t, elapsed, least, "the calls of all three together were paced at %v/s", pace)
		assert.Less(t, elapsed, 2*least, "and the shared pace was used, not wasted")
		assert.Less(t, reservations(t, pacing.TaskQueue(queue)), workers*callsEach/2,
			"the calls of a process waiting together are reserved together")
	})
}

// reservations counts the reservations the pacing workflows on queue accepted.
func reservations(t *testing.T, queue string) int {
	ctx := context.Background()
	runs, err := devServer.Client().ListWorkflow(ctx,
		&workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("TaskQueue = %q", queue)})
	require.NoError(t, err)
	n := 0
	for _, run := range runs.GetExecutions() {
		events := devServer.Client().GetWorkflowHistory(ctx, run.GetExecution().GetWorkflowId(), run.GetExecution().GetRunId(), false, 0)
		for events.HasNext() {
			e, err := events.Next()
			require.NoError(t, err)
			if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
				n++
			}
		}
	}
	return n
}

// Two workers of the real wiring, configured with the account's rates, sync a batch with moves
// under the fakes' limits: no call is answered 429, and the pace is kept by a PaceCalls workflow.
func TestWorkersOfOneQueuePaceTheirCallsTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: needs the Temporal dev server")
	}
	fakes := devstack.StartFakesWith(hubspotfake.Options{TenSecondLimit: 100, SearchPerSecond: 5}, csfake.Options{RequestsPerSecond: 10})
	t.Cleanup(fakes.Close)
	queue := "e2e-" + t.Name()
	cfg := fakes.WorkerConfig(config.Temporal{Address: devServer.FrontendHostPort(), Namespace: "default", TaskQueue: queue})
	cfg.HubSpot.RequestsPerSecond, cfg.HubSpot.SearchRequestsPerSecond, cfg.ClientSuccess.RequestsPerSecond = 9, 4, 9
	t.Cleanup(func() { terminateQueue(devServer.Client(), queue) })
	var hs hubspotfake.Fixture
	var cs csfake.Fixture
	for d := range 3 {
		deal := fmt.Sprint(7001 + d)
		hs.Deals = append(hs.Deals, hubspotfake.Record{ID: deal})
		cs.Clients = append(cs.Clients, clientsuccess.Client{ID: int64(9001 + d), Name: "Client " + deal, ExternalID: deal, Active: true})
	}
	for i := range 12 {
		id, home := fmt.Sprint(300001+i), i%3
		hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{"email": fmt.Sprintf("p%d@example.com", i),
			"firstname": "P", "lastname": id, "sync_w_clientsuccess_contact": "true", "associated_deal_id": fmt.Sprint(7001 + home)}})
		placed := home
		if i%4 == 0 {
			placed = (home + 1) % 3 // its deal changed: a move
		}
		cs.Contacts = append(cs.Contacts, clientsuccess.Contact{ClientID: int64(9001 + placed), ExternalID: id,
			Email: fmt.Sprintf("p%d@example.com", i), FirstName: "P", LastName: id})
	}
	fakes.HubSpot.Seed(hs)
	fakes.ClientSuccess.Seed(cs)
	for range 2 {
		stop, err := devstack.StartWorker(context.Background(), cfg, nil)
		require.NoError(t, err)
		t.Cleanup(stop)
	}
	fakes.HubSpotStatuses.Reset()
	fakes.ClientSuccessStatuses.Reset()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := starting.StartBatch(ctx, devServer.Client(), queue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	var res workflows.SyncContactsResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, 12, res.Total)
	assert.Equal(t, 3, res.Counts[syncplan.Moved])
	assert.Zero(t, fakes.HubSpotStatuses.Count(429)+fakes.ClientSuccessStatuses.Count(429), "no call answered 429")
	paced, err := devServer.Client().CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = 'PaceCalls' AND TaskQueue = %q", pacing.TaskQueue(queue))})
	require.NoError(t, err)
	assert.Positive(t, paced.GetCount(), "the calls took their slots from a PaceCalls workflow")

	// The ClientSuccess schedule's run, with its reservations, is the reference its replay test keeps.
	h := (&stack{t: t, client: devServer.Client()}).history(ctx, pacing.WorkflowID(pacing.TaskQueue(queue), "clientsuccess"))
	require.NotEmpty(t, h.Events)
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(pacing.PaceCalls)
	require.NoError(t, replayer.ReplayWorkflowHistory(nil, h))
	if os.Getenv("RECORD_HISTORIES") == "1" {
		data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "pacing", "testdata", "pace_calls.json"), data, 0o644))
	}
}
