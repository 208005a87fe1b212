package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// credentialRecorder notes every Authorization header the worker sends, so the test knows the
// ClientSuccess access tokens issued during the run as well as the configured secrets.
type credentialRecorder struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (c *credentialRecorder) wrap(next func(string, http.Handler) http.Handler) func(string, http.Handler) http.Handler {
	return func(system string, h http.Handler) http.Handler {
		inner := next(system, h)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")); v != "" {
				c.mu.Lock()
				c.seen[v] = true
				c.mu.Unlock()
			}
			inner.ServeHTTP(w, r)
		})
	}
}

func (c *credentialRecorder) secrets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []string{devstack.FakeHubSpotToken, devstack.FakeCSPassword}
	for v := range c.seen {
		out = append(out, v)
	}
	return out
}

// TestSecretsStayOutOfHistoryAndLogs runs the worker binary through a created, a moved, an
// expired-token and a rejected-token sync and a batch run, with API error bodies that echo the
// credentials back (as ClientSuccess's 401 does), then reads every recorded history of the task
// queue and everything the worker printed, and searches them for the configured secrets and the
// access tokens seen on the wire.
func TestSecretsStayOutOfHistoryAndLogs(t *testing.T) {
	ic := &interceptor{}
	rec := &credentialRecorder{seen: map[string]bool{}}
	s := newStackWrapped(t, rec.wrap(ic.wrap))
	s.seedExample()
	w := s.startWorkerProcess()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	s.fakes.ClientSuccess.ExpireTokens() // the next call is a 401 whose body echoes the stale token
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	require.Equal(t, syncplan.Moved, s.syncContact(example.ContactID).Outcome)
	// Every contact gets its own child, so a batch child's history is searched too.
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{CheckEveryContact: true})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	// HubSpot rejects the token and quotes it back; the failure is recorded in history.
	ic.add(canned{system: "HubSpot", method: "GET", path: hsContactPath, times: 1, status: 401, contentType: jsonType,
		body: `{"status":"error","message":"Authentication credentials not found: Bearer ` + devstack.FakeHubSpotToken + `","category":"INVALID_AUTHENTICATION"}`})
	_, err = starting.SyncContact(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
	require.ErrorContains(t, err, "HubSpot")

	secrets := rec.secrets()
	require.Greater(t, len(secrets), 3, "the run used at least two ClientSuccess access tokens")
	histories := s.allHistories(ctx, 5) // created, moved, batch, its child, the rejected one
	all := ""
	for _, h := range histories {
		all += h.text
	}
	require.Contains(t, all, "bh@hubspot.com", "control: the search sees payload contents")
	require.Contains(t, all, "HubSpot.auth", "control: the search sees failures")
	for _, h := range histories {
		for _, secret := range secrets {
			require.NotContains(t, h.text, secret, "workflow %s run %s: a credential reached history", h.id, h.run)
		}
	}
	w.kill()
	logs := w.out.String()
	require.NotEmpty(t, logs, "the worker logged something")
	for _, secret := range secrets {
		require.NotContains(t, logs, secret, "a credential reached the worker's output")
	}
	t.Logf("searched %d histories (%d bytes) and %d bytes of worker output for %d secrets",
		len(histories), totalLen(histories), len(logs), len(secrets))
}

type recordedHistory struct{ id, run, text string }

func totalLen(hs []recordedHistory) int {
	n := 0
	for _, h := range hs {
		n += len(h.text)
	}
	return n
}

// allHistories waits until visibility lists at least min closed executions on the stack's task
// queue, then returns each one's full history as JSON.
func (s *stack) allHistories(ctx context.Context, min int) []recordedHistory {
	s.t.Helper()
	var execs []*workflowpb.WorkflowExecutionInfo
	eventually(s.t, 30*time.Second, "visibility to list the runs", func() bool {
		execs = nil
		var token []byte
		for {
			resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: "TaskQueue = '" + s.cfg.Temporal.TaskQueue + "' AND ExecutionStatus != 'Running'", NextPageToken: token,
			})
			require.NoError(s.t, err)
			execs = append(execs, resp.Executions...)
			if token = resp.NextPageToken; len(token) == 0 {
				return len(execs) >= min
			}
		}
	})
	var out []recordedHistory
	for _, e := range execs {
		h := s.historyOf(ctx, e.Execution.WorkflowId, e.Execution.RunId)
		// Payload data is base64 in JSON, so search the binary form (payloads as written) too.
		js, err := protojson.Marshal(h)
		require.NoError(s.t, err)
		bin, err := proto.Marshal(h)
		require.NoError(s.t, err)
		out = append(out, recordedHistory{id: e.Execution.WorkflowId, run: e.Execution.RunId, text: string(js) + "\n" + string(bin)})
	}
	return out
}
