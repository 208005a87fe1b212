package faults

import (
	"sync"
	"time"
)

// Window is a rolling-window request limit, as HubSpot applies per ten seconds and per second.
// A zero Max means unlimited.
type Window struct {
	Max      int
	Interval time.Duration

	mu   sync.Mutex
	hits []time.Time
	now  func() time.Time
}

// NewWindow returns a limit of max requests per interval.
func NewWindow(max int, interval time.Duration) *Window {
	return &Window{Max: max, Interval: interval, now: time.Now}
}

// Allow records a request and reports whether it fits in the window, and how many remain.
func (w *Window) Allow() (ok bool, remaining int) {
	if w == nil || w.Max <= 0 {
		return true, -1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	cut := 0
	for cut < len(w.hits) && now.Sub(w.hits[cut]) >= w.Interval {
		cut++
	}
	w.hits = w.hits[cut:]
	if len(w.hits) >= w.Max {
		return false, 0
	}
	w.hits = append(w.hits, now)
	return true, w.Max - len(w.hits)
}
