package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFailNthFailsExactlyThatCall(t *testing.T) {
	in := New()
	in.Before(context.Background(), "GET /x") // call 1, before the rule
	in.FailNth("GET /x", 2, http.StatusBadGateway)
	require.Equal(t, 0, in.Before(context.Background(), "GET /x"))
	require.Equal(t, http.StatusBadGateway, in.Before(context.Background(), "GET /x"))
	require.Equal(t, 0, in.Before(context.Background(), "GET /x"))
	require.Equal(t, 0, in.Before(context.Background(), "GET /y"), "other routes are not affected")
	require.Equal(t, 4, in.Calls("GET /x"))
	require.Equal(t, Stats{ServerErrors: 1}, in.Stats())
}

func TestRandomFaultsFollowTheRates(t *testing.T) {
	in := New()
	in.Set(Config{ErrorRate: 0.10, TooManyRate: 0.05, Seed: 7})
	counts := map[int]int{}
	const n = 20000
	for i := 0; i < n; i++ {
		counts[in.Before(context.Background(), "r")]++
	}
	require.InDelta(t, 0.10, float64(counts[http.StatusServiceUnavailable])/n, 0.01)
	require.InDelta(t, 0.05, float64(counts[http.StatusTooManyRequests])/n, 0.01)
	st := in.Stats()
	require.Equal(t, counts[http.StatusServiceUnavailable], st.ServerErrors)
	require.Equal(t, counts[http.StatusTooManyRequests], st.TooMany)
}

func TestHoldParksTheRequestUntilReleased(t *testing.T) {
	in := New()
	h := in.HoldNext("POST /c")
	done := make(chan int)
	go func() { done <- in.Before(context.Background(), "POST /c") }()
	<-h.Arrived()
	select {
	case <-done:
		t.Fatal("a held request must wait for Release")
	default:
	}
	h.Release()
	h.Release() // safe twice
	require.Equal(t, 0, <-done)
	require.Equal(t, 1, in.Stats().Held)
	require.Equal(t, 0, in.Before(context.Background(), "POST /c"), "only the next request is held")
}

func TestLatencyEndsWithTheRequestContext(t *testing.T) {
	in := New()
	in.Set(Config{Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.Equal(t, 0, in.Before(ctx, "r"), "a cancelled request does not wait out the latency")
}

func TestWindowLimitsPerInterval(t *testing.T) {
	now := time.Unix(0, 0)
	w := NewWindow(3, 10*time.Second)
	w.now = func() time.Time { return now }
	for i := 2; i >= 0; i-- {
		ok, remaining := w.Allow()
		require.True(t, ok)
		require.Equal(t, i, remaining)
	}
	ok, _ := w.Allow()
	require.False(t, ok, "the fourth request in the window is refused")
	now = now.Add(10 * time.Second)
	ok, _ = w.Allow()
	require.True(t, ok, "the window rolls")
	var unlimited *Window
	ok, _ = unlimited.Allow()
	require.True(t, ok)
}
