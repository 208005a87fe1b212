package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/workerapp"
	"github.com/cssync/cssync/workflows"
)

// With the payload codec on, the worker's logs at the default level carry ids and outcomes, never
// the example's names or email: neither on the story's syncs (created, moved, a conflict) nor on a
// full batch, nor on the failures along the way.
func TestLogsCarryNoNamesOrEmails(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.cfg.Temporal.PayloadCodecKeys = "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))
	var logs syncBuffer
	stop, err := devstack.StartWorker(context.Background(), s.cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	t.Cleanup(stop)
	starter, err := workerapp.Dial(s.cfg.Temporal, s.quietLogger())
	require.NoError(t, err)
	defer starter.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sync := func() workflows.SyncContactResult {
		res, err := starting.SyncContact(ctx, starter, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
		require.NoError(t, err)
		return res
	}

	require.Equal(t, syncplan.Created, sync().Outcome)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	s.fakes.ClientSuccess.Faults().FailNth("POST /v1/clients/{cid}/contacts", 1, 503) // a failure on the way, logged
	require.Equal(t, syncplan.Moved, sync().Outcome)
	// A hand-made twin with Brian's email on his first client: moving back is a conflict.
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.FirstDealID})
	require.NoError(t, s.fakes.ClientSuccess.EditContactInUI(example.ManualContactID, map[string]any{"email": "bh@hubspot.com"}))
	require.Equal(t, syncplan.Conflict, sync().Outcome)

	run, err := starting.StartBatch(ctx, starter, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	out := logs.String()
	require.Contains(t, out, `"outcome":"moved"`, "the logs say what happened")
	for _, pii := range []string{"bh@hubspot.com", "Brian", "Halligan", "Executive Chairman"} {
		require.NotContains(t, out, pii)
	}
}
