package pacing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestReserveSpacesCallsByTheSlowestBucket(t *testing.T) {
	requests, search := Bucket{Name: "requests", PerSecond: 10}, Bucket{Name: "search", PerSecond: 4}
	for _, tc := range []struct {
		name      string
		schedule  Schedule
		r         Reservation
		want      Slots
		wantAfter Schedule
	}{
		{"idle bucket: now", Schedule{}, Reservation{Buckets: []Bucket{requests}, Calls: 1},
			Slots{First: t0, Every: 100 * time.Millisecond}, Schedule{"requests": t0.Add(100 * time.Millisecond)}},
		{"a past slot does not pull calls back", Schedule{"requests": t0.Add(-time.Hour)}, Reservation{Buckets: []Bucket{requests}, Calls: 3},
			Slots{First: t0, Every: 100 * time.Millisecond}, Schedule{"requests": t0.Add(300 * time.Millisecond)}},
		{"busy bucket: after the last call", Schedule{"requests": t0.Add(time.Second)}, Reservation{Buckets: []Bucket{requests}, Calls: 2},
			Slots{First: t0.Add(time.Second), Every: 100 * time.Millisecond}, Schedule{"requests": t0.Add(1200 * time.Millisecond)}},
		{"two buckets: the later next slot and the longer interval", Schedule{"requests": t0.Add(time.Second), "search": t0.Add(2 * time.Second)},
			Reservation{Buckets: []Bucket{requests, search}, Calls: 2},
			Slots{First: t0.Add(2 * time.Second), Every: 250 * time.Millisecond},
			Schedule{"requests": t0.Add(2350 * time.Millisecond), "search": t0.Add(2500 * time.Millisecond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.schedule.Reserve(t0, tc.r)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantAfter, tc.schedule)
		})
	}
}

// However the calls are asked for, one at a time or together, no two start closer than the
// bucket's interval, and no second holds more than its rate (plus the one at its edge).
func TestReservationsNeverCrowdABucket(t *testing.T) {
	b := Bucket{Name: "requests", PerSecond: 9.5}
	s := Schedule{}
	var starts []time.Time
	now := t0
	for i, n := range []int{1, 5, 1, 1, 20, 3, 1, 40} {
		now = now.Add(time.Duration(i*37) * time.Millisecond) // reservations arrive at uneven times
		slots := s.Reserve(now, Reservation{Buckets: []Bucket{b}, Calls: n})
		for j := range n {
			starts = append(starts, slots.At(j))
		}
	}
	for i := 1; i < len(starts); i++ {
		require.GreaterOrEqual(t, starts[i].Sub(starts[i-1]), b.interval(), "calls %d and %d", i-1, i)
	}
	for i := range starts {
		in := 0
		for _, s := range starts[i:] {
			if s.Sub(starts[i]) < time.Second {
				in++
			}
		}
		require.LessOrEqual(t, in, 10, "calls in the second from call %d", i)
	}
}

func TestPendingDropsPastSlots(t *testing.T) {
	s := Schedule{"past": t0.Add(-time.Millisecond), "now": t0, "later": t0.Add(time.Second)}
	assert.Equal(t, Schedule{"later": t0.Add(time.Second)}, s.Pending(t0))
}

func TestReservationsAreChecked(t *testing.T) {
	ok := Bucket{Name: "requests", PerSecond: 1}
	require.NoError(t, Reservation{Buckets: []Bucket{ok}, Calls: 1}.validate())
	for name, r := range map[string]Reservation{
		"no call":       {Buckets: []Bucket{ok}},
		"too many":      {Buckets: []Bucket{ok}, Calls: maxCallsReserved + 1},
		"no bucket":     {Calls: 1},
		"no name":       {Buckets: []Bucket{{PerSecond: 1}}, Calls: 1},
		"zero rate":     {Buckets: []Bucket{{Name: "requests"}}, Calls: 1},
		"negative rate": {Buckets: []Bucket{{Name: "requests", PerSecond: -1}}, Calls: 1},
	} {
		assert.Error(t, r.validate(), name)
	}
}
