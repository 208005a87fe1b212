package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// chaosSettings size the chaos run. The default is CI's short run; CHAOS_LONG=1 (`make chaos`)
// is the full one: 1,000 contacts.
type chaosSettings struct {
	contacts           int
	minKills, maxKills int           // after maxKills kills the worker is left to finish
	killEvery, killMax time.Duration // a kill comes a random time in [killEvery, killMax) after a start
	timeout            time.Duration
}

func chaosConfig(t *testing.T) chaosSettings {
	c := chaosSettings{contacts: 200, minKills: 5, maxKills: 6, killEvery: 500 * time.Millisecond, killMax: 2 * time.Second, timeout: 4 * time.Minute}
	if os.Getenv("CHAOS_LONG") == "1" {
		c = chaosSettings{contacts: 1000, minKills: 5, maxKills: 12, killEvery: time.Second, killMax: 6 * time.Second, timeout: 20 * time.Minute}
	}
	if v := os.Getenv("CHAOS_CONTACTS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "CHAOS_CONTACTS")
		c.contacts = n
	}
	return c
}

// newChaosPortal: 30% of the contacts are already on another deal's client and must move, 10%
// are already in place, 10% are unchecked (half of them synced before: they must stay put), the
// rest are new; deals 36..40 have no client yet.
func newChaosPortal(n int) batchPortal {
	p := newPortalWithDeals()
	for i := 0; i < n; i++ {
		id := contactID(i)
		// Contacts that move pick a deal that has a client, and come from another one.
		deal := i % batchDealsAsClient
		if i%10 == 9 {
			deal = batchDealsAsClient + i%(batchDeals-batchDealsAsClient) // waiting for a client
		}
		props := map[string]string{
			"email": fmt.Sprintf("person%d@example.com", i), "firstname": "Person", "lastname": fmt.Sprint(i),
			"sync_w_clientsuccess_contact": "true", "associated_deal_id": dealID(deal),
		}
		rec := clientsuccess.Contact{Email: props["email"], FirstName: "Person", LastName: props["lastname"], ExternalID: id}
		switch i % 10 {
		case 0:
			props["sync_w_clientsuccess_contact"] = "false"
			if i%20 == 0 {
				rec.ClientID = clientID(deal + 1)
				p.cs.Contacts = append(p.cs.Contacts, rec)
				p.home[id] = rec.ClientID
			}
		case 1, 2, 3:
			rec.ClientID = clientID((deal + 1 + i%7) % batchDealsAsClient)
			if rec.ClientID == clientID(deal) {
				rec.ClientID = clientID((deal + 1) % batchDealsAsClient)
			}
			p.cs.Contacts = append(p.cs.Contacts, rec)
			p.want[id], p.home[id] = syncplan.Moved, clientID(deal)
		case 4:
			rec.ClientID = clientID(deal)
			p.cs.Contacts = append(p.cs.Contacts, rec)
			p.want[id], p.home[id] = syncplan.Unchanged, clientID(deal)
		case 9:
			p.want[id] = syncplan.WaitingClient
		default:
			p.want[id], p.home[id] = syncplan.Created, clientID(deal)
		}
		p.hubspot.Contacts = append(p.hubspot.Contacts, hubspotfake.Record{ID: id, Properties: props})
	}
	return p
}

// quietSDKLogger keeps the chaos run's own clients from logging every refused connection.
func quietSDKLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// freeAddress picks a loopback port that is free now, so a dev server can be restarted on it.
func freeAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestChaos runs a batch over a portal where 30% of the contacts move, while both fakes answer
// 10% of calls with a 5xx maintenance page and 5% with a 429 and add latency jitter, the worker
// process is SIGKILLed and restarted at random moments, and the Temporal dev server (persisting
// to SQLite) is stopped and started again on the same port mid-run. Afterwards every contact must
// be exactly once on its client, or, for a contact whose sync stopped on a failure, exactly once
// where it was; unchecked and hand-entered records must be untouched.
func TestChaos(t *testing.T) {
	cfg := chaosConfig(t)
	s := newStack(t)
	seed := time.Now().UnixNano()
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("chaos: %d contacts, seed %d (CHAOS_SEED to repeat)", cfg.contacts, seed)

	// A dev server of its own, on a fixed port with a database file, so it can be restarted.
	addr, db := freeAddress(t), filepath.Join(t.TempDir(), "temporal.db")
	startServer := func() *testsuite.DevServer {
		srv, err := devstack.StartDevServer(context.Background(), devstack.DevServerOptions{Address: addr, DBFile: db})
		require.NoError(t, err)
		return srv
	}
	srv := startServer()
	t.Cleanup(func() { _ = srv.Stop() })
	s.cfg.Temporal.Address = addr
	dial := func() client.Client {
		c, err := client.Dial(client.Options{HostPort: addr, Logger: quietSDKLogger()})
		require.NoError(t, err)
		return c
	}
	s.client = dial()

	p := newChaosPortal(cfg.contacts)
	unowned := unownedContacts()
	p.cs.Contacts = append(p.cs.Contacts, unowned...)
	s.fakes.HubSpot.Seed(p.hubspot)
	s.fakes.ClientSuccess.Seed(p.cs)
	for i, f := range []*faults.Injector{s.fakes.HubSpot.Faults(), s.fakes.ClientSuccess.Faults()} {
		f.Set(faults.Config{ErrorRate: 0.10, TooManyRate: 0.05, Jitter: 10 * time.Millisecond, Seed: seed + int64(i)})
	}

	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	w := s.startWorkerProcess()
	_, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue,
		workflows.SyncContactsInput{Concurrency: 20, PageSize: 100, ContactsPerRun: 100, StepTimeout: 5 * time.Second})
	require.NoError(t, err)

	// The batch's result, read with a fresh connection each try: the server goes away once.
	type outcome struct {
		res workflows.SyncContactsResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		for ctx.Err() == nil {
			c := dial()
			var res workflows.SyncContactsResult
			err := c.GetWorkflow(ctx, workflows.BatchWorkflowID, "").Get(ctx, &res)
			c.Close()
			if err == nil || ctx.Err() != nil {
				done <- outcome{res, err}
				return
			}
			select { // the server is restarting: try again shortly
			case <-time.After(500 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		done <- outcome{err: ctx.Err()}
	}()

	kills, workerStarts, serverRestarts := 0, 1, 0
	var result outcome
loop:
	for {
		wait := cfg.killEvery + time.Duration(rng.Int63n(int64(cfg.killMax-cfg.killEvery)))
		if kills >= cfg.maxKills {
			wait = cfg.timeout // no more kills: wait for the batch
		}
		select {
		case result = <-done:
			break loop
		case <-time.After(wait):
		}
		w.kill()
		kills++
		if kills == 2 {
			require.NoError(t, srv.Stop())
			srv = startServer()
			serverRestarts++
		}
		w = s.startWorkerProcess()
		workerStarts++
	}
	require.NoError(t, result.err, "the batch did not finish: %s", pendingWork(dial(), workflows.BatchWorkflowID))
	res := result.res

	hs, cs := s.fakes.HubSpot.Faults().Stats(), s.fakes.ClientSuccess.Faults().Stats()
	check := checkPlacement(s, p, cfg.contacts, unowned)
	// A contact whose sync failed for good (all retries answered with faults) stopped cleanly: it
	// is exactly once where it was. Those are counted as "wrongly placed" and must not outnumber
	// the failures the batch reported.
	stayed := check.wronglyPlaced
	fmt.Printf("chaos: faults injected: %d (5xx %d, 429 %d); kills: %d; worker restarts: %d; dev server restarts: %d\n",
		hs.ServerErrors+hs.TooMany+cs.ServerErrors+cs.TooMany, hs.ServerErrors+cs.ServerErrors, hs.TooMany+cs.TooMany,
		kills, workerStarts-1, serverRestarts)
	fmt.Printf("chaos: contacts verified: %d; stopped cleanly where they were: %d; lost: %d; duplicated: %d; wrongly touched: %d\n",
		check.verified, stayed, check.lost, check.duplicated, check.wronglyTouched)
	fmt.Printf("chaos: batch outcomes over %d runs: %v\n", res.Runs, res.Counts)

	require.GreaterOrEqual(t, kills, cfg.minKills, "the worker was killed often enough")
	require.Equal(t, 1, serverRestarts)
	require.Zero(t, check.lost, check.problems)
	require.Zero(t, check.duplicated, check.problems)
	require.Zero(t, check.wronglyTouched, check.problems)
	require.LessOrEqual(t, stayed, res.Counts[syncplan.Failed], check.problems)
	require.Equal(t, len(p.want), res.Total, "every checked contact was synced once by the batch")
}

// pendingWork says what a workflow still waits on: its pending steps (with their attempts and last
// failure) and children, for a test that timed out waiting for it.
func pendingWork(c client.Client, workflowID string) string {
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return "describe: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is %s", workflowID, d.GetWorkflowExecutionInfo().GetStatus())
	for _, p := range d.GetPendingActivities() {
		fmt.Fprintf(&b, "\n  step %s: %s, attempt %d, last failure: %s", p.GetActivityType().GetName(), p.GetState(), p.GetAttempt(),
			p.GetLastFailure().GetMessage())
	}
	for _, ch := range d.GetPendingChildren() {
		fmt.Fprintf(&b, "\n  child %s (%s)", ch.GetWorkflowId(), pendingWorkOf(c, ch.GetWorkflowId()))
	}
	return b.String()
}

func pendingWorkOf(c client.Client, workflowID string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return err.Error()
	}
	var parts []string
	for _, p := range d.GetPendingActivities() {
		parts = append(parts, fmt.Sprintf("%s attempt %d: %s", p.GetActivityType().GetName(), p.GetAttempt(), p.GetLastFailure().GetMessage()))
	}
	return strings.Join(parts, "; ")
}
