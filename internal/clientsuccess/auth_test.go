package clientsuccess

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenCacheRefreshesBeforeExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newTokenCache()
	c.now = func() time.Time { return now }
	n := 0
	login := func(context.Context) (string, time.Duration, error) {
		n++
		return []string{"", "t1", "t2", "t3"}[n], 12 * time.Hour, nil
	}
	ctx := context.Background()

	tok, err := c.get(ctx, login, "")
	require.NoError(t, err)
	assert.Equal(t, "t1", tok)

	now = now.Add(11*time.Hour + 54*time.Minute) // within the 5-minute margin? not yet
	tok, _ = c.get(ctx, login, "")
	assert.Equal(t, "t1", tok)

	now = now.Add(2 * time.Minute) // 11h56m: less than 5 minutes left
	tok, _ = c.get(ctx, login, "")
	assert.Equal(t, "t2", tok)

	// A rejected token forces a login, unless it was already replaced.
	tok, _ = c.get(ctx, login, "t1")
	assert.Equal(t, "t2", tok)
	tok, _ = c.get(ctx, login, "t2")
	assert.Equal(t, "t3", tok)
	assert.Equal(t, 3, n)
}

func TestTokenCacheShortTTLAndFailure(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newTokenCache()
	c.now = func() time.Time { return now }
	fail := errors.New("down")
	var next error
	login := func(context.Context) (string, time.Duration, error) {
		if next != nil {
			return "", 0, next
		}
		return "short", 10 * time.Second, nil
	}
	tok, err := c.get(context.Background(), login, "")
	require.NoError(t, err)
	assert.Equal(t, "short", tok)

	now = now.Add(9500 * time.Millisecond) // past 90% of the lifetime
	next = fail
	_, err = c.get(context.Background(), login, "")
	require.ErrorIs(t, err, fail)
}

func TestTokenCacheWaitHonoursContext(t *testing.T) {
	c := newTokenCache()
	c.sem <- struct{}{} // a login in progress
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := c.get(ctx, nil, "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
