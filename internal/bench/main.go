// Command bench measures the sync end to end on a real Temporal dev server against the fakes, and
// the same work done by a plain sequential loop of direct API calls, in the same run:
//
//	go run ./internal/bench                         # N=10,000 contacts over M=1,000 clients
//	go run ./internal/bench -contacts 1000 -realistic-contacts 60
//
// Every contact is checked and already in ClientSuccess; a fraction (-moving) has a new deal and
// must move. It prints throughput, API calls per contact, writes per changed contact, the worker's
// peak RSS and the largest workflow history; then the same at realistic latency and rate limits as
// a fraction of the bound those limits set; then a second run with nothing changed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/workflows"
)

// scenario is one measured configuration.
type scenario struct {
	name        string
	contacts    int
	clients     int
	moving      float64
	latency     time.Duration
	limits      limits
	concurrency int
}

// limits are the fakes' rate limits and the worker's matching pace (0: none).
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
	hsWrites, csWrites     int
	hs429, cs429           int
	peakRSS                int64
	maxHistory, executions int64
}

func (f figures) perSecond() float64 { return float64(f.synced) / f.elapsed.Seconds() }

func main() {
	n := flag.Int("contacts", 10000, "contacts (N)")
	m := flag.Int("clients", 1000, "ClientSuccess clients / HubSpot deals (M)")
	moving := flag.Float64("moving", 0.10, "fraction of contacts whose deal changed")
	concurrency := flag.Int("concurrency", 50, "SyncContacts children in flight")
	realisticN := flag.Int("realistic-contacts", 100, "contacts for the realistic-latency runs (0 skips them)")
	latency := flag.Duration("latency", 100*time.Millisecond, "realistic latency per API call")
	hsLimit := flag.Int("hubspot-per-10s", 190, "realistic HubSpot limit per 10 s")
	searchLimit := flag.Int("search-per-second", 5, "realistic HubSpot search limit per second")
	csLimit := flag.Int("clientsuccess-per-second", 10, "realistic ClientSuccess limit per second")
	scaleN := flag.Int("scale-contacts", 0, "also run N' contacts at zero latency and compare peak RSS and history with N (0 skips it; the issue's check is 100000)")
	flag.Parse()
	if *webhookMode {
		runWebhookBench(*latency)
		return
	}

	ctx := context.Background()
	srv, err := devstack.StartDevServer(ctx, devstack.DevServerOptions{})
	check(err)
	defer srv.Stop()
	dir, err := os.MkdirTemp("", "cssync-bench-")
	check(err)
	defer os.RemoveAll(dir)
	bin, err := devstack.BuildWorker(dir)
	check(err)

	fast := scenario{name: "zero latency, no limits", contacts: *n, clients: *m, moving: *moving, concurrency: *concurrency}
	fmt.Printf("N=%d contacts over M=%d clients, %.0f%% moving; dev server %s\n\n", *n, *m, *moving*100, srv.FrontendHostPort())
	tFast, rerun, incremental := runTemporal(ctx, srv, bin, fast, true)
	sFast := runSequential(ctx, fast)
	report(fast, tFast, sFast, limits{})
	fmt.Printf("\nno-change rerun (N=%d): HubSpot calls %d (target ≤ %d), ClientSuccess calls %d, ClientSuccess writes %d (target 0), %.1f s\n",
		*n, rerun.hsCalls, int(math.Ceil(float64(*n)/100))+10, rerun.csCalls, rerun.csWrites, rerun.elapsed.Seconds())
	fmt.Printf("incremental no-change rerun (N=%d): HubSpot calls %d (target ≤ %d), ClientSuccess calls %d, ClientSuccess writes %d (target 0), %d contacts listed, %.1f s\n",
		*n, incremental.hsCalls, int(math.Ceil(float64(*n)/100))+10, incremental.csCalls, incremental.csWrites, incremental.synced, incremental.elapsed.Seconds())
	if *scaleN > 0 {
		big := fast
		big.contacts = *scaleN
		tBig, _, _ := runTemporal(ctx, srv, bin, big, false)
		fmt.Printf("\nscale, zero latency: N=%d vs N=%d contacts over M=%d clients\n", *scaleN, *n, *m)
		fmt.Printf("  contacts per second: %.1f vs %.1f\n", tBig.perSecond(), tFast.perSecond())
		fmt.Printf("  worker peak RSS: %.1f MiB vs %.1f MiB, ratio %.2f (target ≤ 1.5)\n",
			float64(tBig.peakRSS)/(1<<20), float64(tFast.peakRSS)/(1<<20), float64(tBig.peakRSS)/float64(tFast.peakRSS))
		fmt.Printf("  largest history: %d events over %d executions (bound 10,000)\n", tBig.maxHistory, tBig.executions)
	}

	if *realisticN > 0 {
		lim := limits{hubspotPer10s: *hsLimit, searchPerSecond: *searchLimit, csPerSecond: *csLimit}
		real := scenario{name: fmt.Sprintf("%s latency, HubSpot %d/10 s, search %d/s, ClientSuccess %d/s", *latency, *hsLimit, *searchLimit, *csLimit),
			contacts: *realisticN, clients: max(1, *realisticN/10), moving: *moving, latency: *latency, limits: lim, concurrency: *concurrency}
		fmt.Println()
		tReal, _, _ := runTemporal(ctx, srv, bin, real, false)
		sReal := runSequential(ctx, real)
		report(real, tReal, sReal, lim)
	}
}

// seed builds the portal: every contact checked and already on its client; the moving ones have
// a new deal id pointing at the next client.
func seed(f *devstack.Fakes, sc scenario) (changed int) {
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
		id := fmt.Sprint(20_000_000 + i)
		home := i % sc.clients
		email := fmt.Sprintf("person%d@example.com", i)
		hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{
			"email": email, "firstname": "Person", "lastname": fmt.Sprint(i),
			"sync_w_clientsuccess_contact": "true", "associated_deal_id": fmt.Sprint(10_000_000 + home),
			"lastmodifieddate": backdated,
		}})
		placed := home
		if sc.moving > 0 && i%every == 0 {
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
	for _, inj := range []*faults.Injector{f.HubSpot.Faults(), f.ClientSuccess.Faults()} {
		inj.Set(faults.Config{Latency: sc.latency})
	}
	return f
}

// workerConfig paces the worker just under the fakes' limits, as an operator would configure it.
func workerConfig(f *devstack.Fakes, sc scenario, srv interface{ FrontendHostPort() string }, queue string) config.Worker {
	cfg := f.WorkerConfig(config.Temporal{Address: srv.FrontendHostPort(), Namespace: "default", TaskQueue: queue})
	if sc.limits.any() {
		cfg.HubSpot.RequestsPerSecond = float64(sc.limits.hubspotPer10s) / 10 * 0.98
		cfg.HubSpot.SearchRequestsPerSecond = float64(sc.limits.searchPerSecond) * 0.9
		cfg.ClientSuccess.RequestsPerSecond = float64(sc.limits.csPerSecond) * 0.95
	}
	return cfg
}

// runTemporal runs SyncContacts with the worker binary as a child process and, with reruns, runs
// it again with nothing changed, in full and then incrementally.
func runTemporal(ctx context.Context, srv interface {
	FrontendHostPort() string
	Client() client.Client
}, bin string, sc scenario, reruns bool) (first, rerun, incremental figures) {
	f := startFakes(sc)
	defer f.Close()
	first.changed = seed(f, sc)
	queue := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	w, err := devstack.StartWorkerProcess(bin, workerConfig(f, sc, srv, queue), io.Discard)
	check(err)
	defer w.Stop()

	completed := 0
	run := func(into *figures, in workflows.SyncContactsInput) {
		// An incremental batch reads its watermark from visibility: wait until the last batch is listed.
		waitCompleted(ctx, srv.Client(), queue, completed)
		f.HubSpot.ResetCounters()
		f.ClientSuccess.ResetCounters()
		f.HubSpotStatuses.Reset()
		f.ClientSuccessStatuses.Reset()
		start := time.Now()
		in.Concurrency = sc.concurrency
		wr, err := starting.StartBatch(ctx, srv.Client(), queue, in)
		check(err)
		var res workflows.SyncContactsResult
		check(wr.Get(ctx, &res))
		completed++
		into.elapsed = time.Since(start)
		into.synced = res.Total
		into.hsCalls, into.csCalls = f.HubSpot.Calls(), f.ClientSuccess.Calls()
		into.hsSearches = f.HubSpot.CallsByRoute()[hubspotfake.RouteSearch]
		into.hsWrites, into.csWrites = f.HubSpot.Writes(), f.ClientSuccess.Writes()
		into.hs429, into.cs429 = f.HubSpotStatuses.Count(429), f.ClientSuccessStatuses.Count(429)
		if res.Total != sc.contacts && !res.Incremental {
			fmt.Fprintf(os.Stderr, "bench: synced %d of %d contacts: %v\n", res.Total, sc.contacts, res.Counts)
		}
	}
	run(&first, workflows.SyncContactsInput{})
	first.maxHistory, first.executions = largestHistory(ctx, srv.Client(), queue)
	if reruns {
		run(&rerun, workflows.SyncContactsInput{})
		run(&incremental, workflows.SyncContactsInput{Incremental: true})
	}
	first.peakRSS, err = w.PeakRSS()
	check(err)
	return first, rerun, incremental
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

// largestHistory scans every execution on the task queue for the longest history.
func largestHistory(ctx context.Context, c client.Client, queue string) (longest, executions int64) {
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = %q", queue), PageSize: 1000, NextPageToken: token,
		})
		check(err)
		for _, e := range resp.Executions {
			executions++
			longest = max(longest, e.GetHistoryLength())
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return longest, executions
		}
	}
}

func report(sc scenario, t, s figures, lim limits) {
	fmt.Printf("== %s: %d contacts, %d changed\n", sc.name, t.synced, t.changed)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tTemporal worker\tsequential loop")
	row := func(name, format string, a, b any) { fmt.Fprintf(tw, "%s\t"+format+"\t"+format+"\n", name, a, b) }
	row("elapsed (s)", "%.1f", t.elapsed.Seconds(), s.elapsed.Seconds())
	row("contacts per second", "%.1f", t.perSecond(), s.perSecond())
	row("HubSpot calls per contact", "%.2f", per(t.hsCalls, t.synced), per(s.hsCalls, s.synced))
	row("ClientSuccess calls per contact", "%.2f", per(t.csCalls, t.synced), per(s.csCalls, s.synced))
	row("ClientSuccess writes per changed contact", "%.2f", per(t.csWrites, t.changed), per(s.csWrites, s.changed))
	row("answers 429 (HubSpot / ClientSuccess)", "%s", fmt.Sprintf("%d / %d", t.hs429, t.cs429), fmt.Sprintf("%d / %d", s.hs429, s.cs429))
	tw.Flush()
	fmt.Printf("throughput ratio, worker / sequential: %.2f×\n", t.perSecond()/s.perSecond())
	fmt.Printf("worker peak RSS: %.1f MiB; largest history: %d events over %d executions\n", float64(t.peakRSS)/(1<<20), t.maxHistory, t.executions)
	if lim.any() {
		bound := rateBound(t, lim)
		fmt.Printf("rate-limit bound at these calls per contact: %.2f contacts/s; reached %.0f%% of it; 429s were %.2f%% of calls\n",
			bound, 100*t.perSecond()/bound, 100*float64(t.hs429+t.cs429)/float64(max(1, t.hsCalls+t.csCalls)))
	}
}

// rateBound is the most contacts per second the limits allow at the measured calls per contact.
func rateBound(t figures, lim limits) float64 {
	bound := math.Inf(1)
	if lim.hubspotPer10s > 0 && t.hsCalls > 0 {
		bound = math.Min(bound, float64(lim.hubspotPer10s)/10/per(t.hsCalls, t.synced))
	}
	if lim.searchPerSecond > 0 && t.hsSearches > 0 {
		bound = math.Min(bound, float64(lim.searchPerSecond)/per(t.hsSearches, t.synced))
	}
	if lim.csPerSecond > 0 && t.csCalls > 0 {
		bound = math.Min(bound, float64(lim.csPerSecond)/per(t.csCalls, t.synced))
	}
	return bound
}

func per(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
