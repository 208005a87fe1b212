package pacing

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// reserve sends one reservation to the test workflow and records its answer.
func reserve(env *testsuite.TestWorkflowEnvironment, id string, r Reservation, got *Slots, refused *error) {
	env.UpdateWorkflow(ReserveUpdate, id, &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { *refused = err },
		OnComplete: func(v any, err error) {
			if err == nil {
				*got = v.(Slots)
			}
		},
	}, r)
}

func TestPaceCallsAnswersReservationsFromOneSchedule(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	b := Bucket{Name: "requests", PerSecond: 10}
	var first, second Slots
	var refused, none error
	env.RegisterDelayedCallback(func() {
		reserve(env, "1", Reservation{Buckets: []Bucket{b}, Calls: 3}, &first, &none)
		reserve(env, "2", Reservation{Buckets: []Bucket{b}, Calls: 1}, &second, &none)
		reserve(env, "3", Reservation{Buckets: []Bucket{b}}, &Slots{}, &refused)
	}, time.Second)
	env.ExecuteWorkflow(PaceCalls, PaceInput{})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "idle for a minute: it ends")
	require.NoError(t, none)
	assert.Equal(t, 100*time.Millisecond, first.Every)
	assert.Equal(t, first.At(3), second.First, "the second reservation starts where the first one's calls end")
	assert.ErrorContains(t, refused, "1 to 1000 calls")
}

func TestPaceCallsCarriesItsScheduleOn(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	b := Bucket{Name: "requests", PerSecond: 1}
	var last Slots
	var none error
	env.RegisterDelayedCallback(func() {
		for i := range reservationsPerRun {
			reserve(env, fmt.Sprint(i), Reservation{Buckets: []Bucket{b}, Calls: 1}, &last, &none)
		}
	}, time.Second)
	env.ExecuteWorkflow(PaceCalls, PaceInput{})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, none)
	var cont *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &cont, "a full run continues as new")
	var next PaceInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next))
	assert.Equal(t, last.At(1), next.Schedule["requests"], "the next run starts where the last reserved call leaves the bucket")
}

// A run ends idle only once every slot it gave has come: a run started afresh before then would
// give those slots again.
func TestPaceCallsOutlivesTheSlotsItGave(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var got Slots
	var none error
	env.RegisterDelayedCallback(func() {
		reserve(env, "1", Reservation{Buckets: []Bucket{{Name: "requests", PerSecond: 1}}, Calls: 300}, &got, &none)
	}, time.Second)
	env.ExecuteWorkflow(PaceCalls, PaceInput{})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, none)
	assert.False(t, env.Now().Before(got.At(300)), "ended at %s, before its last slot's interval ended at %s", env.Now(), got.At(300))
}
