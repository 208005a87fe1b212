package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/pacing"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/workflows"
)

// scenario is one measured configuration: a portal, the fakes' latency and limits, and the workers.
type scenario struct {
	name        string
	contacts    int
	clients     int
	moving      float64
	latency     time.Duration
	limits      limits
	concurrency int
	workers     int // worker processes on the task queue
}

// limits are the fakes' rate limits, which the workers are configured to stay under (0: none).
type limits struct {
	hubspotPer10s, searchPerSecond, csPerSecond int
}

func (l limits) any() bool { return l.hubspotPer10s+l.searchPerSecond+l.csPerSecond > 0 }

// figures are what one run measured.
type figures struct {
	elapsed                time.Duration
	synced                 int
	changed                int
	hsCalls, csCalls       int
	hsSearches             int
	hsRoutes, csRoutes     map[string]int
	hsWrites, csWrites     int
	hs429, cs429           int
	peakRSS                int64 // the largest of the workers'
	maxHistory, executions int64
	paced                  history // the pacing workflows' runs
}

// history is the longest history among some executions, how many there were, and how many
// updates they took (reservations, for the pacing workflows).
type history struct{ longest, executions, updates int64 }

func (f figures) perSecond() float64 { return float64(f.synced) / f.elapsed.Seconds() }

// share429 is the share of all calls answered 429.
func (f figures) share429() float64 {
	return float64(f.hs429+f.cs429) / float64(max(1, f.hsCalls+f.csCalls))
}

// portals counts the portals seeded, so each gets contact ids of its own: runs share one dev
// server, and a contact's sync asks visibility where earlier syncs of the same id left it.
var portals atomic.Int64

// seed builds the portal: every contact checked and already on its client; the moving ones (one
// in 1/moving of each client's contacts) have a new deal id pointing at the next client.
func seed(f *devstack.Fakes, sc scenario) (changed int) {
	base := 100_000_000 + 10_000_000*int(portals.Add(1))
	var hs hubspotfake.Fixture
	var cs csfake.Fixture
	for c := 0; c < sc.clients; c++ {
		deal := fmt.Sprint(10_000_000 + c)
		hs.Deals = append(hs.Deals, hubspotfake.Record{ID: deal, Properties: map[string]string{"dealname": "Deal " + deal}})
		cs.Clients = append(cs.Clients, clientsuccess.Client{ID: int64(1 + c), Name: "Client " + deal, ExternalID: deal, Active: true})
	}
	every := int(math.Round(1 / math.Max(sc.moving, 1e-9)))
	// Last modified an hour ago, before the incremental rerun's window (watermark less overlap).
	backdated := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	for i := 0; i < sc.contacts; i++ {
		id := fmt.Sprint(base + i)
		home, nth := i%sc.clients, i/sc.clients // the nth contact of client home
		email := fmt.Sprintf("person%d@example.com", i)
		hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{
			"email": email, "firstname": "Person", "lastname": fmt.Sprint(i),
			"sync_w_clientsuccess_contact": "true", "associated_deal_id": fmt.Sprint(10_000_000 + home),
			"lastmodifieddate": backdated,
		}})
		placed := home
		if sc.moving > 0 && (nth+home)%every == 0 {
			placed = (home + 1) % sc.clients
			changed++
		}
		cs.Contacts = append(cs.Contacts, clientsuccess.Contact{ClientID: int64(1 + placed), ExternalID: id,
			Email: email, FirstName: "Person", LastName: fmt.Sprint(i)})
	}
	f.HubSpot.Seed(hs)
	f.ClientSuccess.Seed(cs)
	return changed
}

func startFakes(sc scenario) *devstack.Fakes {
	f := devstack.StartFakesWith(
		hubspotfake.Options{TenSecondLimit: sc.limits.hubspotPer10s, SearchPerSecond: sc.limits.searchPerSecond},
		csfake.Options{RequestsPerSecond: sc.limits.csPerSecond})
	setLatency(f, sc.latency)
	return f
}

// setLatency makes both fakes answer every call after latency.
func setLatency(f *devstack.Fakes, latency time.Duration) {
	for _, inj := range []*faults.Injector{f.HubSpot.Faults(), f.ClientSuccess.Faults()} {
		inj.Set(faults.Config{Latency: latency})
	}
}

// resetCounters starts a run's counts afresh.
func resetCounters(f *devstack.Fakes) {
	f.HubSpot.ResetCounters()
	f.ClientSuccess.ResetCounters()
	f.HubSpotStatuses.Reset()
	f.ClientSuccessStatuses.Reset()
}

// count reads what the fakes saw since resetCounters.
func count(f *devstack.Fakes, into *figures) {
	into.hsCalls, into.csCalls = f.HubSpot.Calls(), f.ClientSuccess.Calls()
	into.hsRoutes, into.csRoutes = f.HubSpot.CallsByRoute(), f.ClientSuccess.CallsByRoute()
	into.hsSearches = into.hsRoutes[hubspotfake.RouteSearch]
	into.hsWrites, into.csWrites = f.HubSpot.Writes(), f.ClientSuccess.Writes()
	into.hs429, into.cs429 = f.HubSpotStatuses.Count(429), f.ClientSuccessStatuses.Count(429)
}

// workerConfig paces the workers just under the fakes' limits, as an operator would configure
// them: the rates are the account's, shared by every worker on the task queue.
func workerConfig(f *devstack.Fakes, sc scenario, temporalAddress, queue string) config.Worker {
	cfg := f.WorkerConfig(config.Temporal{Address: temporalAddress, Namespace: "default", TaskQueue: queue})
	if sc.limits.any() {
		cfg.HubSpot.RequestsPerSecond = float64(sc.limits.hubspotPer10s) / 10 * 0.98
		cfg.HubSpot.SearchRequestsPerSecond = float64(sc.limits.searchPerSecond) * 0.9
		cfg.ClientSuccess.RequestsPerSecond = float64(sc.limits.csPerSecond) * 0.95
	}
	return cfg
}

// runTemporal runs SyncContacts with sc.workers worker processes on one task queue and, with
// reruns, runs it again with nothing changed, in full and then incrementally.
func runTemporal(ctx context.Context, env benchEnv, sc scenario, reruns bool) (first, rerun, incremental figures) {
	f := startFakes(sc)
	defer f.Close()
	first.changed = seed(f, sc)
	queue := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	cfg := workerConfig(f, sc, env.server.FrontendHostPort(), queue)
	var procs []*devstack.WorkerProcess
	for range max(1, sc.workers) {
		w, err := devstack.StartWorkerProcess(env.workerBin, cfg, io.Discard)
		check(err)
		defer w.Stop()
		procs = append(procs, w)
	}
	c := env.server.Client()
	// Each worker's preflight calls the APIs before it polls: measure the sync, not the start-ups.
	waitPolling(ctx, c, queue, len(procs))
	completed := 0
	run := func(into *figures, in workflows.SyncContactsInput) {
		// An incremental batch reads its watermark from visibility: wait until the last batch is listed.
		waitCompleted(ctx, c, queue, completed)
		resetCounters(f)
		start := time.Now()
		in.Concurrency = sc.concurrency
		wr, err := starting.StartBatch(ctx, c, queue, in)
		check(err)
		var res workflows.SyncContactsResult
		check(wr.Get(ctx, &res))
		completed++
		into.elapsed = time.Since(start)
		into.synced = res.Total
		count(f, into)
		if res.Total != sc.contacts && !res.Incremental {
			fmt.Fprintf(os.Stderr, "bench: synced %d of %d contacts: %v\n", res.Total, sc.contacts, res.Counts)
		}
	}
	run(&first, workflows.SyncContactsInput{})
	sync, paced := longestHistory(ctx, c, queue, false), longestHistory(ctx, c, pacing.TaskQueue(queue), true)
	first.maxHistory, first.executions, first.paced = max(sync.longest, paced.longest), sync.executions+paced.executions, paced
	if reruns {
		run(&rerun, workflows.SyncContactsInput{})
		run(&incremental, workflows.SyncContactsInput{Incremental: true})
	}
	for _, w := range procs {
		rss, err := w.PeakRSS()
		check(err)
		first.peakRSS = max(first.peakRSS, rss)
	}
	return first, rerun, incremental
}

// waitPolling polls the task queue until n workers poll it for activities.
func waitPolling(ctx context.Context, c client.Client, queue string, n int) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := c.DescribeTaskQueue(ctx, queue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		check(err)
		if len(resp.GetPollers()) >= n {
			return
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("%d of %d workers poll task queue %s", len(resp.GetPollers()), n, queue))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitCompleted polls visibility until it lists n completed SyncContacts runs on the queue.
func waitCompleted(ctx context.Context, c client.Client, queue string, n int) {
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = 'SyncContacts' AND ExecutionStatus = 'Completed' AND TaskQueue = %q", queue)})
		check(err)
		if resp.GetCount() >= int64(n) {
			return
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("visibility lists %d completed batches, want %d", resp.GetCount(), n))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// longestHistory scans every execution on a task queue for the longest history (a running one's
// length is asked for: visibility updates it only now and then) and, if asked, counts their updates.
func longestHistory(ctx context.Context, c client.Client, queue string, countUpdates bool) history {
	var h history
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = %q", queue), PageSize: 1000, NextPageToken: token,
		})
		check(err)
		for _, e := range resp.Executions {
			h.executions++
			length := e.GetHistoryLength()
			if e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				d, err := c.DescribeWorkflowExecution(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
				check(err)
				length = d.GetWorkflowExecutionInfo().GetHistoryLength()
			}
			h.longest = max(h.longest, length)
			if countUpdates {
				h.updates += updates(ctx, c, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
			}
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return h
		}
	}
}

// updates counts the updates a workflow run accepted.
func updates(ctx context.Context, c client.Client, workflowID, runID string) int64 {
	var n int64
	events := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		e, err := events.Next()
		check(err)
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			n++
		}
	}
	return n
}

func per(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
