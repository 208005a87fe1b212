// Package pacing paces API calls across every worker process of a task queue, so that together
// they stay under one account's limits. One workflow per API (PaceCalls) holds the account's
// schedule; before a call, a worker reserves the call's start time from it (Shared), sleeps until
// then, and calls. Waiting calls of one process are reserved together, one update for all of them.
// The schedule is a virtual clock per bucket (GCRA): a call takes the next free slot, and the
// bucket's next slot moves one interval on, so no two calls of the account start closer than the
// bucket's interval, whichever worker makes them.
package pacing

import (
	"fmt"
	"math"
	"time"
)

// Bucket is one limit of an account: a name the workers agree on, and the calls per second it
// allows. A call may take a slot in several buckets at once (a HubSpot search counts against the
// account's limit and the search limit).
type Bucket struct {
	Name      string  `json:"name"`
	PerSecond float64 `json:"perSecond"`
}

// interval is the least time between two calls of the bucket.
func (b Bucket) interval() time.Duration {
	return time.Duration(math.Ceil(float64(time.Second) / b.PerSecond))
}

// Reservation asks for the start times of Calls calls, each taking a slot in every bucket.
type Reservation struct {
	Buckets []Bucket `json:"buckets"`
	Calls   int      `json:"calls"`
}

// maxCallsReserved bounds one reservation, so no worker books the account's next minutes at once.
const maxCallsReserved = 1000

func (r Reservation) validate() error {
	if r.Calls < 1 || r.Calls > maxCallsReserved {
		return fmt.Errorf("a reservation is for 1 to %d calls, not %d", maxCallsReserved, r.Calls)
	}
	if len(r.Buckets) == 0 {
		return fmt.Errorf("a reservation names at least one bucket")
	}
	for _, b := range r.Buckets {
		if b.Name == "" || !(b.PerSecond > 0) || math.IsInf(b.PerSecond, 0) {
			return fmt.Errorf("bucket %q: calls per second must be positive and finite, got %v", b.Name, b.PerSecond)
		}
	}
	return nil
}

// Slots are the start times reserved: First, then one every Every.
type Slots struct {
	First time.Time     `json:"first"`
	Every time.Duration `json:"every"`
}

// At is the start time of the i-th reserved call (from 0).
func (s Slots) At(i int) time.Time { return s.First.Add(time.Duration(i) * s.Every) }

// Schedule is, per bucket, the earliest time its next call may start.
type Schedule map[string]time.Time

// Reserve books r's calls as early as every bucket allows, but not before now, and moves each
// bucket's next slot past them.
func (s Schedule) Reserve(now time.Time, r Reservation) Slots {
	first, every := now, time.Duration(0)
	for _, b := range r.Buckets {
		if next := s[b.Name]; next.After(first) {
			first = next
		}
		every = max(every, b.interval())
	}
	last := first.Add(time.Duration(r.Calls-1) * every)
	for _, b := range r.Buckets {
		s[b.Name] = last.Add(b.interval())
	}
	return Slots{First: first, Every: every}
}

// Pending is the schedule without the buckets whose next slot is already past at now: they
// start afresh at the next call, so a schedule carried on holds only what still matters.
func (s Schedule) Pending(now time.Time) Schedule {
	out := Schedule{}
	for name, next := range s {
		if next.After(now) {
			out[name] = next
		}
	}
	return out
}
