// Package faults injects latency, errors, holds and rate limits into the fake API servers, so tests
// and chaos runs can exercise the worker's retry and recovery paths against realistic failures.
package faults

import (
	"context"
	"math/rand"
	"net/http"
	"sync"
	"time"
)

// Config sets the random faults applied to every request.
type Config struct {
	// ErrorRate is the fraction of requests answered with a 5xx (0..1).
	ErrorRate float64
	// TooManyRate is the fraction of requests answered with a spurious 429 (0..1).
	TooManyRate float64
	// Latency is added to every request; Jitter adds a uniformly random extra up to its value.
	Latency time.Duration
	Jitter  time.Duration
	// Seed makes the random faults repeatable; 0 picks 1.
	Seed int64
}

// Stats counts what the injector did.
type Stats struct {
	ServerErrors int // 5xx answers injected (random and FailNth)
	TooMany      int // 429 answers injected by TooManyRate
	Held         int // requests that were held by HoldNext
}

// Injector decides per request whether to delay, hold or fail it. The zero value is not usable;
// call New. It is safe for concurrent use.
type Injector struct {
	mu     sync.Mutex
	cfg    Config
	rng    *rand.Rand
	calls  map[string]int
	failAt map[string]map[int]int // route -> call number -> status
	holds  map[string][]*Hold
	stats  Stats
}

// New returns an injector with no faults configured.
func New() *Injector {
	return &Injector{
		rng:    rand.New(rand.NewSource(1)),
		calls:  map[string]int{},
		failAt: map[string]map[int]int{},
		holds:  map[string][]*Hold{},
	}
}

// Set replaces the random-fault configuration.
func (i *Injector) Set(cfg Config) {
	i.mu.Lock()
	defer i.mu.Unlock()
	seed := cfg.Seed
	if seed == 0 {
		seed = 1
	}
	i.cfg = cfg
	i.rng = rand.New(rand.NewSource(seed))
}

// FailNth makes the nth call of route from now on (1 = the next one) answer with status.
func (i *Injector) FailNth(route string, n int, status int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.failAt[route] == nil {
		i.failAt[route] = map[int]int{}
	}
	i.failAt[route][i.calls[route]+n] = status
}

// FailNext makes the next n calls of route answer with status. The API clients send a GET that
// meets a 5xx up to three times, so failing one read takes three.
func (i *Injector) FailNext(route string, n int, status int) {
	for k := 1; k <= n; k++ {
		i.FailNth(route, k, status)
	}
}

// Calls reports how many requests reached route.
func (i *Injector) Calls(route string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.calls[route]
}

// Stats returns a snapshot of the injected faults.
func (i *Injector) Stats() Stats {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stats
}

// Hold parks one request until Release is called. The held request is then served normally,
// even if its client has gone away: that is how a real server applies a write whose answer was
// never read, which is the case idempotent activities must survive.
type Hold struct {
	arrived  chan struct{}
	released chan struct{}
	once     sync.Once
}

// Arrived is closed when the held request has come in.
func (h *Hold) Arrived() <-chan struct{} { return h.arrived }

// Release lets the held request continue. Safe to call more than once.
func (h *Hold) Release() { h.once.Do(func() { close(h.released) }) }

// HoldNext parks the next request to route until the returned hold is released.
func (i *Injector) HoldNext(route string) *Hold {
	h := &Hold{arrived: make(chan struct{}), released: make(chan struct{})}
	i.mu.Lock()
	i.holds[route] = append(i.holds[route], h)
	i.mu.Unlock()
	return h
}

// Before runs the faults for one request to route: it counts the call, waits out latency and
// holds, and returns the status to answer instead of serving, or 0 to serve normally.
func (i *Injector) Before(ctx context.Context, route string) int {
	i.mu.Lock()
	i.calls[route]++
	n := i.calls[route]
	status := i.failAt[route][n]
	delete(i.failAt[route], n)
	var hold *Hold
	if q := i.holds[route]; len(q) > 0 {
		hold, i.holds[route] = q[0], q[1:]
		i.stats.Held++
	}
	delay := i.cfg.Latency
	if i.cfg.Jitter > 0 {
		delay += time.Duration(i.rng.Int63n(int64(i.cfg.Jitter)))
	}
	if status == 0 {
		switch r := i.rng.Float64(); {
		case r < i.cfg.ErrorRate:
			status = http.StatusServiceUnavailable
		case r < i.cfg.ErrorRate+i.cfg.TooManyRate:
			status = http.StatusTooManyRequests
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		i.stats.TooMany++
	case status >= 500:
		i.stats.ServerErrors++
	}
	i.mu.Unlock()

	if hold != nil {
		close(hold.arrived)
		<-hold.released
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	return status
}
