package hubspotfake

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cssync/cssync/internal/hubspot"
)

// Webhooks, as HubSpot sends them to a private app: once SendWebhooks names a target, every change
// to a record raises an event (Put and the API's PATCH and batch update: creation and
// propertyChange; Delete, Restore, Merge; Associate and Dissociate: associationChange, one per
// direction). Events are gathered into POSTs of at most 100, signed (v3), and retried on anything
// but a 2xx. Seed raises none: it loads a portal, it does not change one.

// WebhookOptions configures the deliveries.
type WebhookOptions struct {
	// URL is where deliveries are POSTed; empty turns webhooks off.
	URL string
	// SignedURL is the URL the signature covers; empty means URL. Set it to a proxy's public URL
	// when URL is the address behind the proxy, as HubSpot only knows the public one.
	SignedURL string
	// Secret is the app's client secret, the signing key.
	Secret string
	// Types are the subscription types delivered ("contact.propertyChange", …); nil means all.
	Types []string
	// Properties lists, per object type ("contacts"), the properties whose propertyChange is
	// delivered, as HubSpot subscribes one property at a time; a type not listed delivers all.
	Properties map[string][]string
	// BatchSize is the most events per POST: 100 (HubSpot's) when 0 or larger.
	BatchSize int
	// Gather is how long a first event waits for others to join its POST; 0 means 10 ms.
	Gather time.Duration
	// Concurrency is how many POSTs are in flight at once; 0 means 10.
	Concurrency int
	// Delay holds every POST this long before it is sent.
	Delay time.Duration
	// Duplicate sends every POST twice, the copy once the first is answered.
	Duplicate bool
	// Reorder reverses the events in each POST and sends the POSTs gathered together last first.
	Reorder bool
	// RetryAfter is the wait before the first retry, doubled each time up to a minute; 0 means 1 s.
	RetryAfter time.Duration
	// MaxAttempts bounds the attempts per POST; 0 means 10, as HubSpot is reported to.
	MaxAttempts int
}

// WebhookStats counts what the deliveries did.
type WebhookStats struct {
	Events   int // events raised
	Posts    int // POST attempts, copies and retries included
	Accepted int // attempts answered 2xx
	Refused  int // attempts answered otherwise, or not answered
	Dropped  int // POSTs given up after MaxAttempts
	// RefusedBy counts the refused attempts by the status they were answered (0: no answer).
	RefusedBy map[int]int
}

// Identifiers every event carries, as a portal's would.
const (
	webhookPortalID = "62515"
	webhookAppID    = "1160452"
)

// webhooks is the delivery state; its own lock is taken under s.mu (never the other way round).
type webhooks struct {
	mu      sync.Mutex
	opts    WebhookOptions
	queue   []hubspot.WebhookEvent
	pending int // events raised and not yet accepted or dropped
	stats   WebhookStats
	lastID  int64
	sem     chan struct{} // bounds the POSTs in flight (Concurrency)
	wake    chan struct{}
	stop    chan struct{}
	client  *http.Client
}

// SendWebhooks starts (or reconfigures) the deliveries; o.URL empty stops raising events.
func (s *Server) SendWebhooks(o WebhookOptions) {
	if o.BatchSize <= 0 || o.BatchSize > hubspot.MaxWebhookEvents {
		o.BatchSize = hubspot.MaxWebhookEvents
	}
	o.Gather = positive(o.Gather, 10*time.Millisecond)
	o.RetryAfter = positive(o.RetryAfter, time.Second)
	if o.Concurrency <= 0 {
		o.Concurrency = 10
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks == nil {
		s.hooks = &webhooks{wake: make(chan struct{}, 1), stop: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second}}
		go s.hooks.run()
	}
	s.hooks.mu.Lock()
	s.hooks.opts = o
	if cap(s.hooks.sem) != o.Concurrency {
		s.hooks.sem = make(chan struct{}, o.Concurrency)
	}
	s.hooks.mu.Unlock()
}

// StopWebhooks ends the deliveries; events still queued are not sent.
func (s *Server) StopWebhooks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks != nil {
		close(s.hooks.stop)
		s.hooks = nil
	}
}

// WebhookStats reports the deliveries so far.
func (s *Server) WebhookStats() WebhookStats {
	h := s.webhookState()
	if h == nil {
		return WebhookStats{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stats
	st.RefusedBy = maps.Clone(st.RefusedBy)
	return st
}

// WaitWebhooks returns once every event raised so far was delivered (or given up), or with the
// context's error.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		h := s.webhookState()
		if h == nil {
			return nil
		}
		h.mu.Lock()
		idle := h.pending == 0
		h.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *Server) webhookState() *webhooks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hooks
}

func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// raise queues one event about a record of typ, when a subscription covers it. Call with s.mu held.
func (s *Server) raise(typ, kind string, occurred time.Time, e hubspot.WebhookEvent) {
	h := s.hooks
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e.SubscriptionType = singular(typ) + "." + kind
	if h.opts.URL == "" || !h.subscribed(typ, e) {
		return
	}
	h.lastID++
	e.EventID = hubspot.WebhookID(strconv.FormatInt(1_000_000+h.lastID, 10))
	e.SubscriptionID = hubspot.WebhookID(strconv.Itoa(subscriptionID(e.SubscriptionType)))
	e.PortalID, e.AppID, e.OccurredAt = webhookPortalID, webhookAppID, occurred.UnixMilli()
	h.queue = append(h.queue, e)
	h.pending++
	h.stats.Events++
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *webhooks) subscribed(typ string, e hubspot.WebhookEvent) bool {
	if h.opts.Types != nil && !slices.Contains(h.opts.Types, e.SubscriptionType) {
		return false
	}
	props, listed := h.opts.Properties[typ]
	return e.PropertyName == "" || !listed || slices.Contains(props, e.PropertyName)
}

// subscriptionID is a stable number per subscription type, as a portal's subscriptions have.
func subscriptionID(subscriptionType string) int {
	n := 0
	for _, c := range subscriptionType {
		n = (n*31 + int(c)) % 1_000_000
	}
	return 2_000_000 + n
}

// run gathers queued events into POSTs and hands them to deliver, until StopWebhooks.
func (h *webhooks) run() {
	for {
		select {
		case <-h.stop:
			return
		case <-h.wake:
		}
		h.mu.Lock()
		gather := h.opts.Gather
		h.mu.Unlock()
		if !h.wait(gather) {
			return
		}
		h.mu.Lock()
		opts, sem, events := h.opts, h.sem, h.queue
		h.queue = nil
		h.mu.Unlock()
		var posts [][]hubspot.WebhookEvent
		for len(events) > 0 {
			n := min(opts.BatchSize, len(events))
			posts, events = append(posts, events[:n:n]), events[n:]
		}
		if opts.Reorder {
			slices.Reverse(posts)
			for _, p := range posts {
				slices.Reverse(p)
			}
		}
		for _, p := range posts {
			h.deliver(opts, sem, p)
		}
	}
}

// deliver sends one POST (twice with Duplicate) on its own goroutine, at most Concurrency at once.
func (h *webhooks) deliver(opts WebhookOptions, sem chan struct{}, events []hubspot.WebhookEvent) {
	select {
	case sem <- struct{}{}:
	case <-h.stop:
		return
	}
	go func() {
		defer func() { <-sem }()
		copies := 1
		if opts.Duplicate {
			copies = 2
		}
		for range copies {
			if !h.wait(opts.Delay) || !h.post(opts, events) {
				break
			}
		}
		h.mu.Lock()
		h.pending -= len(events)
		h.mu.Unlock()
	}()
}

// post sends the events until a 2xx answers or the attempts run out; false when stopped.
func (h *webhooks) post(opts WebhookOptions, events []hubspot.WebhookEvent) bool {
	backoff := opts.RetryAfter
	for attempt := 0; attempt < opts.MaxAttempts; attempt++ {
		sent := make([]hubspot.WebhookEvent, len(events))
		for i, e := range events {
			e.AttemptNumber = attempt
			sent[i] = e
		}
		status := h.send(opts, sent)
		ok := status/100 == 2
		h.mu.Lock()
		h.stats.Posts++
		if ok {
			h.stats.Accepted++
		} else {
			h.stats.Refused++
			if h.stats.RefusedBy == nil {
				h.stats.RefusedBy = map[int]int{}
			}
			h.stats.RefusedBy[status]++
		}
		h.mu.Unlock()
		if ok {
			return true
		}
		if !h.wait(backoff) {
			return false
		}
		backoff = min(2*backoff, time.Minute)
	}
	h.mu.Lock()
	h.stats.Dropped++
	h.mu.Unlock()
	return true
}

// send makes one signed POST and returns the status it was answered, 0 for none.
func (h *webhooks) send(opts WebhookOptions, events []hubspot.WebhookEvent) int {
	body, err := json.Marshal(events)
	if err != nil {
		return 0
	}
	signed := opts.SignedURL
	if signed == "" {
		signed = opts.URL
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	req, err := http.NewRequest(http.MethodPost, opts.URL, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(hubspot.RequestTimestampHeader, ts)
	req.Header.Set(hubspot.SignatureV3Header, hubspot.SignatureV3(opts.Secret, http.MethodPost, signed, body, ts))
	resp, err := h.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wait pauses for d; false when the deliveries were stopped meanwhile.
func (h *webhooks) wait(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-h.stop:
		return false
	}
}

// propertyChanged raises a propertyChange per changed property of rec. Call with s.mu held.
func (s *Server) propertyChanged(typ string, rec *record, changed map[string]string, source string) {
	names := make([]string, 0, len(changed))
	for name := range changed {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s.raise(typ, "propertyChange", rec.updated, hubspot.WebhookEvent{ObjectID: hubspot.WebhookID(rec.id),
			PropertyName: name, PropertyValue: changed[name], ChangeSource: source})
	}
}

// associationChanged raises an associationChange for each direction of a link made or removed.
// Call with s.mu held.
func (s *Server) associationChanged(a Assoc, removed bool) {
	from, to := mustType(a.FromType), mustType(a.ToType)
	at := now()
	for _, d := range []struct{ from, to, fromID, toID string }{{from, to, a.FromID, a.ToID}, {to, from, a.ToID, a.FromID}} {
		s.raise(d.from, "associationChange", at, hubspot.WebhookEvent{
			AssociationType: strings.ToUpper(singular(d.from) + "_TO_" + singular(d.to)),
			FromObjectID:    hubspot.WebhookID(d.fromID), ToObjectID: hubspot.WebhookID(d.toID),
			AssociationRemoved: removed, IsPrimaryAssociation: primaryTypes[a.TypeID], ChangeSource: "CRM_UI",
		})
	}
}
