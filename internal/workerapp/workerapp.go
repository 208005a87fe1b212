// Package workerapp wires the worker process together with fx: configuration in, API clients,
// Temporal client and worker out, each started and stopped by the fx lifecycle.
package workerapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/client"
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
	"github.com/cssync/cssync/internal/payloadcrypt"
	"github.com/cssync/cssync/workflows"
)

// Options builds the whole worker graph from a configuration.
func Options(cfg config.Worker, logger *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg, logger),
		fx.WithLogger(func() fxevent.Logger { return &fxevent.SlogLogger{Logger: logger.With("component", "fx")} }),
		fx.Provide(newHubSpot, newClientSuccess, newActivities, newTemporalClient, newWorker),
		fx.Invoke(func(worker.Worker) {}, startHealth, startCodecServer),
	)
}

// NewLogger is the worker's structured JSON logger.
func NewLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stderr, nil)) }

func newHubSpot(cfg config.Worker) *hubspot.Client {
	return hubspot.New(hubspot.Config{BaseURL: cfg.HubSpot.BaseURL, Token: cfg.HubSpot.Token, PathFamily: cfg.HubSpot.APIFamily})
}

func newClientSuccess(cfg config.Worker) *clientsuccess.API {
	return clientsuccess.New(clientsuccess.Config{BaseURL: cfg.ClientSuccess.BaseURL, Username: cfg.ClientSuccess.Username, Password: cfg.ClientSuccess.Password})
}

func newActivities(cfg config.Worker, hs *hubspot.Client, cs *clientsuccess.API) *activities.Activities {
	return &activities.Activities{
		HubSpot:       hs,
		ClientSuccess: cs,
		Properties:    activities.Properties{SyncCheckbox: cfg.HubSpot.SyncProperty, DealID: cfg.HubSpot.DealIDProperty},
	}
}

func newTemporalClient(lc fx.Lifecycle, cfg config.Worker, logger *slog.Logger) (client.Client, error) {
	c, err := Dial(cfg.Temporal, logger)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(c.Close))
	return c, nil
}

// Dial connects to Temporal with the worker's logger; the error names the address. With
// PAYLOAD_CODEC_KEYS set, every payload it writes is encrypted (see ClientOptions).
func Dial(t config.Temporal, logger *slog.Logger) (client.Client, error) {
	opts, err := ClientOptions(t, logger)
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(opts)
	if err != nil {
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
	if t.PayloadCodecKeys == "" {
		return opts, nil
	}
	codec, err := payloadcrypt.ParseKeys(t.PayloadCodecKeys)
	if err != nil {
		return client.Options{}, fmt.Errorf("configuration: %w", err)
	}
	dc := codec.DataConverter()
	opts.DataConverter = dc
	opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
	rest, err := converter.NewPayloadCodecGRPCClientInterceptor(converter.PayloadCodecGRPCClientInterceptorOptions{Codecs: []converter.PayloadCodec{codec}})
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.DialOptions = append(opts.ConnectionOptions.DialOptions, grpc.WithChainUnaryInterceptor(rest))
	return opts, nil
}

// startCodecServer serves the payload codec for the Web UI when CODEC_SERVER_ADDRESS is set.
func startCodecServer(lc fx.Lifecycle, cfg config.Worker, logger *slog.Logger) error {
	if cfg.CodecServer.Address == "" {
		return nil
	}
	codec, err := payloadcrypt.ParseKeys(cfg.Temporal.PayloadCodecKeys)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	srv := &http.Server{Handler: payloadcrypt.Handler(codec, cfg.CodecServer.Token, cfg.CodecServer.CORSOrigin), ReadHeaderTimeout: 5 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.CodecServer.Address)
			if err != nil {
				return fmt.Errorf("codec server on CODEC_SERVER_ADDRESS=%s: %w", cfg.CodecServer.Address, err)
			}
			logger.Info("codec server listening", "address", ln.Addr().String(), "corsOrigin", cfg.CodecServer.CORSOrigin, "activeKey", codec.ActiveKeyID())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					logger.Error("codec server stopped", "error", err)
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
	return nil
}

func newWorker(lc fx.Lifecycle, c client.Client, cfg config.Worker, acts *activities.Activities) worker.Worker {
	w := worker.New(c, cfg.Temporal.TaskQueue, worker.Options{
		// In-flight activities get this long to finish on shutdown before they are abandoned
		// to their retry policy.
		WorkerStopTimeout: 10 * time.Second,
	})
	Register(w, acts)
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { return w.Start() },
		OnStop:  func(context.Context) error { w.Stop(); return nil },
	})
	return w
}

// Register adds every workflow and activity to a worker (or a test environment).
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.SyncContact)
	r.RegisterWorkflow(workflows.SyncContacts)
	r.RegisterActivity(acts)
}

// startHealth serves /healthz while the worker runs, so orchestrators can probe it.
func startHealth(lc fx.Lifecycle, cfg config.Worker, logger *slog.Logger) {
	if cfg.HealthAddress == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.HealthAddress)
			if err != nil {
				return fmt.Errorf("health endpoint on HEALTH_ADDRESS=%s: %w", cfg.HealthAddress, err)
			}
			logger.Info("health endpoint listening", "address", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					logger.Error("health endpoint stopped", "error", err)
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}
