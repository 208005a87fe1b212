package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/httpcore"
	"github.com/cssync/cssync/internal/pacing"
)

// Three worker processes, each pacing its calls at a rate the account allows, together exceed it
// three times over and are answered 429; taking their start times from one shared schedule, the
// same three stay under it, and still use it.
func TestWorkersShareOneAccountsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: needs the Temporal dev server")
	}
	const (
		workers, callsEach = 3, 12
		limit, pace        = 10, 8.0 // the account's limit per second, and the pace set to stay under it
	)
	queue := "e2e-" + t.Name()
	t.Cleanup(func() { terminateOpen(devServer.Client(), pacing.TaskQueue(queue)) })

	run := func(limiterOf func(w int) httpcore.Limiter) (answered429 int, elapsed time.Duration) {
		fakes := devstack.StartFakesWith(hubspotfake.Options{}, csfake.Options{RequestsPerSecond: limit})
		defer fakes.Close()
		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			api := clientsuccess.New(clientsuccess.Config{BaseURL: fakes.ClientSuccessURL, Username: devstack.FakeCSUsername,
				Password: devstack.FakeCSPassword, Limiter: limiterOf(w)})
			for range callsEach {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _ = api.ListClients(context.Background(), false) // a 429 is counted by the fake's side
				}()
			}
		}
		wg.Wait()
		return fakes.ClientSuccessStatuses.Count(429), time.Since(start)
	}

	t.Run("each process alone", func(t *testing.T) {
		got, _ := run(func(int) httpcore.Limiter { return rate.NewLimiter(pace, 1) })
		assert.Positive(t, got, "three processes at %v/s each exceed the account's %d/s", pace, limit)
	})

	t.Run("the task queue together", func(t *testing.T) {
		bucket := pacing.Bucket{Name: "requests", PerSecond: pace}
		pacers := make([]*pacing.Pacer, workers)
		for w := range workers {
			// Each "process" polls the pacing task queue with its own worker, as the worker binary does.
			pw := worker.New(devServer.Client(), pacing.TaskQueue(queue), worker.Options{Identity: fmt.Sprintf("pacer-%d", w)})
			pw.RegisterWorkflow(pacing.PaceCalls)
			require.NoError(t, pw.Start())
			t.Cleanup(pw.Stop)
			pacers[w] = pacing.NewPacer(devServer.Client(), queue)
			pacers[w].Start()
		}
		got, elapsed := run(func(w int) httpcore.Limiter { return pacers[w].Limiter("clientsuccess", nil, bucket) })
		assert.Zero(t, got, "no call of the three answered 429")
		// Logins are calls too: each process makes at least one more than its lists.
		least := time.Duration(float64(workers*(callsEach+1)-1) / pace * float64(time.Second))
		assert.GreaterOrEqual(t, elapsed, least, "the calls of all three together were paced at %v/s", pace)
		assert.Less(t, elapsed, 2*least, "and the shared pace was used, not wasted")
	})
}
