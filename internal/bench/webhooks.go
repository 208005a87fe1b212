package main

// The webhooks mode (-mode webhooks): how fast a change in HubSpot reaches ClientSuccess through the
// fake's webhooks and the worker's receiver, with no batch and no starter, at zero and at -latency
// per API call; then a burst of events over many contacts, sent twice and out of order, checked for
// lost and duplicated records and for the number of syncs it took.

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/workflows"
)

var (
	webhookSamples = flag.Int("webhook-samples", 40, "webhooks: moves timed at each latency, one at a time")
	burstEvents    = flag.Int("burst-events", 1000, "webhooks: events in the burst")
	burstContacts  = flag.Int("burst-contacts", 300, "webhooks: contacts the burst's events are spread over")
)

// clients every webhook scenario moves contacts between; contact i starts on deal burstDeal(0).
const burstClients = 10

func burstDeal(n int) string { return fmt.Sprint(30_000_000 + n%burstClients) }

func init() {
	register("webhooks", mode{run: runWebhookBench,
		about: "change-to-write latency through the fake's webhooks at zero and -latency, then a burst"})
}

// runWebhookBench prints latency at zero and at -latency per API call side by side, then the burst.
func runWebhookBench(ctx context.Context, env benchEnv) {
	srv := env.server
	fmt.Printf("webhooks: a change in the HubSpot fake → its signed webhook → the worker's receiver → SyncContact → "+
		"ClientSuccess; dev server %s\n\n", srv.FrontendHostPort())
	fast := timeMoves(ctx, srv, 0, *webhookSamples)
	slow := timeMoves(ctx, srv, *latency, *webhookSamples)
	fmt.Printf("change to first ClientSuccess write of the move, %d moves one at a time (1 more to warm up)\n", *webhookSamples)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tzero API latency\t%s per API call\n", *latency)
	fmt.Fprintf(tw, "p50\t%s\t%s\n", percentile(fast, 0.50), percentile(slow, 0.50))
	fmt.Fprintf(tw, "p99\t%s\t%s\n", percentile(fast, 0.99), percentile(slow, 0.99))
	fmt.Fprintf(tw, "max\t%s\t%s\n", percentile(fast, 1), percentile(slow, 1))
	tw.Flush()
	fmt.Println()
	burst(ctx, srv, *burstEvents, *burstContacts)
}

// hooked is fakes with an API latency, seeded with contacts on the first of the burst's clients,
// and an in-process worker receiving their webhooks on its own task queue.
type hooked struct {
	fakes *devstack.Fakes
	clock *writeClock
	queue string
	stop  func()
}

func hookedStack(ctx context.Context, srv devServer, latency time.Duration, n int, o hubspotfake.WebhookOptions) hooked {
	h := hooked{clock: &writeClock{}, queue: fmt.Sprintf("bench-webhooks-%d", time.Now().UnixNano())}
	f := devstack.StartFakesWrapped(func(system string, next http.Handler) http.Handler {
		if system == "ClientSuccess" {
			return h.clock.wrap(next)
		}
		return next
	})
	setLatency(f, latency)
	var hs hubspotfake.Fixture
	var cs csfake.Fixture
	for c := range burstClients {
		deal := burstDeal(c)
		hs.Deals = append(hs.Deals, hubspotfake.Record{ID: deal, Properties: map[string]string{"dealname": "Deal " + deal}})
		cs.Clients = append(cs.Clients, clientsuccess.Client{ID: clientOf(deal), Name: "Client " + deal, ExternalID: deal, Active: true})
	}
	for i := range n {
		id, email := contactID(i), fmt.Sprintf("hook%d@example.com", i)
		hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{"email": email, "firstname": "Hook",
			"lastname": fmt.Sprint(i), "sync_w_clientsuccess_contact": "true", "associated_deal_id": burstDeal(0)}})
		cs.Contacts = append(cs.Contacts, clientsuccess.Contact{ClientID: clientOf(burstDeal(0)), ExternalID: id, Email: email,
			FirstName: "Hook", LastName: fmt.Sprint(i)})
	}
	f.HubSpot.Seed(hs)
	f.ClientSuccess.Seed(cs)
	cfg := f.WorkerConfig(config.Temporal{Address: srv.FrontendHostPort(), Namespace: "default", TaskQueue: h.queue})
	check(f.ConnectWebhooks(&cfg, o))
	stop, err := devstack.StartWorker(ctx, cfg, nil)
	check(err)
	h.fakes, h.stop = f, func() { stop(); f.Close() }
	return h
}

func contactID(i int) string { return fmt.Sprint(40_000_000 + i) }

// timeMoves moves samples+1 contacts one at a time by changing their deal id, and returns, for all
// but the first, the time from the change to ClientSuccess's answer to the move's first write.
func timeMoves(ctx context.Context, srv devServer, latency time.Duration, samples int) []time.Duration {
	h := hookedStack(ctx, srv, latency, samples+1, hubspotfake.WebhookOptions{})
	defer h.stop()
	var out []time.Duration
	for i := range samples + 1 {
		changed := time.Now()
		h.fakes.HubSpot.Put("contacts", contactID(i), map[string]string{"associated_deal_id": burstDeal(1)})
		check(h.fakes.HubSpot.WaitWebhooks(ctx))
		runs, err := starting.AwaitChain(ctx, srv.Client(), workflows.ContactWorkflowID(contactID(i)))
		check(err)
		if runs[0].Outcome != "moved" {
			check(fmt.Errorf("contact %s: the event's sync ended %q, not moved", contactID(i), runs[0].Outcome))
		}
		if i > 0 {
			out = append(out, h.clock.firstAfter(changed).Sub(changed))
		}
	}
	return out
}

// burst changes the deal id of contacts, events in all, as fast as the fake takes them, with every
// POST sent twice and reversed, then waits for the syncs to settle and counts.
func burst(ctx context.Context, srv devServer, events, contacts int) {
	h := hookedStack(ctx, srv, 0, contacts, hubspotfake.WebhookOptions{Duplicate: true, Reorder: true})
	defer h.stop()
	want := make([]string, contacts) // the deal each contact ends on
	start := time.Now()
	for n := range events {
		i, round := n%contacts, n/contacts+1
		want[i] = burstDeal(round)
		h.fakes.HubSpot.Put("contacts", contactID(i), map[string]string{"associated_deal_id": want[i]})
	}
	made := time.Since(start)
	check(h.fakes.HubSpot.WaitWebhooks(ctx))
	if !waitSettled(ctx, srv.Client(), h, want) {
		fmt.Println("  the burst did not settle within 5 minutes: counting what is there")
	}
	settled := time.Since(start)

	_, lost, duplicated := placed(h.fakes, want)
	runs := syncRuns(ctx, srv.Client(), h.queue)
	total, most := 0, 0
	for _, n := range runs {
		total += n
		most = max(most, n)
	}
	st := h.fakes.HubSpot.WebhookStats()
	calls := h.fakes.ClientSuccess.CallsByRoute()
	fmt.Printf("burst: %d deal id changes over %d contacts, made in %s; every POST sent twice, events reversed\n", events, contacts,
		made.Round(time.Millisecond))
	fmt.Printf("  events %d in webhook POSTs %d: accepted %d, refused and retried %d %v; settled %.1f s after the first change\n",
		st.Events, st.Posts, st.Accepted, st.Refused, st.RefusedBy, settled.Seconds())
	fmt.Printf("  lost %d, duplicated %d (contacts not on their last deal's client / on more than one)\n", lost, duplicated)
	fmt.Printf("  syncs %d for %d contacts: %.2f per contact, at most %d for one (target: at most 2, the first and one more)\n",
		total, len(runs), float64(total)/float64(max(1, len(runs))), most)
	fmt.Printf("  ClientSuccess creates %d, removals %d\n",
		calls["POST /v1/clients/{cid}/contacts"], calls["DELETE /v1/clients/{cid}/contacts/{id}"])
}

// placed counts the contacts on exactly their last deal's client, those on none or another
// (lost), and those on more than one (duplicated).
func placed(f *devstack.Fakes, want []string) (right, lost, duplicated int) {
	on := map[string][]int64{}
	for _, c := range f.ClientSuccess.Contacts() {
		on[c.ExternalID] = append(on[c.ExternalID], c.ClientID)
	}
	for i, deal := range want {
		switch records := on[contactID(i)]; {
		case len(records) > 1:
			duplicated++
		case len(records) == 0 || records[0] != clientOf(deal):
			lost++
		default:
			right++
		}
	}
	return right, lost, duplicated
}

func clientOf(deal string) int64 {
	for c := range burstClients {
		if burstDeal(c) == deal {
			return int64(1 + c)
		}
	}
	return 0
}

// waitSettled polls until every contact is on its last deal's client and no sync runs on the
// worker's task queue; false when that did not happen within 5 minutes.
func waitSettled(ctx context.Context, c client.Client, h hooked, want []string) bool {
	deadline := time.Now().Add(5 * time.Minute)
	for ; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		right, _, _ := placed(h.fakes, want)
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = 'SyncContact' AND TaskQueue = %q AND ExecutionStatus = 'Running'", h.queue)})
		check(err)
		if right == len(want) && resp.GetCount() == 0 {
			return true
		}
	}
	return false
}

// syncRuns counts the SyncContact runs on the queue per workflow id, once visibility lists them all.
func syncRuns(ctx context.Context, c client.Client, queue string) map[string]int {
	runs := map[string]int{}
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = 'SyncContact' AND TaskQueue = %q", queue), PageSize: 1000, NextPageToken: token})
		check(err)
		for _, e := range resp.GetExecutions() {
			runs[e.GetExecution().GetWorkflowId()]++
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return runs
		}
	}
}

// writeClock notes when ClientSuccess answered each write.
type writeClock struct {
	mu    sync.Mutex
	times []time.Time
}

func (w *writeClock) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(rw, r)
		if r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/contacts") {
			w.mu.Lock()
			w.times = append(w.times, time.Now())
			w.mu.Unlock()
		}
	})
}

// firstAfter is the first write answered after t.
func (w *writeClock) firstAfter(t time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, at := range w.times {
		if at.After(t) {
			return at
		}
	}
	check(fmt.Errorf("no ClientSuccess write after %s", t.Format(time.RFC3339Nano)))
	return t
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)].Round(time.Millisecond)
}
