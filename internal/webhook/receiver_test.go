package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uber-go/tally/v4"

	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/workflows"
)

const (
	secret    = "app-secret-0000"
	publicURL = "https://hooks.example.com/hubspot?portal=62515"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// starts records what the receiver handed over; fail makes the next calls fail.
type starts struct {
	mu       sync.Mutex
	contacts map[string][]workflows.HubSpotChange
	clients  int
	checkbox int
	fail     error
	failFor  string // the one contact whose sync fails, when set
}

func (s *starts) SyncContact(_ context.Context, id string, c workflows.HubSpotChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if id == s.failFor {
		return errors.New("temporal refused " + id)
	}
	if s.contacts == nil {
		s.contacts = map[string][]workflows.HubSpotChange{}
	}
	s.contacts[id] = append(s.contacts[id], c)
	return nil
}

func (s *starts) SyncClients(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients++
	return s.fail
}

func (s *starts) MaintainCheckbox(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkbox++
	return s.fail
}

func (s *starts) none() bool { return len(s.contacts) == 0 && s.clients == 0 && s.checkbox == 0 }

type fixture struct {
	t       *testing.T
	rc      *Receiver
	started *starts
	scope   tally.TestScope
	logs    *bytes.Buffer
}

func newFixture(t *testing.T, r Rules) *fixture {
	f := &fixture{t: t, started: &starts{}, scope: tally.NewTestScope("", nil), logs: &bytes.Buffer{}}
	f.rc = New(Verifier{Secret: secret, URL: publicURL, Now: func() time.Time { return now }}, r, f.started, f.scope,
		slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return f
}

// post sends body signed with secret over url at ts, as HubSpot would, and returns the status.
func (f *fixture) post(body []byte, signer string, url string, ts time.Time) int {
	stamp := strconv.FormatInt(ts.UnixMilli(), 10)
	req := httptest.NewRequest(http.MethodPost, "http://10.0.0.5:8090/hubspot?portal=62515", bytes.NewReader(body))
	req.Header.Set(hubspot.RequestTimestampHeader, stamp)
	req.Header.Set(hubspot.SignatureV3Header, hubspot.SignatureV3(signer, http.MethodPost, url, body, stamp))
	rec := httptest.NewRecorder()
	f.rc.ServeHTTP(rec, req)
	return rec.Code
}

func (f *fixture) deliver(events ...hubspot.WebhookEvent) int {
	body, err := json.Marshal(events)
	require.NoError(f.t, err)
	return f.post(body, secret, publicURL, now)
}

// counted is the value of a counter of the receiver's metrics with these tags.
func (f *fixture) counted(name string, tags map[string]string) int64 {
	for _, c := range f.scope.Snapshot().Counters() {
		if c.Name() == "cssync.webhook."+name && equalTags(c.Tags(), tags) {
			return c.Value()
		}
	}
	return 0
}

func equalTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func dealIDChange(id string, at time.Time, value string) hubspot.WebhookEvent {
	return hubspot.WebhookEvent{EventID: "1", SubscriptionType: "contact.propertyChange", ObjectID: hubspot.WebhookID(id),
		PropertyName: "associated_deal_id", PropertyValue: value, OccurredAt: at.UnixMilli()}
}

func TestTheSignatureTestVectorVerifies(t *testing.T) {
	v := Verifier{Secret: "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", URL: "https://www.example.com/webhook_uri"}
	h := http.Header{}
	h.Set(hubspot.RequestTimestampHeader, "15000000")
	h.Set(hubspot.SignatureV3Header, "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=")
	require.Nil(t, v.checkSignature("POST", h, []byte("{'example_field':'example_value'}")))
	require.NotNil(t, v.checkSignature("POST", h, []byte("{'example_field':'other_value'}")))
}

func TestAChangeStartsItsContactsSync(t *testing.T) {
	f := newFixture(t, rules)
	at := now.Add(-time.Second)
	require.Equal(t, http.StatusNoContent, f.deliver(dealIDChange("51", at, "1002")))
	require.Equal(t, map[string][]workflows.HubSpotChange{"51": {{OccurredAt: at, Event: "contact.propertyChange"}}}, f.started.contacts)
	require.EqualValues(t, 1, f.counted("events", map[string]string{"type": "contact.propertyChange", "result": resultContact}))
	require.EqualValues(t, 1, f.counted("deliveries", map[string]string{"result": resultAccepted}))
	require.EqualValues(t, 1, f.counted("syncs", map[string]string{"workflow": "contact"}))
}

func TestRefusedDeliveriesStartNothing(t *testing.T) {
	body, _ := json.Marshal([]hubspot.WebhookEvent{dealIDChange("51", now, "1002")})
	for _, tc := range []struct {
		name   string
		status int
		result string
		send   func(f *fixture) int
	}{
		{"signed with another secret", 401, resultBadSignature, func(f *fixture) int { return f.post(body, "other", publicURL, now) }},
		{"signed for another URL", 401, resultBadSignature, func(f *fixture) int {
			return f.post(body, secret, "http://10.0.0.5:8090/hubspot?portal=62515", now)
		}},
		{"six minutes old", 401, resultBadTimestamp, func(f *fixture) int { return f.post(body, secret, publicURL, now.Add(-6*time.Minute)) }},
		{"six minutes ahead", 401, resultBadTimestamp, func(f *fixture) int { return f.post(body, secret, publicURL, now.Add(6*time.Minute)) }},
		{"over a MiB", 413, resultTooLarge, func(f *fixture) int {
			big := append([]byte(`[{"subscriptionType":"contact.creation","objectId":51,"propertyValue":"`),
				bytes.Repeat([]byte("x"), MaxBodyBytes)...)
			return f.post(append(big, `"}]`...), secret, publicURL, now)
		}},
		{"signed, but not events", 400, resultBadBody, func(f *fixture) int {
			return f.post([]byte(`{"not":"a list"}`), secret, publicURL, now)
		}},
		{"no timestamp", 401, resultBadTimestamp, func(f *fixture) int {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			rec := httptest.NewRecorder()
			f.rc.ServeHTTP(rec, req)
			return rec.Code
		}},
		{"a GET", 405, resultNotPost, func(f *fixture) int {
			rec := httptest.NewRecorder()
			f.rc.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			return rec.Code
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, rules)
			require.Equal(t, tc.status, tc.send(f))
			require.True(t, f.started.none(), "%+v", f.started)
			require.EqualValues(t, 1, f.counted("deliveries", map[string]string{"result": tc.result}))
			require.NotContains(t, f.logs.String(), secret)
		})
	}
}

func TestRepeatsAreHandedOverOnce(t *testing.T) {
	f := newFixture(t, rules)
	e := dealIDChange("51", now, "1002")
	again := e
	again.EventID, again.AttemptNumber = "2", 1
	require.Equal(t, http.StatusNoContent, f.deliver(e, again))
	require.Equal(t, http.StatusNoContent, f.deliver(again), "HubSpot retried a delivery whose answer it lost")
	require.Len(t, f.started.contacts["51"], 1)
	require.EqualValues(t, 2, f.counted("events", map[string]string{"type": "contact.propertyChange", "result": resultDuplicate}))

	later := dealIDChange("51", now.Add(time.Second), "1001")
	require.Equal(t, http.StatusNoContent, f.deliver(later), "a new change is not a repeat")
	require.Len(t, f.started.contacts["51"], 2)
}

func TestAFailedHandOverIsRetriedNotForgotten(t *testing.T) {
	f := newFixture(t, rules)
	f.started.fail = errors.New("temporal unavailable")
	e := dealIDChange("51", now, "1002")
	require.Equal(t, http.StatusServiceUnavailable, f.deliver(e))
	require.EqualValues(t, 1, f.counted("events", map[string]string{"type": "contact.propertyChange", "result": resultFailed}))
	f.started.fail = nil
	require.Equal(t, http.StatusNoContent, f.deliver(e), "the retry is not taken for a repeat")
	require.Len(t, f.started.contacts["51"], 1)
}

// A delivery handed over in part is answered 503; HubSpot's retry starts only what was left.
func TestARetryStartsOnlyWhatWasLeft(t *testing.T) {
	f := newFixture(t, rules)
	f.started.failFor = "52"
	events := []hubspot.WebhookEvent{dealIDChange("51", now, "1002"), dealIDChange("52", now, "1002"),
		dealProp("deal.propertyChange", "sync_deal")}
	require.Equal(t, http.StatusServiceUnavailable, f.deliver(events...))
	require.EqualValues(t, 1, f.counted("events", map[string]string{"type": "contact.propertyChange", "result": resultFailed}))
	f.started.failFor = ""
	require.Equal(t, http.StatusNoContent, f.deliver(events...))
	require.Len(t, f.started.contacts["51"], 1, "handed over the first time")
	require.Len(t, f.started.contacts["52"], 1, "handed over on the retry")
	require.Equal(t, 1, f.started.clients)
}

func TestADeliveryIsOneChangePerContact(t *testing.T) {
	f := newFixture(t, rules)
	merge := hubspot.WebhookEvent{SubscriptionType: "contact.merge", ObjectID: "53", PrimaryObjectID: "52",
		MergedObjectIDs: []hubspot.WebhookID{"51"}, OccurredAt: now.Add(-3 * time.Second).UnixMilli()}
	require.Equal(t, http.StatusNoContent, f.deliver(
		dealIDChange("53", now.Add(-time.Second), "1002"), merge, dealIDChange("53", now.Add(-2*time.Second), "1001"),
		dealIDChange("60", now, "1002"), prop("61", "hs_lead_status"), kind("ticket.creation", "5"),
		dealProp("deal.propertyChange", "sync_deal"), dealProp("deal.propertyChange", "sync_deal")))
	require.Equal(t, map[string][]workflows.HubSpotChange{
		"53": {{OccurredAt: now.Add(-time.Second), Event: "contact.propertyChange", MergedIDs: []string{"52", "51"}}},
		"60": {{OccurredAt: now, Event: "contact.propertyChange"}},
	}, f.started.contacts)
	require.Equal(t, 1, f.started.clients, "the client sync once per delivery")
	require.Zero(t, f.started.checkbox, "the maintainer only when asked")
	require.EqualValues(t, 1, f.counted("events", map[string]string{"type": "ticket.creation", "result": resultUnknown}))
	require.EqualValues(t, 1, f.counted("events", map[string]string{"type": "contact.propertyChange", "result": resultIgnored}))
	require.NotContains(t, f.logs.String(), "1002", "no property value in the logs")
}

func TestAnEventWithoutATimeCountsAsNew(t *testing.T) {
	f := newFixture(t, rules)
	require.Equal(t, http.StatusNoContent, f.deliver(kind("contact.creation", "51")))
	require.Equal(t, now, f.started.contacts["51"][0].OccurredAt)
}

func TestTypeLabelsStayFew(t *testing.T) {
	require.Equal(t, "contact.propertyChange", typeLabel("contact.propertyChange"))
	require.Equal(t, "other", typeLabel(strings.Repeat("a", 50)+".b"))
	require.Equal(t, "other", typeLabel(`contact.x"} 1`))
}

func TestRecentForgetsExpiredAndOldest(t *testing.T) {
	r := newRecent(time.Minute, 2)
	k := func(b byte) eventKey { return eventKey{b} }
	r.add([]eventKey{k(1), k(2)}, now)
	require.True(t, r.has(k(1), now.Add(30*time.Second)))
	require.False(t, r.has(k(1), now.Add(time.Minute)), "expired")
	r.add([]eventKey{k(3)}, now)
	require.False(t, r.has(k(1), now), "the oldest beyond the limit")
	require.True(t, r.has(k(3), now))
	r.add(nil, now.Add(2*time.Minute))
	require.Empty(t, r.seen)
}
