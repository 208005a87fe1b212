// Package webhook receives HubSpot's webhooks and turns them into syncs: it checks each delivery's
// signature and age, maps its events to the syncs they concern, drops repeats, and answers 2xx
// only once every sync was handed to Temporal (so a failed hand-over is retried by HubSpot).
// Coalescing the events of a contact is SyncContact's job (ChangedSignal).
package webhook

import (
	"context"
	"encoding/json"
	"errors"
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
	MaxBodyBytes    = 1 << 20
	handoffTimeout  = 4 * time.Second // HubSpot gives up on an answer after about 5 s and retries
	handoffParallel = 8
	repeatWindow    = 10 * time.Minute
	repeatLimit     = 100_000
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
	metrics tally.Scope
	logger  *slog.Logger
}

// New makes a receiver; v.Now nil means time.Now.
func New(v Verifier, rules Rules, start Starter, metrics tally.Scope, logger *slog.Logger) *Receiver {
	if v.Now == nil {
		v.Now = time.Now
	}
	return &Receiver{verify: v, rules: rules, start: start, recent: newRecent(repeatWindow, repeatLimit),
		metrics: metrics.SubScope("cssync").SubScope("webhook"), logger: logger}
}

// ServeHTTP checks a delivery and hands its syncs over: 204 once they are all durable, 401 for a
// bad signature or timestamp, 413 above MaxBodyBytes, 400 for a body that is not events, 503 when
// Temporal did not take them. Nothing is started for a refused delivery.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rc.refuse(w, &refusal{http.StatusMethodNotAllowed, resultNotPost, "method " + r.Method})
		return
	}
	if ref := rc.verify.checkTimestamp(r.Header); ref != nil {
		rc.refuse(w, ref)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		rc.refuse(w, &refusal{http.StatusRequestEntityTooLarge, resultTooLarge, "body over the limit of " + humanBytes(tooLarge.Limit)})
		return
	case err != nil:
		rc.refuse(w, &refusal{http.StatusBadRequest, resultBadBody, "body not read: " + err.Error()})
		return
	}
	if ref := rc.verify.checkSignature(r.Method, r.Header, body); ref != nil {
		rc.refuse(w, ref)
		return
	}
	var events []hubspot.WebhookEvent
	if err := json.Unmarshal(body, &events); err != nil {
		rc.refuse(w, &refusal{http.StatusBadRequest, resultBadBody, "body is not a JSON array of events: " + err.Error()})
		return
	}
	d := rc.plan(events, rc.verify.Now())
	if err := rc.handOver(r.Context(), d); err != nil {
		d.failed()
		rc.count(d)
		rc.metrics.Tagged(map[string]string{"result": resultHandoff}).Counter("deliveries").Inc(1)
		rc.logger.Error("webhook delivery not handed to Temporal; HubSpot will retry it", "events", len(events), "error", err)
		http.Error(w, "the syncs could not be started; retry", http.StatusServiceUnavailable)
		return
	}
	rc.recent.add(d.keys, rc.verify.Now())
	rc.count(d)
	rc.metrics.Tagged(map[string]string{"result": resultAccepted}).Counter("deliveries").Inc(1)
	rc.logger.Debug("webhook delivery handed over", "events", len(events), "contacts", len(d.contacts),
		"clientSync", d.clients, "checkbox", d.checkbox)
	w.WriteHeader(http.StatusNoContent)
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
	order    []string // contacts in the order of their first event
	clients  bool
	checkbox bool
	keys     []eventKey // the events handed over, remembered once they are
	results  []eventResult
}

type eventResult struct{ typ, result string }

func (rc *Receiver) plan(events []hubspot.WebhookEvent, now time.Time) *delivery {
	d := &delivery{contacts: map[string]workflows.HubSpotChange{}}
	inThis := map[eventKey]bool{}
	for _, e := range events {
		k := keyOf(e)
		if inThis[k] || rc.recent.has(k, now) {
			d.results = append(d.results, eventResult{e.SubscriptionType, resultDuplicate})
			continue
		}
		inThis[k] = true
		act := rc.rules.actionFor(e)
		d.results = append(d.results, eventResult{e.SubscriptionType, act.result})
		if act.result != resultContact && act.result != resultClients {
			continue
		}
		d.keys = append(d.keys, k)
		d.clients, d.checkbox = d.clients || act.clients, d.checkbox || act.checkbox
		if act.contact != "" {
			d.addChange(act, e, now)
		}
	}
	return d
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

// failed marks every event that was to be handed over as not handed over.
func (d *delivery) failed() {
	for i, r := range d.results {
		if r.result == resultContact || r.result == resultClients {
			d.results[i].result = resultFailed
		}
	}
}

// handOver starts or signals every sync the delivery asks for, a few at a time, and returns the
// first error once all were tried.
func (rc *Receiver) handOver(ctx context.Context, d *delivery) error {
	ctx, cancel := context.WithTimeout(ctx, handoffTimeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		slots = make(chan struct{}, handoffParallel)
	)
	do := func(what string, f func() error) {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			err := f()
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			if err == nil {
				rc.metrics.Tagged(map[string]string{"workflow": what}).Counter("syncs").Inc(1)
			}
		}()
	}
	for _, id := range d.order {
		change := d.contacts[id]
		do("contact", func() error { return rc.start.SyncContact(ctx, id, change) })
	}
	if d.clients {
		do("clients", func() error { return rc.start.SyncClients(ctx) })
	}
	if d.checkbox {
		do("checkbox", func() error { return rc.start.MaintainCheckbox(ctx) })
	}
	wg.Wait()
	return first
}

// count records every event's result, by subscription type.
func (rc *Receiver) count(d *delivery) {
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
