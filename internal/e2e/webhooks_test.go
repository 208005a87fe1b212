package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// The routes of a ClientSuccess create and removal: a move is one of each.
const (
	csCreate = "POST /v1/clients/{cid}/contacts"
	csRemove = "DELETE /v1/clients/{cid}/contacts/{id}"
)

// receiveWebhooks turns the worker's webhook receiver on and points the HubSpot fake's webhooks
// at it; call it before startWorker.
func (s *stack) receiveWebhooks(o hubspotfake.WebhookOptions) {
	s.t.Helper()
	require.NoError(s.t, s.fakes.ConnectWebhooks(&s.cfg, o))
}

// eventSync waits until the fake's webhooks were all accepted and the sync of the contact they
// started has ended, and returns its runs: the first one started by the webhook.
func (s *stack) eventSync(id string) []starting.Run {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(s.t, s.fakes.HubSpot.WaitWebhooks(ctx))
	require.Zero(s.t, s.fakes.HubSpot.WebhookStats().Dropped, "every delivery was taken")
	runs, err := starting.AwaitChain(ctx, s.client, workflows.ContactWorkflowID(id))
	require.NoError(s.t, err)
	require.Equal(s.t, workflows.StartedByWebhook, runs[0].StartedBy, "a webhook started the sync: %+v", runs)
	for _, r := range runs[1:] {
		require.False(s.t, syncplan.Outcome(r.Outcome).Wrote(), "a run after the first writes nothing: %+v", runs)
	}
	require.NotContains(s.t, s.logs.String(), devstack.FakeAppSecret, "the app secret is never logged")
	return runs
}

// requireMovedOnce checks that Brian is on client `to` only, moved by exactly one create and one
// removal since the counters were reset.
func (s *stack) requireMovedOnce(to int64) {
	s.t.Helper()
	on := s.owned(example.ContactID)
	require.Len(s.t, on, 1, "on exactly one client: %+v", on)
	require.Equal(s.t, to, on[0].ClientID)
	calls := s.fakes.ClientSuccess.CallsByRoute()
	require.Equal(s.t, 1, calls[csCreate], "one create")
	require.Equal(s.t, 1, calls[csRemove], "one removal")
}

// placeBrian syncs Brian once by hand, onto client, and forgets the writes that took.
func (s *stack) placeBrian(client int64) {
	s.t.Helper()
	res := s.syncContact(example.ContactID)
	require.Equal(s.t, client, res.ClientID, res.Reason)
	s.fakes.ClientSuccess.ResetCounters()
}

// requireEventMove checks that the sync the webhook started moved Brian to client, once.
func (s *stack) requireEventMove(event string, to int64) {
	s.t.Helper()
	runs := s.eventSync(example.ContactID)
	require.Equal(s.t, string(syncplan.Moved), runs[0].Outcome)
	require.Equal(s.t, event, runs[0].Event)
	s.requireMovedOnce(to)
}

// TestWebhookMovesBrian: his Associated Deal ID changes in HubSpot and the webhook alone, with
// no starter command, moves him to the new deal's client.
func TestWebhookMovesBrian(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.receiveWebhooks(hubspotfake.WebhookOptions{})
	s.startWorker()
	s.placeBrian(example.FirstClientID)

	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	s.requireEventMove("contact.propertyChange", example.SecondClientID)
}

// TestWebhookReceiverInTheWorkerBinary: the worker command reads the receiver's settings from its
// environment, serves it, and never prints the app secret.
func TestWebhookReceiverInTheWorkerBinary(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	// Deliveries before the receiver listens are refused by the network and retried.
	s.receiveWebhooks(hubspotfake.WebhookOptions{RetryAfter: 100 * time.Millisecond})
	w := s.startWorkerProcess()
	s.placeBrian(example.FirstClientID)

	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	s.requireEventMove("contact.propertyChange", example.SecondClientID)
	w.kill()
	require.Contains(t, w.out.String(), "webhook receiver listening")
	require.NotContains(t, w.out.String(), devstack.FakeAppSecret)
}

// TestWebhookNewDealAssociationMovesBrian: with the associations resolver a new association with a
// newer deal is an event of its own (HubSpot does not move lastmodifieddate for it).
func TestWebhookNewDealAssociationMovesBrian(t *testing.T) {
	s := newStack(t)
	hs := datedExample()
	hs.Associations = hs.Associations[:1] // 51 → 1001 only
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.cfg.HubSpot.DealResolver = "associations"
	s.receiveWebhooks(hubspotfake.WebhookOptions{})
	s.startWorker()
	s.placeBrian(example.FirstClientID)

	s.fakes.HubSpot.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: example.ContactID, ToType: "deals", ToID: example.SecondDealID})
	s.requireEventMove("contact.associationChange", example.SecondClientID)
}

// TestWebhookMergeFoldsBothRecords: HubSpot merges two synced contacts; the contact.merge event
// syncs the survivor, which owns both records and keeps one, on the primary's client.
func TestWebhookMergeFoldsBothRecords(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.fakes.HubSpot.Put("contacts", "52", map[string]string{"email": "other@hubspot.com", "firstname": "Brian",
		"sync_w_clientsuccess_contact": "true", "associated_deal_id": example.SecondDealID})
	s.receiveWebhooks(hubspotfake.WebhookOptions{})
	s.startWorker()
	s.syncContact(example.ContactID)
	s.syncContact("52")

	survivor := s.fakes.HubSpot.Merge("52", example.ContactID)
	runs := s.eventSync(survivor)
	require.Equal(t, "contact.merge", runs[0].Event)
	require.Contains(t, []string{string(syncplan.Updated), string(syncplan.Moved)}, runs[0].Outcome)
	s.requireOnlyRecord(survivor, example.SecondClientID) // 52 was the primary: its deal
}

// TestWebhookDeletion: a contact deleted in HubSpot keeps its records (DELETED_CONTACTS=keep) or
// loses them (remove), through the contact.deletion event alone.
func TestWebhookDeletion(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(map[bool]string{false: "keep", true: "remove"}[remove], func(t *testing.T) {
			s := newStack(t)
			s.seedExample()
			if remove {
				s.cfg.HubSpot.DeletedContacts = "remove"
			}
			s.receiveWebhooks(hubspotfake.WebhookOptions{})
			s.startWorker()
			require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)

			s.fakes.HubSpot.Delete("contacts", example.ContactID)
			runs := s.eventSync(example.ContactID)
			require.Equal(t, "contact.deletion", runs[0].Event)
			if remove {
				require.Equal(t, string(syncplan.Removed), runs[0].Outcome)
				require.Empty(t, s.owned(example.ContactID))
				return
			}
			require.Equal(t, string(syncplan.Orphaned), runs[0].Outcome)
			require.Len(t, s.owned(example.ContactID), 1)
		})
	}
}

// TestWebhookRefusals: a bad signature, an old timestamp and an oversized body are refused, and
// start nothing; the same delivery, well signed and on time, starts the sync.
func TestWebhookRefusals(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.receiveWebhooks(hubspotfake.WebhookOptions{})
	s.startWorker()
	// An id of this test alone: workflow ids are shared by every test on the dev server.
	id := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000+1_000_000_000, 10)
	event := hubspot.WebhookEvent{EventID: "1", SubscriptionType: "contact.creation", ObjectID: hubspot.WebhookID(id),
		OccurredAt: time.Now().UnixMilli()}
	body, err := json.Marshal([]hubspot.WebhookEvent{event})
	require.NoError(t, err)
	oversized := append(bytes.Repeat([]byte(" "), 2<<20), body...)

	for _, tc := range []struct {
		name   string
		body   []byte
		secret string
		at     time.Time
		want   int
	}{
		{"bad signature", body, "not-the-app-secret", time.Now(), http.StatusUnauthorized},
		{"old timestamp", body, devstack.FakeAppSecret, time.Now().Add(-6 * time.Minute), http.StatusUnauthorized},
		{"oversized body", oversized, devstack.FakeAppSecret, time.Now(), http.StatusRequestEntityTooLarge},
	} {
		require.Equal(t, tc.want, s.postWebhook(tc.body, tc.secret, tc.at), tc.name)
		_, err := s.client.DescribeWorkflowExecution(context.Background(), workflows.ContactWorkflowID(id), "")
		var notFound *serviceerror.NotFound
		require.ErrorAs(t, err, &notFound, "%s: nothing started", tc.name)
	}

	require.Equal(t, http.StatusNoContent, s.postWebhook(body, devstack.FakeAppSecret, time.Now()))
	_, err = s.client.DescribeWorkflowExecution(context.Background(), workflows.ContactWorkflowID(id), "")
	require.NoError(t, err, "the well-signed delivery started the sync")
}

// postWebhook sends body to the worker's receiver as HubSpot would, signed with secret at at.
func (s *stack) postWebhook(body []byte, secret string, at time.Time) int {
	s.t.Helper()
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	req, err := http.NewRequest(http.MethodPost, s.cfg.Webhook.URL, bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(hubspot.RequestTimestampHeader, ts)
	req.Header.Set(hubspot.SignatureV3Header, hubspot.SignatureV3(secret, http.MethodPost, s.cfg.Webhook.URL, body, ts))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

// TestWebhookDuplicatedAndReorderedDeliveries: two changes to Brian, each in its own POST, sent
// last first and every POST twice, move him exactly once.
func TestWebhookDuplicatedAndReorderedDeliveries(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.receiveWebhooks(hubspotfake.WebhookOptions{Duplicate: true, Reorder: true, BatchSize: 1, Concurrency: 1,
		Gather: 100 * time.Millisecond})
	s.startWorker()
	s.placeBrian(example.FirstClientID)

	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"jobtitle": "Co-founder"})
	s.eventSync(example.ContactID)
	require.Equal(t, hubspotfake.WebhookStats{Events: 2, Posts: 4, Accepted: 4}, s.fakes.HubSpot.WebhookStats(),
		"two events, each POST twice")
	s.requireMovedOnce(example.SecondClientID)
	require.Equal(t, "Co-founder", s.owned(example.ContactID)[0].Title, "the later change is there too")
}

// TestWebhookMetrics scrapes the receiver's metrics after a move and a refused delivery: deliveries
// and events by result, event-started syncs, and the change-to-write latency.
func TestWebhookMetrics(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.cfg.MetricsAddress = freeAddress(t)
	s.receiveWebhooks(hubspotfake.WebhookOptions{})
	s.startWorker()
	s.placeBrian(example.FirstClientID)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	s.requireEventMove("contact.propertyChange", example.SecondClientID)
	require.Equal(t, http.StatusUnauthorized, s.postWebhook([]byte(`[]`), "not-the-app-secret", time.Now()))

	want := map[string]*regexp.Regexp{
		"accepted":   regexp.MustCompile(`(?m)^cssync_webhook_deliveries\{result="accepted"\} 1$`),
		"refused":    regexp.MustCompile(`(?m)^cssync_webhook_deliveries\{result="bad_signature"\} 1$`),
		"the event":  regexp.MustCompile(`(?m)^cssync_webhook_events\{result="contact_sync",type="contact.propertyChange"\} 1$`),
		"its sync":   regexp.MustCompile(`(?m)^cssync_webhook_syncs\{workflow="contact"\} 1$`),
		"latency":    regexp.MustCompile(`(?m)^cssync_webhook_event_to_write_latency_count\{[^}]*workflow_type="SyncContact"[^}]*\} 1$`),
		"in seconds": regexp.MustCompile(`(?m)^cssync_webhook_event_to_write_latency_bucket\{[^}]*le="\+Inf"[^}]*\} 1$`),
	}
	var body string
	eventually(t, 15*time.Second, "the webhook metrics to be exported", func() bool {
		body = get(t, "http://"+s.cfg.MetricsAddress+"/metrics")
		for _, re := range want {
			if !re.MatchString(body) {
				return false
			}
		}
		return true
	})
}
