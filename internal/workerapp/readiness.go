package workerapp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/logging"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/preflight"
)

// Readiness is what /readyz answers: ready once the preflight has passed and the worker's
// pollers have started; until then, or after a failure, what it waits for or what is wrong.
type Readiness struct {
	mu      sync.Mutex
	ready   bool
	why     string
	err     error
	settled chan struct{} // closed once ready or failed
}

func newReadiness() *Readiness {
	return &Readiness{why: "preflight: checking the settings", settled: make(chan struct{})}
}

// State is whether the worker is ready and, when it is not, why.
func (r *Readiness) State() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready, r.why
}

// Settled is closed once the worker is ready or has failed to start; Err then says which.
func (r *Readiness) Settled() <-chan struct{} { return r.settled }

// Err is why the worker failed to start, or nil.
func (r *Readiness) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *Readiness) waiting(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.why = why
}

func (r *Readiness) settle(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready, r.err, r.why = err == nil, err, ""
	if err != nil {
		r.why = err.Error()
	}
	close(r.settled)
}

// startHealth serves /healthz (liveness: the process answers) and /readyz (readiness, for
// orchestrators and `worker -health`) from the moment the app starts, so both answer while the
// preflight waits for an unreachable service.
func startHealth(lc fx.Lifecycle, cfg config.Worker, ready *Readiness, logger *slog.Logger) {
	if cfg.HealthAddress == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		ok, why := ready.State()
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = fmt.Fprintf(w, "not ready: %s\n", why)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	serve(lc, logger, mux, noBody, "HEALTH_ADDRESS", cfg.HealthAddress, "health endpoint")
}

// startPolling runs the preflight in the background once the endpoints are up and, when it
// passes, starts the worker's pollers. A misconfiguration leaves /readyz naming it and shuts the
// app down with exit code 1; unreachable services are waited for, with nothing polled meanwhile.
func startPolling(lc fx.Lifecycle, sd fx.Shutdowner, cfg config.Worker, hs *hubspot.Client, cs *clientsuccess.API,
	tc client.Client, m mapping.File, w worker.Worker, pw *pacingWorker, ready *Readiness, logger *slog.Logger) {
	deps := preflight.Deps{Config: cfg, HubSpot: hs, ClientSuccess: cs, Temporal: tc, Mapping: m}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var polling atomic.Bool
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				err := preflight.Run(ctx, deps, logger, ready.waiting)
				if ctx.Err() != nil {
					return // stopping before the preflight ended
				}
				if err == nil {
					if err = startWorkers(w, pw); err != nil {
						err = fmt.Errorf("TEMPORAL_ADDRESS: the worker could not start polling: %s", logging.Line(err))
						logger.Error(err.Error())
					}
				}
				polling.Store(err == nil)
				ready.settle(err)
				if err != nil {
					_ = sd.Shutdown(fx.ExitCode(1))
				}
			}()
			return nil
		},
		OnStop: func(context.Context) error {
			cancel()
			<-done
			if polling.Load() {
				w.Stop()
				pw.stop()
			}
			return nil
		},
	})
}

// startWorkers starts the pacing worker, then the sync's: the sync's first calls reserve their
// slots from the schedules the pacing worker runs.
func startWorkers(w worker.Worker, pw *pacingWorker) error {
	if err := pw.start(); err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		pw.stop()
		return err
	}
	return nil
}

// Preflight runs the worker's preflight once with the clients the worker would use, starting
// nothing (`worker -check`).
func Preflight(ctx context.Context, cfg config.Worker, logger *slog.Logger) (preflight.Report, error) {
	m, err := newMapping(cfg)
	if err != nil {
		return preflight.Report{}, err
	}
	opts, err := ClientOptions(cfg.Temporal, logger)
	if err != nil {
		return preflight.Report{}, err
	}
	tc, err := client.NewLazyClient(opts)
	if err != nil {
		return preflight.Report{}, err
	}
	defer tc.Close()
	l := newLimiters(cfg, nil)
	deps := preflight.Deps{Config: cfg, HubSpot: newHubSpot(cfg, nil, l), ClientSuccess: newClientSuccess(cfg, nil, l),
		Temporal: tc, Mapping: m}
	return preflight.Check(ctx, deps), nil
}

// ProbeReadiness asks a running worker's /readyz on its health address (`worker -health`): nil
// when it is ready, else what it answered or why it did not answer.
func ProbeReadiness(ctx context.Context, address string) error {
	if address == "" {
		return fmt.Errorf("HEALTH_ADDRESS is off: there is no readiness endpoint to probe")
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("HEALTH_ADDRESS=%s: %w", address, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1" // listening on every interface: loopback reaches it
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no worker answers on HEALTH_ADDRESS=%s: %s", address, logging.Line(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", strings.TrimSpace(string(body)))
	}
	return nil
}
