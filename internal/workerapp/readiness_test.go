package workerapp_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/workerapp"
)

func freeAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// A wrong password: /readyz says not ready and names the setting, /healthz stays simple, and the
// app shuts itself down with exit code 1. Nothing polls: Temporal is not even reachable here.
func TestWrongPasswordIsNotReadyAndExitsOne(t *testing.T) {
	fakes := devstack.StartFakes()
	t.Cleanup(fakes.Close)
	fakes.HubSpot.Seed(example.HubSpot())
	fakes.ClientSuccess.Seed(example.ClientSuccess())
	cfg := fakes.WorkerConfig(config.Temporal{Address: freeAddress(t), Namespace: "default", TaskQueue: "q"})
	cfg.ClientSuccess.Password = "wrong-secret"
	cfg.HealthAddress = freeAddress(t)

	app := fx.New(workerapp.Options(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, app.Start(context.Background()))
	defer func() { require.NoError(t, app.Stop(context.Background())) }()
	select {
	case sig := <-app.Wait():
		assert.Equal(t, 1, sig.ExitCode)
	case <-time.After(10 * time.Second):
		t.Fatal("no verdict within 10 s")
	}
	status, body := get(t, "http://"+cfg.HealthAddress+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t,
		"not ready: CLIENTSUCCESS_PASSWORD: ClientSuccess refused the login: check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD\n", body)
	assert.NotContains(t, body, "wrong-secret")
	status, body = get(t, "http://"+cfg.HealthAddress+"/healthz")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)

	err := workerapp.ProbeReadiness(context.Background(), cfg.HealthAddress)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "not ready: CLIENTSUCCESS_PASSWORD: "), err.Error())
}

func TestProbeReadinessWithoutAWorker(t *testing.T) {
	addr := freeAddress(t)
	err := workerapp.ProbeReadiness(context.Background(), addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no worker answers on HEALTH_ADDRESS="+addr+": connection refused")
	assert.ErrorContains(t, workerapp.ProbeReadiness(context.Background(), ""), "HEALTH_ADDRESS is off")
}
