package syncplan

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAttentionBacksOffAndRetriesAtOnceOnAChange(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	var l Attentions
	l, _ = l.Failed("51", "ClientSuccess said 500", t0)
	e, ok := l.Find("51")
	require.True(t, ok)
	assert.Equal(t, Attention{ID: "51", Reason: "ClientSuccess said 500", Since: t0, Attempts: 1, LastAttempt: t0, NextAttempt: t0.Add(FirstRetry)}, e)

	assert.True(t, l.Defer("51", t0.Add(-time.Hour), t0.Add(time.Minute)), "unchanged, not due: waits")
	assert.False(t, l.Defer("51", t0.Add(time.Second), t0.Add(time.Minute)), "changed in HubSpot since: at once")
	assert.False(t, l.Defer("51", t0, t0.Add(FirstRetry)), "due")
	assert.False(t, l.Defer("52", t0, t0), "no entry")
	assert.Empty(t, l.Due(t0.Add(time.Minute)))
	assert.Equal(t, []string{"51"}, l.Due(t0.Add(FirstRetry)))

	var delays []time.Duration
	at := t0
	for range 10 {
		at = at.Add(time.Hour)
		l, _ = l.Failed("51", "again", at)
		e, _ = l.Find("51")
		delays = append(delays, e.NextAttempt.Sub(e.LastAttempt))
	}
	assert.Equal(t, []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour,
		MaxRetry, MaxRetry, MaxRetry, MaxRetry}, delays)
	assert.Equal(t, t0, e.Since, "since the first failure")
	assert.Equal(t, 11, e.Attempts)
	assert.Empty(t, l.Cleared("51"))
}

func TestAttentionStaysOrderedAndBounded(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	var l Attentions
	for _, id := range []string{"9", "100", "10", "2"} {
		l, _ = l.Failed(id, "x", t0)
	}
	var ids []string
	for _, e := range l {
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{"2", "9", "10", "100"}, ids, "numeric id order")

	l = nil
	for i := range MaxAttention {
		l, _ = l.Failed(strconv.Itoa(MaxAttention-i), "x", t0.Add(time.Duration(i)*time.Second))
	}
	var dropped bool
	l, dropped = l.Failed("5000", "x", t0.Add(time.Hour))
	assert.True(t, dropped)
	assert.Len(t, l, MaxAttention)
	_, ok := l.Find(strconv.Itoa(MaxAttention))
	assert.False(t, ok, "the oldest failure is dropped")
	_, ok = l.Find("5000")
	assert.True(t, ok)
}
