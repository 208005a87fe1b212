// Package webhook receives HubSpot's webhooks and turns them into syncs: it checks each delivery's
// signature and age, maps its events to the syncs they concern, drops repeats, and answers 2xx
// only once every sync was handed to Temporal (so a failed hand-over is retried by HubSpot).
// Coalescing the events of a contact is SyncContact's job (ChangedSignal).
package webhook

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/uber-go/tally/v4"

	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/workflows"
)

// Limits of a delivery. HubSpot sends at most 100 events, a few hundred bytes each.
const (
	MaxBodyBytes   = 1 << 20
	handoffTimeout = 4 * time.Second // HubSpot gives up on an answer after 5 s and retries
	// handoffCalls bounds the calls to Temporal in flight for all deliveries together: HubSpot
	// sends up to 10 deliveries at once, and a burst of them must not swamp the frontend.
	handoffCalls = 32
	repeatWindow = 10 * time.Minute
	repeatLimit  = 100_000
)

// The results a delivery is counted under (cssync_webhook_deliveries).
const (
	resultAccepted     = "accepted"
	resultBadSignature = "bad_signature"
	resultBadTimestamp = "bad_timestamp"
	resultTooLarge     = "too_large"
	resultBadBody      = "bad_body"
	resultNotPost      = "not_post"
	resultHandoff      = "handoff_error"
)

// Starter hands syncs to Temporal; each call returns once the start (or signal) is durable.
type Starter interface {
	SyncContact(ctx context.Context, id string, change workflows.HubSpotChange) error
	SyncClients(ctx context.Context) error
	MaintainCheckbox(ctx context.Context) error
}

// Receiver is the webhook endpoint.
type Receiver struct {
	verify  Verifier
	rules   Rules
	start   Starter
	recent  *recent
	calls   chan struct{} // handoffCalls slots
	metrics tally.Scope
	logger  *slog.Logger
}

// New makes a receiver; v.Now nil means time.Now.
func New(v Verifier, rules Rules, start Starter, metrics tally.Scope, logger *slog.Logger) *Receiver {
	if v.Now == nil {
		v.Now = time.Now
	}
	return &Receiver{verify: v, rules: rules, start: start, recent: newRecent(repeatWindow, repeatLimit),
		calls: make(chan struct{}, handoffCalls), metrics: metrics.SubScope("cssync").SubScope("webhook"), logger: logger}
}

// ServeHTTP checks a delivery and hands its syncs over: 204 once they are all durable, 401 for a
// bad signature or timestamp, 413 above MaxBodyBytes, 400 for a body that is not events, 503 when
// Temporal did not take them all. Nothing is started for a refused delivery.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	events, ref := rc.read(w, r)
	if ref != nil {
		rc.refuse(w, ref)
		return
	}
	d := rc.plan(events, rc.verify.Now())
	done, err := rc.handOver(r.Context(), d)
	// What was handed over is remembered even when the rest failed: HubSpot's retry of the
	// delivery then starts only what is left.
	rc.recent.add(d.handedOver(done), rc.verify.Now())
	if err != nil {
		d.failed(done)
		rc.count(d, resultHandoff)
		rc.logger.Error("webhook delivery not all handed to Temporal; HubSpot will retry it", "events", len(events),
			"syncs", len(d.order), "handedOver", len(done), "error", err)
		http.Error(w, "the syncs could not all be started; retry", http.StatusServiceUnavailable)
		return
	}
	rc.count(d, resultAccepted)
	rc.logger.Debug("webhook delivery handed over", "events", len(events), "syncs", len(d.order))
	w.WriteHeader(http.StatusNoContent)
}

// read checks that the delivery is HubSpot's, recent and small enough, and decodes its events; a
// refusal says why not. The timestamp is checked before the body is read.
func (rc *Receiver) read(w http.ResponseWriter, r *http.Request) ([]hubspot.WebhookEvent, *refusal) {
	if r.Method != http.MethodPost {
		return nil, &refusal{http.StatusMethodNotAllowed, resultNotPost, "method " + r.Method}
	}
	if ref := rc.verify.checkTimestamp(r.Header); ref != nil {
		return nil, ref
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &refusal{http.StatusRequestEntityTooLarge, resultTooLarge, "body over the limit of " + humanBytes(tooLarge.Limit)}
	case err != nil:
		return nil, &refusal{http.StatusBadRequest, resultBadBody, "body not read: " + err.Error()}
	}
	if ref := rc.verify.checkSignature(r.Method, r.Header, body); ref != nil {
		return nil, ref
	}
	var events []hubspot.WebhookEvent
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, &refusal{http.StatusBadRequest, resultBadBody, "body is not a JSON array of events: " + err.Error()}
	}
	return events, nil
}

func (rc *Receiver) refuse(w http.ResponseWriter, ref *refusal) {
	rc.metrics.Tagged(map[string]string{"result": ref.result}).Counter("deliveries").Inc(1)
	rc.logger.Warn("webhook delivery refused", "status", ref.status, "reason", ref.reason)
	http.Error(w, http.StatusText(ref.status), ref.status)
}

// delivery is what one delivery asks for: one change per contact (the latest time, every merged
// id), the client sync and the maintainer at most once, and each event's result.
type delivery struct {
	contacts map[string]workflows.HubSpotChange
	order    []string // the syncs to hand over: contact ids, clientsTarget, checkboxTarget
	results  []eventResult
}

// The targets of the client sync and the checkbox maintainer, beside contact ids (which are
// digits, so never these).
const (
	clientsTarget  = "clients"
	checkboxTarget = "checkbox"
)

// eventResult is what became of one event; an event to hand over has its key and targets.
type eventResult struct {
	typ, result string
	key         eventKey
	targets     []string
}

func (rc *Receiver) plan(events []hubspot.WebhookEvent, now time.Time) *delivery {
	d := &delivery{contacts: map[string]workflows.HubSpotChange{}}
	inThis := map[eventKey]bool{}
	for _, e := range events {
		k := keyOf(e)
		if inThis[k] || rc.recent.has(k, now) {
			d.results = append(d.results, eventResult{typ: e.SubscriptionType, result: resultDuplicate})
			continue
		}
		inThis[k] = true
		act := rc.rules.actionFor(e)
		res := eventResult{typ: e.SubscriptionType, result: act.result, key: k}
		if act.contact != "" {
			d.addChange(act, e, now)
			res.targets = append(res.targets, act.contact)
		}
		for _, t := range []struct {
			on     bool
			target string
		}{{act.clients, clientsTarget}, {act.checkbox, checkboxTarget}} {
			if t.on {
				res.targets = append(res.targets, t.target)
				if !slices.Contains(d.order, t.target) {
					d.order = append(d.order, t.target)
				}
			}
		}
		d.results = append(d.results, res)
	}
	return d
}

// handedOver are the keys of the events every target of which was handed over.
func (d *delivery) handedOver(done map[string]bool) []eventKey {
	var keys []eventKey
	for _, r := range d.results {
		if len(r.targets) > 0 && allDone(r.targets, done) {
			keys = append(keys, r.key)
		}
	}
	return keys
}

func allDone(targets []string, done map[string]bool) bool {
	for _, t := range targets {
		if !done[t] {
			return false
		}
	}
	return true
}

// addChange folds one event into its contact's change: the latest time wins (a later change is
// what decides whether a running sync must run again), and merged ids add up.
func (d *delivery) addChange(act action, e hubspot.WebhookEvent, now time.Time) {
	at := e.Occurred()
	if at.IsZero() {
		at = now // no time given: count it as new, so a running sync reads again
	}
	c, seen := d.contacts[act.contact]
	if !seen {
		d.order = append(d.order, act.contact)
	}
	if !seen || at.After(c.OccurredAt) {
		c.OccurredAt, c.Event = at, e.SubscriptionType
	}
	for _, id := range act.merged {
		if !slices.Contains(c.MergedIDs, id) {
			c.MergedIDs = append(c.MergedIDs, id)
		}
	}
	d.contacts[act.contact] = c
}

// failed marks the events not handed over.
func (d *delivery) failed(done map[string]bool) {
	for i, r := range d.results {
		if len(r.targets) > 0 && !allDone(r.targets, done) {
			d.results[i].result = resultFailed
		}
	}
}

// handOver starts or signals every sync the delivery asks for, within handoffTimeout and the
// receiver's bound on calls in flight. It returns the targets handed over and the first error.
func (rc *Receiver) handOver(ctx context.Context, d *delivery) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, handoffTimeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		done  = map[string]bool{}
	)
	for _, target := range d.order {
		select {
		case rc.calls <- struct{}{}:
		case <-ctx.Done():
			mu.Lock()
			first = cmp.Or(first, fmt.Errorf("handing over %s: %w", target, ctx.Err()))
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-rc.calls; wg.Done() }()
			what, err := rc.startOne(ctx, d, target)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			done[target] = true
			rc.metrics.Tagged(map[string]string{"workflow": what}).Counter("syncs").Inc(1)
		}()
	}
	wg.Wait()
	return done, first
}

// startOne hands one target over; what names its workflow for the metric.
func (rc *Receiver) startOne(ctx context.Context, d *delivery, target string) (what string, err error) {
	switch target {
	case clientsTarget:
		return "clients", rc.start.SyncClients(ctx)
	case checkboxTarget:
		return "checkbox", rc.start.MaintainCheckbox(ctx)
	}
	return "contact", rc.start.SyncContact(ctx, target, d.contacts[target])
}

// count records the delivery's result and every event's, by subscription type.
func (rc *Receiver) count(d *delivery, result string) {
	rc.metrics.Tagged(map[string]string{"result": result}).Counter("deliveries").Inc(1)
	for _, r := range d.results {
		rc.metrics.Tagged(map[string]string{"type": typeLabel(r.typ), "result": r.result}).Counter("events").Inc(1)
	}
}

// typeLabel keeps the metric's labels few: a subscription type as HubSpot spells them, or "other".
func typeLabel(t string) string {
	if len(t) <= 40 && subscriptionType.MatchString(t) {
		return t
	}
	return "other"
}

var subscriptionType = regexp.MustCompile(`^[a-z_]+\.[A-Za-z_]+$`)

func humanBytes(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
