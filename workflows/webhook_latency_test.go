package workflows

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// timings records the timers a workflow reports.
type timings struct {
	// The no-op handler, for what is not recorded.
	client.MetricsHandler
	mu  sync.Mutex
	got map[string][]time.Duration
}

func (t *timings) WithTags(map[string]string) client.MetricsHandler { return t }
func (t *timings) Timer(name string) client.MetricsTimer            { return timer{t, name} }

type timer struct {
	t    *timings
	name string
}

func (r timer) Record(d time.Duration) {
	r.t.mu.Lock()
	defer r.t.mu.Unlock()
	r.t.got[r.name] = append(r.t.got[r.name], d)
}

// runCreate runs a sync of contact 51 that creates its record, with the given memo and continued run.
func runCreate(t *testing.T, memo map[string]any, continued bool, create bool) []time.Duration {
	var s testsuite.WorkflowTestSuite
	m := &timings{MetricsHandler: client.MetricsNopHandler, got: map[string][]time.Duration{}}
	s.SetMetricsHandler(m)
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	require.NoError(t, env.SetMemoOnStart(memo))
	if continued {
		env.SetContinuedExecutionRunID("previous-run")
	}
	contact := checkedContact("2002")
	if !create {
		contact.Checked = false
	}
	env.OnActivity(a.ReadContact, mock.Anything, "51").Return(contact, nil).Once()
	if create {
		env.OnActivity(a.ResolveClient, mock.Anything, mock.Anything).Return(secondClient, nil).Once()
		env.OnActivity(a.LocateRecords, mock.Anything, mock.Anything).Return(activities.Located{}, nil).Once()
		env.OnActivity(a.CreateContact, mock.Anything, mock.Anything).After(3*time.Second).
			Return(activities.WriteResult{Action: syncplan.Created, ContactID: 700}, nil).Once()
	}
	env.ExecuteWorkflow(SyncContact, SyncContactInput{HubSpotContactID: "51"})
	require.NoError(t, env.GetWorkflowError())
	return m.got[EventLatencyMetric]
}

// A sync a webhook started times the change from when HubSpot says it happened to the end of
// the run that wrote it; other runs are not timed.
func TestEventStartedSyncsTimeTheChange(t *testing.T) {
	event := HubSpotChange{OccurredAt: time.Now().Add(-2 * time.Second), Event: "contact.propertyChange"}
	got := runCreate(t, EventMemo(event), false, true)
	require.Len(t, got, 1)
	require.GreaterOrEqual(t, got[0], 5*time.Second, "2 s before the start, and 3 s of create")

	require.Empty(t, runCreate(t, nil, false, true), "a sync no event started")
	require.Empty(t, runCreate(t, EventMemo(event), true, true), "the run it continued as answers a later change")
	require.Empty(t, runCreate(t, EventMemo(event), false, false), "nothing written")
}
