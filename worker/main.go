// Command worker runs the HubSpot → ClientSuccess sync workflows and activities until interrupted.
// Configuration comes from the environment; see docs/configuration.md.
//
//	worker          check the settings (preflight), then poll until SIGINT or SIGTERM
//	worker -check   run the preflight once and exit: 0 when every setting works, 1 otherwise
//	worker -health  probe a running worker's /readyz on HEALTH_ADDRESS: 0 when it is ready
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/logging"
	"github.com/cssync/cssync/internal/workerapp"
)

func main() {
	check := flag.Bool("check", false, "run the preflight once and exit: 0 when every setting works, 1 otherwise")
	health := flag.Bool("health", false, "probe a running worker's /readyz on HEALTH_ADDRESS and exit 0 when it is ready")
	flag.Parse()
	if *health {
		os.Exit(probe())
	}
	cfg, err := config.LoadWorker()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", logging.Line(err))
		if *check {
			os.Exit(1) // -check answers 0 or 1, whatever is wrong
		}
		os.Exit(2)
	}
	logger := logging.New(cfg.Log, os.Stderr)
	if *check {
		os.Exit(checkOnce(cfg, logger))
	}
	os.Exit(run(cfg, logger))
}

// run starts the worker and waits for a signal, or for the preflight to find a misconfiguration
// (exit code 1).
func run(cfg config.Worker, logger *slog.Logger) int {
	app := fx.New(workerapp.Options(cfg, logger))
	if err := app.Err(); err != nil {
		logger.Error(logging.Line(err))
		return 1
	}
	startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		logger.Error(logging.Line(err))
		return 1
	}
	sig := <-app.Wait() // SIGINT, SIGTERM, or the preflight's verdict
	stopCtx, cancel := context.WithTimeout(context.Background(), app.StopTimeout())
	defer cancel()
	if err := app.Stop(stopCtx); err != nil {
		logger.Error(logging.Line(err))
		return 1
	}
	return sig.ExitCode
}

// checkOnce prints one line per problem (or a line saying all is well) and the exit code.
func checkOnce(cfg config.Worker, logger *slog.Logger) int {
	report, err := workerapp.Preflight(context.Background(), cfg, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, logging.Line(err))
		return 1
	}
	for _, n := range report.Notes {
		fmt.Println("note:", n)
	}
	for _, p := range report.Problems {
		fmt.Println(p)
	}
	if !report.OK() {
		return 1
	}
	fmt.Println("preflight passed: every setting works")
	return 0
}

// probe is `worker -health`, for container health checks: the image has no curl.
func probe() int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := workerapp.ProbeReadiness(ctx, config.LoadHealthAddress()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	return 0
}
