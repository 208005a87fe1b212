package workerapp

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/httpcore"
	"github.com/cssync/cssync/internal/pacing"
)

// The APIs' limits are per account, so with API_PACING=task-queue every worker of the task queue
// takes its calls' start times from one schedule per API, held in Temporal (internal/pacing).
const (
	hubspotPacing       = "hubspot"
	clientSuccessPacing = "clientsuccess"
)

// limiters are what the API clients' calls wait on.
type limiters struct {
	hubspot, search, clientSuccess httpcore.Limiter
}

// newLimiters paces each API at its configured rate: in this process alone without a pacer, else
// across the task queue, falling back on this process's pacing until the worker polls.
func newLimiters(cfg config.Worker, p *pacing.Pacer) limiters {
	hs, cs := cfg.HubSpot, cfg.ClientSuccess
	local := limiters{
		hubspot:       localLimiter(hs.RequestsPerSecond, 10),
		clientSuccess: localLimiter(cs.RequestsPerSecond, 1),
	}
	local.search = pacing.All(local.hubspot, localLimiter(hs.SearchRequestsPerSecond, 1))
	if p == nil {
		return local
	}
	requests, search := buckets("requests", hs.RequestsPerSecond), buckets("search", hs.SearchRequestsPerSecond)
	return limiters{
		hubspot:       sharedLimiter(p, hubspotPacing, local.hubspot, requests...),
		search:        sharedLimiter(p, hubspotPacing, local.search, append(requests, search...)...),
		clientSuccess: sharedLimiter(p, clientSuccessPacing, local.clientSuccess, buckets("requests", cs.RequestsPerSecond)...),
	}
}

// localLimiter paces calls at perSecond with the given burst; 0 means no pacing.
func localLimiter(perSecond float64, burst int) httpcore.Limiter {
	if perSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), burst)
}

// buckets is the one bucket of a rate, or none when the rate is 0 (no pacing).
func buckets(name string, perSecond float64) []pacing.Bucket {
	if perSecond <= 0 {
		return nil
	}
	return []pacing.Bucket{{Name: name, PerSecond: perSecond}}
}

func sharedLimiter(p *pacing.Pacer, api string, fallback httpcore.Limiter, b ...pacing.Bucket) httpcore.Limiter {
	if len(b) == 0 {
		return nil
	}
	return p.Limiter(api, fallback, b...)
}

// newPacer is the shared schedules' client, or nil when each process paces itself or nothing is paced.
func newPacer(cfg config.Worker, c client.Client) *pacing.Pacer {
	paced := cfg.HubSpot.RequestsPerSecond > 0 || cfg.HubSpot.SearchRequestsPerSecond > 0 || cfg.ClientSuccess.RequestsPerSecond > 0
	if !cfg.SharedPacing() || !paced {
		return nil
	}
	return pacing.NewPacer(c, cfg.Temporal.TaskQueue)
}

// pacingWorker polls the pacing task queue, where the schedules' workflows run, and switches the
// pacer to them once it does; it does nothing without a pacer.
type pacingWorker struct {
	pacer  *pacing.Pacer
	worker worker.Worker
}

func newPacingWorker(c client.Client, cfg config.Worker, p *pacing.Pacer) *pacingWorker {
	if p == nil {
		return &pacingWorker{}
	}
	w := worker.New(c, pacing.TaskQueue(cfg.Temporal.TaskQueue), worker.Options{})
	w.RegisterWorkflow(pacing.PaceCalls)
	return &pacingWorker{pacer: p, worker: w}
}

func (pw *pacingWorker) start() error {
	if pw.worker == nil {
		return nil
	}
	if err := pw.worker.Start(); err != nil {
		return err
	}
	pw.pacer.Start()
	return nil
}

func (pw *pacingWorker) stop() {
	if pw.worker != nil {
		pw.worker.Stop()
	}
}
