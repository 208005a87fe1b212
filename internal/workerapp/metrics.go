package workerapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	"github.com/uber-go/tally/v4/prometheus"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/config"
)

// Metrics is the worker's metric scope: the Temporal SDK's metrics and the worker's own
// (contact syncs by outcome, API calls by system and status, rate-limited answers), exported
// for Prometheus at /metrics on METRICS_ADDRESS.
type Metrics struct {
	Scope   tally.Scope
	Handler http.Handler // the Prometheus exposition of everything in Scope
}

// NewMetrics makes a scope reporting into its own Prometheus registry (not the global one, so
// several workers can live in one test process) every interval.
func NewMetrics(logger *slog.Logger, interval time.Duration) (*Metrics, func() error) {
	reg := prom.NewRegistry()
	reporter := prometheus.NewReporter(prometheus.Options{
		Registerer:       reg,
		DefaultTimerType: prometheus.HistogramTimerType,
		OnRegisterError: func(err error) {
			logger.Warn("metric not registered", "error", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       prometheus.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, interval)
	return &Metrics{Scope: scope, Handler: reporter.HTTPHandler()}, closer.Close
}

func newMetrics(lc fx.Lifecycle, logger *slog.Logger) *Metrics {
	m, closeScope := NewMetrics(logger, time.Second)
	lc.Append(fx.StopHook(closeScope))
	return m
}

// startMetrics serves /metrics while the worker runs; an empty METRICS_ADDRESS turns it off.
func startMetrics(lc fx.Lifecycle, cfg config.Worker, m *Metrics, logger *slog.Logger) {
	if cfg.MetricsAddress == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler)
	serve(lc, logger, mux, noBody, "METRICS_ADDRESS", cfg.MetricsAddress, "metrics endpoint")
}

// Limits of the worker's HTTP servers (health, metrics, codec): a slow or idle client cannot
// hold a connection open, and no handler reads a body past its server's limit.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	noBody            = 1 << 10 // health and metrics take GETs only
)

// newServer is an HTTP server for h with the limits above and a body limit of maxBody bytes.
func newServer(h http.Handler, maxBody int64) *http.Server {
	return &http.Server{
		Handler:           http.MaxBytesHandler(h, maxBody),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// serve runs an HTTP server on address for the fx lifecycle; what names it in logs and errors,
// and attrs are logged with the address once it listens.
func serve(lc fx.Lifecycle, logger *slog.Logger, h http.Handler, maxBody int64, envName, address, what string, attrs ...any) {
	srv := newServer(h, maxBody)
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", address)
			if err != nil {
				return fmt.Errorf("%s on %s=%s: %w", what, envName, address, err)
			}
			logger.Info(what+" listening", append([]any{"address", ln.Addr().String()}, attrs...)...)
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					logger.Error(what+" stopped", "error", err)
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}

// InstrumentedTransport counts every HTTP call an API client makes, by system, method and status
// ("error" when no answer came), times them, and counts 429 answers as rate-limited. It wraps the
// clients' HTTPClient, so the API clients know nothing about metrics. Paths are not labels: they
// hold record ids, and metrics must stay low-cardinality.
type InstrumentedTransport struct {
	Base   http.RoundTripper // nil means http.DefaultTransport
	System string            // "HubSpot", "ClientSuccess"
	Scope  tally.Scope
}

// RoundTrip implements http.RoundTripper.
func (t *InstrumentedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	start := time.Now()
	resp, err := base.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	t.Scope.Tagged(map[string]string{"system": t.System, "method": req.Method, "status": status}).Counter("api_calls").Inc(1)
	t.Scope.Tagged(map[string]string{"system": t.System}).Timer("api_call_latency").Record(time.Since(start))
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.Scope.Tagged(map[string]string{"system": t.System}).Counter("api_rate_limited").Inc(1)
	}
	return resp, err
}

// instrumentedClient is the HTTP client the API clients use: their default timeout, with calls
// counted.
// limiterWaits records, per system, how long calls waited for this process's rate limiters
// (cssync_rate_limit_wait); nil outside the worker.
func limiterWaits(m *Metrics, system string) func(time.Duration) {
	if m == nil {
		return nil
	}
	timer := m.Scope.SubScope("cssync").Tagged(map[string]string{"system": system}).Timer("rate_limit_wait")
	return timer.Record
}

func instrumentedClient(m *Metrics, system string) *http.Client {
	if m == nil {
		return nil // the client's default: no metrics outside the worker
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &InstrumentedTransport{System: system, Scope: m.Scope.SubScope("cssync")}}
}
