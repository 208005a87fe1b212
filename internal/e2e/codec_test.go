package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/workerapp"
	"github.com/cssync/cssync/workflows"
)

// TestPayloadCodecKeepsPIIOutOfHistory turns the payload codec on for the worker and the starter,
// refusing unencrypted payloads, runs the help article's created and moved syncs, and checks that
// the recorded histories hold no email or name in plain text, and that the worker's codec server
// (as the Web UI would call it) decodes the result back and refuses a plain payload.
func TestPayloadCodecKeepsPIIOutOfHistory(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	k1, k0 := bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{9}, 32)
	s.cfg.Temporal.PayloadCodecKeys = "k1:" + base64.StdEncoding.EncodeToString(k1) + ",k0:" + base64.StdEncoding.EncodeToString(k0)
	s.cfg.Temporal.PayloadCodecRequireEncryption = "true"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	codecAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	s.cfg.CodecServer.Address, s.cfg.CodecServer.Token, s.cfg.CodecServer.CORSOrigin = codecAddr, "codec-bearer-token", "http://localhost:8233"
	s.startWorker()
	starter, err := workerapp.Dial(s.cfg.Temporal, s.quietLogger())
	require.NoError(t, err)
	defer starter.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sync := func() workflows.SyncContactResult {
		res, err := starting.SyncContact(ctx, starter, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
		require.NoError(t, err)
		return res
	}
	require.Equal(t, syncplan.Created, sync().Outcome)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	moved := sync()
	require.Equal(t, syncplan.Moved, moved.Outcome, "the starter decodes results")
	require.Contains(t, moved.Reason, "Fake 2nd Test (9002)")

	histories := s.allHistories(ctx, 2)
	for _, h := range histories {
		for _, pii := range []string{"bh@hubspot.com", "Brian", "Halligan", "Executive Chairman"} {
			require.NotContains(t, h.text, pii, "workflow %s run %s holds %q in plain text", h.id, h.run, pii)
		}
	}

	// The completed event's result, as the Web UI would send it to the codec endpoint.
	h := s.history(ctx, workflows.ContactWorkflowID(example.ContactID))
	last := h.Events[len(h.Events)-1]
	require.Equal(t, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, last.EventType)
	result := last.GetWorkflowExecutionCompletedEventAttributes().Result
	decode := func(payloads *commonpb.Payloads) (*http.Response, []byte) {
		body, err := protojson.Marshal(payloads)
		require.NoError(t, err)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+codecAddr+"/default/decode", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer codec-bearer-token")
		req.Header.Set("Origin", "http://localhost:8233")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, data
	}
	resp, data := decode(result)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(data))
	require.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(data, &decoded))
	raw, err := proto.Marshal(&decoded)
	require.NoError(t, err)
	require.Contains(t, string(raw), "moved to client Fake 2nd Test (9002)", "the codec server decodes the recorded result")

	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}
	resp, data = decode(&commonpb.Payloads{Payloads: []*commonpb.Payload{plain}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(data), "PAYLOAD_CODEC_REQUIRE_ENCRYPTION=true", "a plain payload is refused")

	// A client without the keys starts a sync with a plain input: the worker refuses to read it.
	writes := s.fakes.ClientSuccess.Writes()
	_, err = s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "plain-input", TaskQueue: s.cfg.Temporal.TaskQueue},
		workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
	require.NoError(t, err)
	defer func() { _ = s.client.TerminateWorkflow(context.Background(), "plain-input", "", "test over") }()
	eventually(t, 30*time.Second, "the worker to refuse the plain input", func() bool {
		return strings.Contains(s.logs.String(), "refused a payload that is not encrypted")
	})
	require.Equal(t, writes, s.fakes.ClientSuccess.Writes(), "nothing was written for the plain input")
}
