// Command bench measures the sync end to end on a real Temporal dev server against the fakes, with
// the worker binary in child processes. Each benchmark is a mode (-mode, default full) in its own
// file, which registers itself and its flags in an init function; main starts what every mode
// shares, the dev server and the worker binary, and runs the one asked for:
//
//	go run ./internal/bench                          # full: N=10,000 contacts over M=1,000 clients
//	go run ./internal/bench -contacts 1000 -realistic-contacts 100 -workers 2
//	go run ./internal/bench -scale-contacts 100000   # also N=100,000: worker memory and history
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/devstack"
)

// mode is one benchmark: it runs on the shared dev server and worker binary and prints its figures.
type mode struct {
	about string
	run   func(ctx context.Context, env benchEnv)
}

var modes = map[string]mode{}

// register adds a mode; call it from the init function of the mode's file.
func register(name string, m mode) { modes[name] = m }

// benchEnv is what every mode is given.
type benchEnv struct {
	server    devServer
	workerBin string // the worker binary, built for this run
}

// devServer is the Temporal dev server every run uses.
type devServer interface {
	FrontendHostPort() string
	Client() client.Client
}

func main() {
	var names []string
	for name, m := range modes {
		names = append(names, fmt.Sprintf("%s (%s)", name, m.about))
	}
	slices.Sort(names)
	name := flag.String("mode", "full", "the benchmark to run: "+strings.Join(names, "; "))
	flag.Parse()
	m, ok := modes[*name]
	if !ok {
		check(fmt.Errorf("-mode %s: no such mode; the modes are %s", *name, strings.Join(names, "; ")))
	}

	ctx := context.Background()
	srv, err := devstack.StartDevServer(ctx, devstack.DevServerOptions{})
	check(err)
	defer func() { _ = srv.Stop() }()
	dir, err := os.MkdirTemp("", "cssync-bench-")
	check(err)
	defer os.RemoveAll(dir)
	bin, err := devstack.BuildWorker(dir)
	check(err)
	m.run(ctx, benchEnv{server: srv, workerBin: bin})
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
