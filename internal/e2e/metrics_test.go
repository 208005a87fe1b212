package e2e

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// TestWorkerExportsMetrics runs a sync and scrapes the worker's /metrics: the SDK's metrics, syncs
// by outcome, and API calls by system and status.
func TestWorkerExportsMetrics(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.cfg.MetricsAddress = freeAddress(t)
	s.cfg.HealthAddress = freeAddress(t)
	stop, err := devstack.StartWorker(context.Background(), s.cfg, nil)
	require.NoError(t, err)
	t.Cleanup(stop)
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	// A batch finds him in line on its page plan and starts no sync, but still counts him.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	var batch workflows.SyncContactsResult
	require.NoError(t, run.Get(ctx, &batch))
	require.Equal(t, map[syncplan.Outcome]int{syncplan.Unchanged: 1}, batch.Counts)

	require.Equal(t, "ok\n", get(t, "http://"+s.cfg.HealthAddress+"/healthz"))
	want := map[string]*regexp.Regexp{
		"sync by outcome":        regexp.MustCompile(`(?m)^cssync_contact_syncs\{[^}]*outcome="created"[^}]*\} 1$`),
		"in line on a page plan": regexp.MustCompile(`(?m)^cssync_contact_syncs\{[^}]*outcome="unchanged"[^}]*\} 1$`),
		"HubSpot calls":          regexp.MustCompile(`(?m)^cssync_api_calls\{method="GET",status="200",system="HubSpot"\} [1-9]`),
		"ClientSuccess creates":  regexp.MustCompile(`(?m)^cssync_api_calls\{method="POST",status="200",system="ClientSuccess"\} [1-9]`),
		"SDK workflow completed": regexp.MustCompile(`(?m)^temporal_workflow_completed\{[^}]*workflow_type="SyncContact"[^}]*\} [1-9]`),
	}
	var body string
	eventually(t, 15*time.Second, "the metrics to be exported", func() bool {
		body = get(t, "http://"+s.cfg.MetricsAddress+"/metrics")
		for _, re := range want {
			if !re.MatchString(body) {
				return false
			}
		}
		return true
	})
	require.NotContains(t, body, devstack.FakeHubSpotToken)
}

// freeAddress picks a loopback port nobody listens on now.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
