// Package workerapp wires the worker process together with fx: configuration in, API clients,
// Temporal client and worker out, each started and stopped by the fx lifecycle.
package workerapp

import (
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"google.golang.org/grpc"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/payloadcrypt"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/temporaltls"
	"github.com/cssync/cssync/workflows"
)

// Options builds the whole worker graph from a configuration. Starting it serves the health,
// metrics and codec endpoints at once, runs the preflight, and starts polling once it passes; a
// misconfiguration shuts the app down with exit code 1 (see startPolling).
func Options(cfg config.Worker, logger *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg, logger),
		fx.WithLogger(func() fxevent.Logger { return wiringLogger(cfg.Log, logger) }),
		fx.Provide(newMetrics, newPacer, newLimiters, newPacingWorker, newHubSpot, newClientSuccess, newMapping, newActivities,
			newTemporalClient, newWorker, newReadiness),
		fx.Invoke(startHealth, startMetrics, startCodecServer, startWebhooks, startPolling),
	)
}

// wiringLogger shows fx's dependency-injection events only with LOG_LEVEL=debug: they are
// dozens of lines that say nothing to an operator.
func wiringLogger(l config.Log, logger *slog.Logger) fxevent.Logger {
	if !l.Debug() {
		return fxevent.NopLogger
	}
	fxl := &fxevent.SlogLogger{Logger: logger.With("component", "fx")}
	fxl.UseLogLevel(slog.LevelDebug)
	return fxl
}

// The API clients are built once per process, so their limiters pace every activity of the worker
// together, and, with API_PACING=task-queue, every worker of the task queue (newLimiters).
func newHubSpot(cfg config.Worker, m *Metrics, l limiters) *hubspot.Client {
	return hubspot.New(hubspot.Config{
		BaseURL: cfg.HubSpot.BaseURL, Token: cfg.HubSpot.Token, PathFamily: cfg.HubSpot.APIFamily,
		HTTPClient:    instrumentedClient(m, hubspot.System),
		Limiter:       l.hubspot,
		SearchLimiter: l.search,
		OnLimiterWait: limiterWaits(m, hubspot.System),
	})
}

func newClientSuccess(cfg config.Worker, m *Metrics, l limiters) *clientsuccess.API {
	return clientsuccess.New(clientsuccess.Config{
		BaseURL: cfg.ClientSuccess.BaseURL, Username: cfg.ClientSuccess.Username, Password: cfg.ClientSuccess.Password,
		HTTPClient:    instrumentedClient(m, clientsuccess.System),
		Limiter:       l.clientSuccess,
		OnLimiterWait: limiterWaits(m, clientsuccess.System),
	})
}

func newActivities(cfg config.Worker, hs *hubspot.Client, cs *clientsuccess.API, tc client.Client, m mapping.File) *activities.Activities {
	return &activities.Activities{
		Mapping:       m,
		HubSpot:       hs,
		ClientSuccess: cs,
		Clients:       activities.NewClientCache(cfg.ClientSuccess.ClientCacheTTL),
		Definitions:   activities.NewDefinitionCache(activities.DefinitionTTL),
		Temporal:      tc,
		Censuses:      &activities.Censuses{},
		RemoveDeleted: cfg.HubSpot.RemoveDeleted(),
		ClientSource:  cfg.HubSpot.ClientSource,
		Properties: activities.Properties{
			SyncCheckbox: cfg.HubSpot.SyncProperty, DealID: cfg.HubSpot.DealIDProperty,
			DealSyncCheckbox: cfg.HubSpot.DealSyncProperty, CompanySyncCheckbox: cfg.HubSpot.CompanySyncProperty,
			ClientStatus: cfg.HubSpot.ClientStatusProperty,
		},
		Resolver: activities.DealResolver{
			Mode:       cfg.HubSpot.DealResolver,
			Preference: syncplan.DealPreference(cfg.HubSpot.DealPreference),
			WriteBack:  cfg.HubSpot.WriteBack(),
		},
	}
}

// newTemporalClient connects lazily: the preflight reports an unreachable Temporal by its
// setting, and retries, instead of failing the whole start.
func newTemporalClient(lc fx.Lifecycle, cfg config.Worker, logger *slog.Logger, m *Metrics) (client.Client, error) {
	opts, err := ClientOptions(cfg.Temporal, logger)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = sdktally.NewMetricsHandler(m.Scope)
	c, err := client.NewLazyClient(opts)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS=%s: %w", cfg.Temporal.Address, err)
	}
	lc.Append(fx.StopHook(c.Close))
	return c, nil
}

// Dial connects to Temporal with the worker's logger; the error names the address. With
// PAYLOAD_CODEC_KEYS set, every payload it writes is encrypted (see ClientOptions).
func Dial(t config.Temporal, logger *slog.Logger) (client.Client, error) {
	return dial(t, logger, nil)
}

func dial(t config.Temporal, logger *slog.Logger, metrics client.MetricsHandler) (client.Client, error) {
	opts, err := ClientOptions(t, logger)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = metrics
	c, err := client.Dial(opts)
	if err != nil {
		err = temporaltls.Explain(err, t, opts.ConnectionOptions.TLS)
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", t.Address, t.Namespace, err)
	}
	return c, nil
}

// ClientOptions are the Temporal client options for t. With payload codec keys, the data
// converter encrypts workflow and activity payloads, failure messages are moved into encrypted
// attributes, and a gRPC interceptor encrypts whatever other payloads are sent (step summaries).
func ClientOptions(t config.Temporal, logger *slog.Logger) (client.Options, error) {
	opts := client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
		Logger:    tlog.NewStructuredLogger(logger),
	}
	tlsConfig, err := temporaltls.Config(t, logger)
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.TLS = tlsConfig
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	if t.PayloadCodecKeys == "" {
		return opts, nil
	}
	codec, inbound, err := payloadCodecs(t)
	if err != nil {
		return client.Options{}, err
	}
	// The interceptor decodes every payload arriving from Temporal before the data converter
	// sees it, so it is where unencrypted ones are refused; the converter gets them decrypted.
	dc := codec.DataConverter()
	opts.DataConverter = dc
	opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
	rest, err := converter.NewPayloadCodecGRPCClientInterceptor(
		converter.PayloadCodecGRPCClientInterceptorOptions{Codecs: []converter.PayloadCodec{inbound}})
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.DialOptions = append(opts.ConnectionOptions.DialOptions, grpc.WithChainUnaryInterceptor(rest))
	return opts, nil
}

// payloadCodecs is the codec of PAYLOAD_CODEC_KEYS, and the same codec for payloads as they
// arrive from Temporal or the Web UI: refusing unencrypted ones when
// PAYLOAD_CODEC_REQUIRE_ENCRYPTION is on.
func payloadCodecs(t config.Temporal) (codec, inbound *payloadcrypt.Codec, err error) {
	codec, err = payloadcrypt.ParseKeys(t.PayloadCodecKeys)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration: %w", err)
	}
	if t.RequireEncryption() {
		return codec, codec.RefuseUnencrypted(), nil
	}
	return codec, codec, nil
}

// startCodecServer serves the payload codec for the Web UI when CODEC_SERVER_TOKEN turns it on.
func startCodecServer(lc fx.Lifecycle, cfg config.Worker, logger *slog.Logger) error {
	if cfg.CodecServer.Address == "" {
		return nil
	}
	_, codec, err := payloadCodecs(cfg.Temporal)
	if err != nil {
		return err
	}
	limit := cfg.CodecServer.MaxBodyBytes
	h := payloadcrypt.Handler(codec, cfg.CodecServer.Token, cfg.CodecServer.CORSOrigin, limit)
	serve(lc, logger, h, limit, "CODEC_SERVER_ADDRESS", cfg.CodecServer.Address, "codec server",
		"corsOrigin", cfg.CodecServer.CORSOrigin, "activeKey", codec.ActiveKeyID(), "requireEncryption", cfg.Temporal.RequireEncryption())
	return nil
}

func newWorker(c client.Client, cfg config.Worker, acts *activities.Activities) worker.Worker {
	w := worker.New(c, cfg.Temporal.TaskQueue, worker.Options{
		// In-flight activities get this long to finish on shutdown before they are abandoned
		// to their retry policy.
		WorkerStopTimeout: 10 * time.Second,
		// A full batch keeps its census of ClientSuccess on one worker, in a session.
		EnableSessionWorker: true,
	})
	Register(w, acts)
	return w
}

// Register adds every workflow and activity to a worker (or a test environment).
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.SyncContact)
	r.RegisterWorkflow(workflows.SyncContacts)
	r.RegisterWorkflow(workflows.MaintainContactCheckbox)
	r.RegisterWorkflow(workflows.SyncClients)
	r.RegisterWorkflow(workflows.ScheduledSync)
	r.RegisterActivity(acts)
}

// NewActivities builds the activities and their API clients from a configuration, outside fx,
// for tools that call the steps directly (the benchmark's sequential baseline). It uses the
// built-in field mapping.
func NewActivities(cfg config.Worker) *activities.Activities {
	l := newLimiters(cfg, nil)
	return newActivities(cfg, newHubSpot(cfg, nil, l), newClientSuccess(cfg, nil, l), nil, mapping.Default())
}
