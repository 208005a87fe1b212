package webhook

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/cssync/cssync/internal/hubspot"
)

// eventKey identifies a change whatever delivery carries it: its type, object, property, value,
// associations, merged ids and time (eventId is not unique, and retries change attemptNumber).
// It is a hash, so the window keeps no property value (an email) in memory.
type eventKey [sha256.Size]byte

func keyOf(e hubspot.WebhookEvent) eventKey {
	e.EventID, e.SubscriptionID, e.AttemptNumber, e.ChangeSource = "", "", 0, ""
	b, _ := json.Marshal(e) // a struct of strings and numbers always encodes
	return sha256.Sum256(b)
}

// recent remembers the events handed over in the last window, at most limit of them, so a
// delivery HubSpot repeats (a retry after a lost answer, a duplicate) starts nothing again.
// Older repeats are SyncContact's to ignore: a change before its read starts no second run.
type recent struct {
	mu     sync.Mutex
	window time.Duration
	limit  int
	seen   map[eventKey]time.Time
	order  []eventKey // oldest first; expiries grow with it, since the window is fixed
}

func newRecent(window time.Duration, limit int) *recent {
	return &recent{window: window, limit: limit, seen: map[eventKey]time.Time{}}
}

// has reports whether the event was handed over within the window.
func (r *recent) has(k eventKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	exp, ok := r.seen[k]
	return ok && now.Before(exp)
}

// add remembers events handed over at now, forgetting the expired and the oldest beyond limit.
func (r *recent) add(keys []eventKey, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		if _, ok := r.seen[k]; !ok {
			r.order = append(r.order, k)
		}
		r.seen[k] = now.Add(r.window)
	}
	drop := 0
	for drop < len(r.order) && (len(r.order)-drop > r.limit || !now.Before(r.seen[r.order[drop]])) {
		delete(r.seen, r.order[drop])
		drop++
	}
	r.order = r.order[drop:]
}
