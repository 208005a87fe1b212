// Package e2e runs the real worker against a real Temporal dev server and the API fakes.
// One dev server serves the whole package; every test gets its own fakes and task queue.
// `go test -short` skips these tests.
package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/pacing"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/workflows"
)

var (
	devServer *testsuite.DevServer
	uiPort    string // the dev server's Web UI port
)

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		// The Web UI is on, on a free port, for the browser check.
		port, err := freePort()
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			os.Exit(1)
		}
		uiPort = port
		srv, err := devstack.StartDevServer(context.Background(), devstack.DevServerOptions{UI: true, UIPort: uiPort})
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			os.Exit(1)
		}
		devServer = srv
	}
	code := m.Run()
	if devServer != nil {
		_ = devServer.Stop()
	}
	os.Exit(code)
}

// stack is one test's fakes, worker configuration and Temporal client.
type stack struct {
	t      *testing.T
	fakes  *devstack.Fakes
	cfg    config.Worker
	client client.Client
	logs   *syncBuffer // everything the in-process worker logged
}

func newStack(t *testing.T) *stack { return newStackWrapped(t, nil) }

// newStackWrapped is newStack with the fakes' handlers passed through wrap (see
// devstack.StartFakesWrapped).
func newStackWrapped(t *testing.T, wrap func(system string, h http.Handler) http.Handler) *stack {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: needs the Temporal dev server")
	}
	fakes := devstack.StartFakesWrapped(wrap)
	t.Cleanup(fakes.Close)
	queue := "e2e-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	cfg := fakes.WorkerConfig(config.Temporal{Address: devServer.FrontendHostPort(), Namespace: "default", TaskQueue: queue})
	// Workflow ids are per namespace: a sync this test leaves running (retrying against fakes that
	// are gone) must not be joined by the next test's sync of the same contact.
	t.Cleanup(func() { terminateQueue(devServer.Client(), queue) })
	return &stack{t: t, fakes: fakes, client: devServer.Client(), cfg: cfg, logs: &syncBuffer{}}
}

// terminateQueue terminates the workflows still running on the workers' task queue and on its
// pacing task queue.
func terminateQueue(c client.Client, queue string) {
	terminateOpen(c, queue)
	terminateOpen(c, pacing.TaskQueue(queue))
}

// terminateOpen terminates the workflows still running on a task queue.
func terminateOpen(c client.Client, queue string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("TaskQueue = %q AND ExecutionStatus = 'Running'", queue), PageSize: 1000})
	if err != nil {
		return
	}
	for _, e := range resp.GetExecutions() {
		_ = c.TerminateWorkflow(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), "end of the test that started it")
	}
}

// seedExample loads the help article's story into both fakes.
func (s *stack) seedExample() {
	s.fakes.HubSpot.Seed(example.HubSpot())
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
}

// startWorker runs the real worker wiring in-process until the test ends, logging at debug level
// into s.logs.
func (s *stack) startWorker() {
	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	stop, err := devstack.StartWorker(context.Background(), s.cfg, logger)
	require.NoError(s.t, err)
	s.t.Cleanup(stop)
}

func (s *stack) syncContact(id string) workflows.SyncContactResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := starting.SyncContact(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: id})
	require.NoError(s.t, err)
	return res
}

// owned returns every ClientSuccess record created for the HubSpot contact, on any client.
func (s *stack) owned(hubspotID string) []clientsuccess.Contact {
	var out []clientsuccess.Contact
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID == hubspotID {
			out = append(out, c)
		}
	}
	return out
}

// quietLogger writes into s.logs, like the in-process worker.
func (s *stack) quietLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(s.logs, nil))
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventually polls cond until it holds or the deadline passes; it never sleeps blindly.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		<-tick.C
	}
}
