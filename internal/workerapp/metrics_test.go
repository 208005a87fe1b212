package workerapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cssync/cssync/internal/config"
	"github.com/stretchr/testify/require"
)

func TestInstrumentedTransportCountsCallsByStatus(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte("{}"))
	}))
	defer api.Close()
	m, closeScope := NewMetrics(slog.New(slog.NewTextHandler(io.Discard, nil)), 10*time.Millisecond)
	defer func() { _ = closeScope() }()
	c := instrumentedClient(m, "HubSpot")
	for _, path := range []string{"/ok", "/ok", "/busy"} {
		resp, err := c.Get(api.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	// A request to a closed port is an error, not a status.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err := c.Get(dead.URL)
	require.Error(t, err)

	want := []string{
		`cssync_api_calls{method="GET",status="200",system="HubSpot"} 2`,
		`cssync_api_calls{method="GET",status="429",system="HubSpot"} 1`,
		`cssync_api_calls{method="GET",status="error",system="HubSpot"} 1`,
		`cssync_api_rate_limited{system="HubSpot"} 1`,
		`cssync_api_call_latency_bucket{system="HubSpot",le="+Inf"} 4`,
	}
	var body string
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec := httptest.NewRecorder()
		m.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body = rec.Body.String()
		if containsAll(body, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the reporter's flush, bounded by the deadline
	}
	for _, w := range want {
		require.Contains(t, body, w)
	}
	require.NotContains(t, body, "/ok", "paths are not labels")
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func TestLimiterWaitsAreRecorded(t *testing.T) {
	api := httptest.NewServer(http.NotFoundHandler())
	defer api.Close()
	m, closeScope := NewMetrics(slog.New(slog.NewTextHandler(io.Discard, nil)), 10*time.Millisecond)
	defer func() { _ = closeScope() }()
	var cfg config.Worker
	cfg.HubSpot.BaseURL, cfg.HubSpot.Token, cfg.HubSpot.RequestsPerSecond = api.URL, "t", 20
	hs := newHubSpot(cfg, m, newLimiters(cfg, nil))
	for i := 0; i < 12; i++ { // burst 10, then paced: the last calls wait
		_, err := hs.GetObject(context.Background(), "contacts", "1", nil)
		require.Error(t, err, "the stub answers 404")
	}
	want := `cssync_rate_limit_wait_bucket{system="HubSpot",le="+Inf"} 12`
	var body string
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(body, want) && time.Now().Before(deadline) {
		rec := httptest.NewRecorder()
		m.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body = rec.Body.String()
		time.Sleep(10 * time.Millisecond) // polling the reporter's flush, bounded by the deadline
	}
	require.Contains(t, body, want)
}
