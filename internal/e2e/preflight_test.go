package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// binary is the worker binary run with the stack's settings, changed by overrides
// ("NAME=value", or "NAME" alone to remove the variable); its output is kept.
type binary struct {
	cmd   *exec.Cmd
	out   *syncBuffer
	start time.Time
	done  chan struct{}
}

func (s *stack) runBinary(args []string, overrides ...string) *binary {
	s.t.Helper()
	env := append(os.Environ(), devstack.Env(s.cfg)...)
	for _, o := range overrides {
		name, _, _ := strings.Cut(o, "=")
		kept := env[:0]
		for _, kv := range env {
			if !strings.HasPrefix(kv, name+"=") {
				kept = append(kept, kv)
			}
		}
		env = kept
		if strings.Contains(o, "=") {
			env = append(env, o)
		}
	}
	b := &binary{cmd: exec.Command(workerBinary(s.t), args...), out: &syncBuffer{}, done: make(chan struct{})}
	b.cmd.Env, b.cmd.Stdout, b.cmd.Stderr = env, b.out, b.out
	b.start = time.Now()
	require.NoError(s.t, b.cmd.Start())
	go func() {
		_ = b.cmd.Wait()
		close(b.done)
	}()
	s.t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
	})
	return b
}

// exit waits for the process to end, at most within, and returns its exit code and run time.
func (b *binary) exit(t *testing.T, within time.Duration) (int, time.Duration) {
	t.Helper()
	select {
	case <-b.done:
		return b.cmd.ProcessState.ExitCode(), time.Since(b.start)
	case <-time.After(within):
		t.Fatalf("still running after %s; output:\n%s", within, b.out)
		return 0, 0
	}
}

// TestWrongSettingsStopTheWorker: each wrong setting the operator's first hour met makes the
// worker binary exit non-zero within 10 s, with a line naming the setting.
func TestWrongSettingsStopTheWorker(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	hs, cs := s.fakes.HubSpotURL, s.fakes.ClientSuccessURL
	for _, c := range []struct{ name, override, setting string }{
		{"ClientSuccess base URL without /v1", "CLIENTSUCCESS_BASE_URL=" + strings.TrimSuffix(cs, "/v1"), "CLIENTSUCCESS_BASE_URL: "},
		{"HubSpot base URL ending in /api", "HUBSPOT_BASE_URL=" + hs + "/api", "HUBSPOT_BASE_URL: "},
		{"HubSpot base URL without a scheme", "HUBSPOT_BASE_URL=" + strings.TrimPrefix(hs, "http://"), "HUBSPOT_BASE_URL "},
		{"plain http to another host", "CLIENTSUCCESS_BASE_URL=http://clientsuccess.example/v1", "CLIENTSUCCESS_BASE_URL "},
		{"wrong ClientSuccess password", "CLIENTSUCCESS_PASSWORD=wrong-secret", "CLIENTSUCCESS_PASSWORD: "},
		{"wrong HubSpot token", "HUBSPOT_TOKEN=pat-na1-wrong-secret", "HUBSPOT_TOKEN: "},
		{"missing HubSpot token", "HUBSPOT_TOKEN", "HUBSPOT_TOKEN"},
		{"sync property that does not exist", "HUBSPOT_SYNC_PROPERTY=sync_cs", "HUBSPOT_SYNC_PROPERTY: "},
		{"namespace that does not exist", "TEMPORAL_NAMESPACE=no-such-namespace", "TEMPORAL_NAMESPACE: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := s.runBinary(nil, c.override, "HEALTH_ADDRESS=off", "METRICS_ADDRESS=off")
			code, took := b.exit(t, 10*time.Second)
			out := b.out.String()
			assert.NotZero(t, code, out)
			assert.Contains(t, out, c.setting, "a line names the setting")
			for _, secret := range []string{"wrong-secret", devstack.FakeCSPassword, devstack.FakeHubSpotToken} {
				assert.NotContains(t, out, secret)
			}
			t.Logf("exit %d after %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(out))
		})
	}
}

// TestUnreachableServiceIsWaitedFor: HubSpot is down when the worker starts. It says so, with the
// wait before each new try, /readyz names what it waits for, and no sync completes; once HubSpot
// answers, the worker polls and the waiting sync completes.
func TestUnreachableServiceIsWaitedFor(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	hubspotAddr, health := freeAddress(t), freeAddress(t)
	b := s.runBinary(nil, "HUBSPOT_BASE_URL=http://"+hubspotAddr, "HEALTH_ADDRESS="+health, "METRICS_ADDRESS=off")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type result struct {
		res workflows.SyncContactResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := starting.SyncContact(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
		done <- result{res, err}
	}()
	eventually(t, 20*time.Second, "two visible retries", func() bool {
		return strings.Count(b.out.String(), "HUBSPOT_BASE_URL: cannot reach HubSpot at http://"+hubspotAddr) >= 2
	})
	assert.Contains(t, b.out.String(), "retrying in 2s (attempt 2)")
	status, body := httpGet(t, "http://"+health+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "not ready: preflight: HUBSPOT_BASE_URL: cannot reach HubSpot")
	desc, err := s.client.DescribeWorkflowExecution(ctx, workflows.ContactWorkflowID(example.ContactID), "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus(),
		"no sync is done while HubSpot is down")
	select {
	case r := <-done:
		t.Fatalf("a sync ended while HubSpot was down: %+v %v", r.res, r.err)
	default:
	}
	assert.Empty(t, s.owned(example.ContactID), "nothing written")

	ln, err := net.Listen("tcp", hubspotAddr)
	require.NoError(t, err, "the reserved port was taken meanwhile")
	srv := httptest.NewUnstartedServer(s.fakes.HubSpot)
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, syncplan.Created, r.res.Outcome)
	status, _ = httpGet(t, "http://"+health+"/readyz")
	assert.Equal(t, http.StatusOK, status)
	require.NoError(t, b.cmd.Process.Signal(syscall.SIGTERM))
	code, _ := b.exit(t, 30*time.Second)
	assert.Zero(t, code)
}

// TestStartupIsShortAndReady: with valid settings the worker says at most 10 lines before it
// polls, /readyz turns ready, `worker -health` agrees, and `worker -check` passes.
func TestStartupIsShortAndReady(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	health := freeAddress(t)
	b := s.runBinary(nil, "HEALTH_ADDRESS="+health, "METRICS_ADDRESS="+freeAddress(t))
	eventually(t, 30*time.Second, "/readyz to answer ready", func() bool {
		status, _ := httpGetMaybe("http://" + health + "/readyz")
		return status == http.StatusOK
	})
	res := s.syncContact(example.ContactID)
	assert.Equal(t, syncplan.Created, res.Outcome)
	lines := strings.Split(strings.TrimSpace(b.out.String()), "\n")
	t.Logf("start-up output, %d lines:\n%s", len(lines), b.out)
	assert.LessOrEqual(t, len(lines), 10)
	assert.Contains(t, b.out.String(), "preflight passed")
	assert.NotContains(t, b.out.String(), "PROVIDE", "no dependency-injection wiring unless LOG_LEVEL=debug")

	probe := s.runBinary([]string{"-health"}, "HEALTH_ADDRESS="+health)
	code, _ := probe.exit(t, 10*time.Second)
	assert.Zero(t, code, probe.out.String())
	assert.Equal(t, "ready\n", probe.out.String())

	check := s.runBinary([]string{"-check"}, "HEALTH_ADDRESS=off", "METRICS_ADDRESS=off")
	code, _ = check.exit(t, 10*time.Second)
	assert.Zero(t, code, check.out.String())
	check = s.runBinary([]string{"-check"}, "CLIENTSUCCESS_PASSWORD=wrong-secret")
	code, _ = check.exit(t, 10*time.Second)
	assert.Equal(t, 1, code)
	assert.Equal(t, "CLIENTSUCCESS_PASSWORD: ClientSuccess refused the login: check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD\n",
		check.out.String())

	check = s.runBinary([]string{"-check"}, "HUBSPOT_TOKEN")
	code, _ = check.exit(t, 10*time.Second)
	assert.Equal(t, 1, code, "-check answers 1 for a setting that does not even parse")
	assert.Contains(t, check.out.String(), `"HUBSPOT_TOKEN" is not set`)

	require.NoError(t, b.cmd.Process.Signal(syscall.SIGTERM))
	code, _ = b.exit(t, 30*time.Second)
	assert.Zero(t, code)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	status, body := httpGetMaybe(url)
	require.NotZero(t, status, "no answer from %s", url)
	return status, body
}

// httpGetMaybe is a GET that reports no answer as status 0.
func httpGetMaybe(url string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
