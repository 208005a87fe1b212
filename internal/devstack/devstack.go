// Package devstack starts the parts of a local sync stack — the Temporal dev server, the API
// fakes and an in-process worker — for the demo, the end-to-end tests and the benchmark.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/visibility"
	"github.com/cssync/cssync/internal/workerapp"
)

// Credentials the fakes accept. They are only ever used against the fakes.
const (
	FakeHubSpotToken = "pat-na1-fake-0000-token"
	FakeCSUsername   = "sync@example.com"
	FakeCSPassword   = "fake-cs-password"
)

// Fakes are the two API fakes served over loopback HTTP.
type Fakes struct {
	HubSpot          *hubspotfake.Server
	ClientSuccess    *csfake.Server
	HubSpotURL       string // base URL for the HubSpot client
	ClientSuccessURL string // base URL for the ClientSuccess client (ends in /v1)
	// HubSpotStatuses and ClientSuccessStatuses count the answers by HTTP status.
	HubSpotStatuses, ClientSuccessStatuses *StatusCounter
	servers                                []*httptest.Server
}

// StartFakes serves both fakes on loopback ports with the Fake* credentials and no limits.
func StartFakes() *Fakes { return startFakes(hubspotfake.Options{}, csfake.Options{}, nil) }

// StartFakesWith serves both fakes with the given rate limits; credentials are always the Fake* ones.
func StartFakesWith(hsOpts hubspotfake.Options, csOpts csfake.Options) *Fakes {
	return startFakes(hsOpts, csOpts, nil)
}

// StartFakesWrapped is StartFakes with each fake's handler passed through wrap first (system is
// "HubSpot" or "ClientSuccess"), so tests can answer some requests in ways the fakes never do:
// truncated JSON, HTML bodies, nulls.
func StartFakesWrapped(wrap func(system string, h http.Handler) http.Handler) *Fakes {
	return startFakes(hubspotfake.Options{}, csfake.Options{}, wrap)
}

func startFakes(hsOpts hubspotfake.Options, csOpts csfake.Options, wrap func(system string, h http.Handler) http.Handler) *Fakes {
	hsOpts.Token = FakeHubSpotToken
	csOpts.Username, csOpts.Password = FakeCSUsername, FakeCSPassword
	hs, cs := hubspotfake.New(hsOpts), csfake.New(csOpts)
	// A portal set up for the sync has its two contact properties, whatever records come later.
	hs.Seed(hubspotfake.Fixture{Properties: example.HubSpot().Properties})
	var hsH, csH http.Handler = hs, cs
	if wrap != nil {
		hsH, csH = wrap("HubSpot", hs), wrap("ClientSuccess", cs)
	}
	hsCount, csCount := &StatusCounter{next: hsH}, &StatusCounter{next: csH}
	hsSrv, csSrv := httptest.NewServer(hsCount), httptest.NewServer(csCount)
	return &Fakes{
		HubSpot: hs, ClientSuccess: cs,
		HubSpotURL: hsSrv.URL, ClientSuccessURL: csSrv.URL + "/v1",
		HubSpotStatuses: hsCount, ClientSuccessStatuses: csCount,
		servers: []*httptest.Server{hsSrv, csSrv},
	}
}

// StatusCounter counts a handler's answers by HTTP status code.
type StatusCounter struct {
	next   http.Handler
	mu     sync.Mutex
	counts map[int]int
}

func (c *StatusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	c.next.ServeHTTP(rec, r)
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[int]int{}
	}
	c.counts[rec.status]++
	c.mu.Unlock()
}

// Count is how many answers had the status.
func (c *StatusCounter) Count(status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[status]
}

// Total is how many answers there were.
func (c *StatusCounter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Reset forgets the counts.
func (c *StatusCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Close stops both servers.
func (f *Fakes) Close() {
	f.HubSpot.StopWebhooks()
	for _, s := range f.servers {
		s.CloseClientConnections()
		s.Close()
	}
}

// WorkerConfig is a worker configuration that talks to these fakes and the given Temporal.
func (f *Fakes) WorkerConfig(t config.Temporal) config.Worker {
	return config.Worker{
		Temporal: t,
		HubSpot: config.HubSpot{
			BaseURL: f.HubSpotURL, Token: FakeHubSpotToken, APIFamily: "2026-03",
			SyncProperty: "sync_w_clientsuccess_contact", DealIDProperty: "associated_deal_id",
			DealResolver: "property", DealPreference: "newest", WriteBackDealID: "false", ClientSource: "deals", DeletedContacts: "keep",
		},
		ClientSuccess: config.ClientSuccess{BaseURL: f.ClientSuccessURL, Username: FakeCSUsername, Password: FakeCSPassword,
			ClientCacheTTL: time.Minute},
		CodecServer: config.CodecServer{MaxBodyBytes: 4 << 20},
	}
}

// TemporalEnv renders a Temporal connection as the environment variables the worker and the
// starter read.
func TemporalEnv(t config.Temporal) []string {
	return []string{
		"TEMPORAL_ADDRESS=" + t.Address, "TEMPORAL_NAMESPACE=" + t.Namespace, "TEMPORAL_TASK_QUEUE=" + t.TaskQueue,
		"TEMPORAL_TLS=" + t.TLS, "TEMPORAL_TLS_CA_FILE=" + t.TLSCAFile, "TEMPORAL_TLS_SERVER_NAME=" + t.TLSServerName,
		"TEMPORAL_TLS_CERT_FILE=" + t.TLSCertFile, "TEMPORAL_TLS_KEY_FILE=" + t.TLSKeyFile, "TEMPORAL_API_KEY=" + t.APIKey,
		"PAYLOAD_CODEC_KEYS=" + t.PayloadCodecKeys, "PAYLOAD_CODEC_REQUIRE_ENCRYPTION=" + t.PayloadCodecRequireEncryption,
	}
}

// Env renders a worker configuration as the environment variables the worker binary reads.
func Env(c config.Worker) []string {
	return append(TemporalEnv(c.Temporal), []string{
		"HUBSPOT_BASE_URL=" + c.HubSpot.BaseURL, "HUBSPOT_TOKEN=" + c.HubSpot.Token,
		"HUBSPOT_API_FAMILY=" + c.HubSpot.APIFamily, "HUBSPOT_SYNC_PROPERTY=" + c.HubSpot.SyncProperty,
		"HUBSPOT_DEAL_ID_PROPERTY=" + c.HubSpot.DealIDProperty,
		"DEAL_RESOLVER=" + c.HubSpot.DealResolver, "DEAL_PREFERENCE=" + c.HubSpot.DealPreference,
		"WRITE_BACK_DEAL_ID=" + c.HubSpot.WriteBackDealID,
		"HUBSPOT_DEAL_SYNC_PROPERTY=" + c.HubSpot.DealSyncProperty, "HUBSPOT_COMPANY_SYNC_PROPERTY=" + c.HubSpot.CompanySyncProperty,
		"CLIENT_SOURCE=" + c.HubSpot.ClientSource, "HUBSPOT_CLIENT_STATUS_PROPERTY=" + c.HubSpot.ClientStatusProperty,
		"CLIENTSUCCESS_BASE_URL=" + c.ClientSuccess.BaseURL, "CLIENTSUCCESS_USERNAME=" + c.ClientSuccess.Username,
		"CLIENTSUCCESS_PASSWORD=" + c.ClientSuccess.Password,
		fmt.Sprintf("HUBSPOT_REQUESTS_PER_SECOND=%g", c.HubSpot.RequestsPerSecond),
		fmt.Sprintf("HUBSPOT_SEARCH_REQUESTS_PER_SECOND=%g", c.HubSpot.SearchRequestsPerSecond),
		fmt.Sprintf("CLIENTSUCCESS_REQUESTS_PER_SECOND=%g", c.ClientSuccess.RequestsPerSecond), "API_PACING=" + c.APIPacing,
		"CLIENTSUCCESS_CLIENT_CACHE_TTL=" + c.ClientSuccess.ClientCacheTTL.String(),
		"HEALTH_ADDRESS=" + config.EnvAddress(c.HealthAddress), "METRICS_ADDRESS=" + config.EnvAddress(c.MetricsAddress),
		"CODEC_SERVER_ADDRESS=" + config.EnvAddress(c.CodecServer.Address), "CODEC_SERVER_TOKEN=" + c.CodecServer.Token,
		"CODEC_CORS_ORIGIN=" + c.CodecServer.CORSOrigin, fmt.Sprintf("CODEC_SERVER_MAX_BODY_BYTES=%d", c.CodecServer.MaxBodyBytes),
		"FIELD_MAPPING_FILE=" + c.FieldMappingFile,
		"HUBSPOT_WEBHOOK_ADDRESS=" + config.EnvAddress(c.Webhook.Address), "HUBSPOT_APP_SECRET=" + c.Webhook.Secret,
		"HUBSPOT_WEBHOOK_URL=" + c.Webhook.URL, "HUBSPOT_WEBHOOK_MAINTAIN_CHECKBOX=" + c.Webhook.MaintainCheckbox,
	}...)
}

// DevServerOptions picks the dev server's ports; empty ports are chosen free.
type DevServerOptions struct {
	Address string // frontend host:port, e.g. "127.0.0.1:7233"
	UI      bool
	UIPort  string
	DBFile  string // SQLite file to persist to; empty keeps state in memory
	Output  io.Writer
}

// StartDevServer starts `temporal server start-dev` from the CLI binary built into bin/.
func StartDevServer(ctx context.Context, o DevServerOptions) (*testsuite.DevServer, error) {
	path, err := TemporalCLI()
	if err != nil {
		return nil, err
	}
	opts := testsuite.DevServerOptions{
		ExistingPath: path,
		EnableUI:     o.UI,
		UIPort:       o.UIPort,
		DBFilename:   o.DBFile,
		LogLevel:     "error",
		// The sync's custom search attributes; a real namespace needs them once (docs/configuration.md).
		SearchAttributes: visibility.Empty(),
		ClientOptions: &client.Options{
			HostPort: o.Address,
			Logger:   quietLogger(),
		},
		Stdout: o.Output,
		Stderr: o.Output,
	}
	if o.Output == nil {
		opts.Stdout, opts.Stderr = io.Discard, io.Discard
	}
	srv, err := testsuite.StartDevServer(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("starting the Temporal dev server from %s: %w", path, err)
	}
	return srv, nil
}

// TemporalCLI finds the Temporal CLI: $TEMPORAL_CLI, else bin/temporal in the module root.
func TemporalCLI() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("TEMPORAL_CLI=%s: %w", p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "temporal")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("the Temporal CLI is not built: run `make bin/temporal` (looked for %s)", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the Temporal CLI was not found: set TEMPORAL_CLI or run from the repository")
		}
		dir = parent
	}
}

// StartWorker runs the real worker wiring in this process until the returned stop is called. It
// returns once the worker polls, or with the preflight's problems when a setting is wrong.
func StartWorker(ctx context.Context, cfg config.Worker, logger *slog.Logger) (stop func(), err error) {
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	var ready *workerapp.Readiness
	app := fx.New(workerapp.Options(cfg, logger), fx.Populate(&ready))
	if err := app.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting the worker: %w", err)
	}
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = app.Stop(ctx)
	}
	settle, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	select {
	case <-ready.Settled():
	case <-settle.Done():
		_, why := ready.State()
		stop()
		return nil, fmt.Errorf("the worker did not start polling: %s", why)
	}
	if err := ready.Err(); err != nil {
		stop()
		return nil, fmt.Errorf("starting the worker: %w", err)
	}
	return stop, nil
}

// quietLogger keeps the dev server's client from logging into the demo's output.
func quietLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}
