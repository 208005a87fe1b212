package e2e

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// builtBinary is a command of this repository compiled once per test run.
type builtBinary struct {
	once  sync.Once
	build func(dir string) (string, error)
	path  string
	err   error
}

var workerBin, starterBin = &builtBinary{build: devstack.BuildWorker}, &builtBinary{build: devstack.BuildStarter}

func (b *builtBinary) get(t *testing.T) string {
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "cssync-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path, b.err = b.build(dir)
	})
	require.NoError(t, b.err)
	return b.path
}

// workerBinary builds ./worker once per test run, so crash tests kill the real process.
func workerBinary(t *testing.T) string { return workerBin.get(t) }

// workerProcess is the worker binary running as a child process, with its output kept.
type workerProcess struct {
	*devstack.WorkerProcess
	out *bytes.Buffer
}

func (s *stack) startWorkerProcess() *workerProcess {
	s.t.Helper()
	cfg := s.cfg
	cfg.HealthAddress = ""
	var out bytes.Buffer
	p, err := devstack.StartWorkerProcess(workerBinary(s.t), cfg, &out)
	require.NoError(s.t, err)
	w := &workerProcess{WorkerProcess: p, out: &out}
	s.t.Cleanup(w.kill)
	return w
}

// kill ends the worker the hard way: no graceful shutdown, in-flight calls abandoned.
func (p *workerProcess) kill() { p.Kill() }

// TestWorkerKilledMidMove SIGKILLs the worker while a move has a write in flight (the create on
// the new client, or the removal from the old one), which the API applies after the worker died.
// The restarted worker finishes the move: the contact ends on the new client, exactly once.
func TestWorkerKilledMidMove(t *testing.T) {
	for _, c := range []struct{ name, heldRoute string }{
		{"kill during remove", "DELETE /v1/clients/{cid}/contacts/{id}"},
		{"kill during add", "POST /v1/clients/{cid}/contacts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStack(t)
			s.seedExample()
			w := s.startWorkerProcess()
			require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)

			s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
			hold := s.fakes.ClientSuccess.Faults().HoldNext(c.heldRoute)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: workflows.ContactWorkflowID(example.ContactID), TaskQueue: s.cfg.Temporal.TaskQueue,
			}, workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: example.ContactID, StepTimeout: 3 * time.Second})
			require.NoError(t, err)

			select {
			case <-hold.Arrived():
			case <-ctx.Done():
				t.Fatal("the held request never arrived")
			}
			w.kill()
			hold.Release() // the API applies the write whose answer nobody reads
			if c.heldRoute == "POST /v1/clients/{cid}/contacts" {
				// Created first: for a moment the contact is on both clients, never on none.
				eventually(t, 10*time.Second, "the orphaned create to land", func() bool { return len(s.owned(example.ContactID)) == 2 })
			} else {
				eventually(t, 10*time.Second, "the orphaned delete to land", func() bool { return len(s.owned(example.ContactID)) == 1 })
			}

			restarted := s.startWorkerProcess()
			var res workflows.SyncContactResult
			require.NoError(t, run.Get(ctx, &res), "worker output after restart:\n%s", restarted.out)
			require.Equal(t, syncplan.Moved, res.Outcome, res.Reason)
			on := s.owned(example.ContactID)
			require.Len(t, on, 1, "exactly one record after the crash")
			require.Equal(t, example.SecondClientID, on[0].ClientID)
		})
	}
}
