package hubspotfake_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
)

const hookSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"

// hookSink receives deliveries, checks their signature against signedURL and answers them with
// the next status of fail (then 204).
type hookSink struct {
	t         *testing.T
	signedURL string
	mu        sync.Mutex
	posts     [][]hubspot.WebhookEvent
	fail      []int
}

func (k *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get(hubspot.RequestTimestampHeader)
	sig := hubspot.SignatureV3(hookSecret, r.Method, k.signedURL, body, ts)
	if r.Header.Get(hubspot.SignatureV3Header) != sig {
		k.t.Errorf("bad signature for %s", body)
	}
	var events []hubspot.WebhookEvent
	if err := json.Unmarshal(body, &events); err != nil {
		k.t.Errorf("body %s: %v", body, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.posts = append(k.posts, events)
	if len(k.fail) > 0 {
		status := k.fail[0]
		k.fail = k.fail[1:]
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (k *hookSink) received() [][]hubspot.WebhookEvent {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([][]hubspot.WebhookEvent(nil), k.posts...)
}

// hooked is a seeded fake sending its webhooks to a new sink.
func hooked(t *testing.T, o hubspotfake.WebhookOptions) (*hubspotfake.Server, *hookSink) {
	t.Helper()
	s := newFake(t, hubspotfake.Options{})
	sink := &hookSink{t: t}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	o.URL, o.Secret = srv.URL+"/hubspot/webhooks?portal=1", hookSecret
	sink.signedURL = o.URL
	if o.SignedURL != "" {
		sink.signedURL = o.SignedURL
	}
	s.SendWebhooks(o)
	t.Cleanup(s.StopWebhooks)
	return s, sink
}

func settle(t *testing.T, s *hubspotfake.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.WaitWebhooks(ctx))
}

func flat(posts [][]hubspot.WebhookEvent) []hubspot.WebhookEvent {
	var out []hubspot.WebhookEvent
	for _, p := range posts {
		out = append(out, p...)
	}
	return out
}

func TestWebhooksFollowEveryKindOfChange(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{SignedURL: "https://hooks.example.com/hubspot/webhooks?portal=1"})
	s.Put("contacts", "512", map[string]string{"firstname": "Brian"}) // unchanged: no event
	s.Put("contacts", "512", map[string]string{"sync_cs": "false"})
	s.Put("contacts", "600", map[string]string{"email": "new@example.com"})
	a := call(t, s, "PATCH", datedContacts+"/513", `{"properties":{"score":"11"}}`)
	require.Equal(t, 200, a.code, a.raw)
	s.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "513", ToType: "deals", ToID: "900"})
	s.Dissociate(hubspotfake.Assoc{FromType: "contacts", FromID: "512", ToType: "deals", ToID: "900"})
	s.Dissociate(hubspotfake.Assoc{FromType: "contacts", FromID: "512", ToType: "deals", ToID: "900"}) // gone already: no event
	s.Delete("contacts", "1000")
	s.Restore("contacts", "1000")
	survivor := s.Merge("513", "99")
	settle(t, s)

	type seen struct{ kind, object, property, value, source string }
	var got []seen
	events := flat(sink.received())
	// POSTs may overtake each other; event ids say the order of the changes.
	slices.SortFunc(events, func(a, b hubspot.WebhookEvent) int { return strings.Compare(string(a.EventID), string(b.EventID)) })
	for _, e := range events {
		require.NotZero(t, e.OccurredAt)
		require.NotEmpty(t, e.EventID)
		require.Equal(t, hubspot.WebhookID("62515"), e.PortalID)
		object := string(e.ObjectID)
		if e.AssociationType != "" {
			object = string(e.FromObjectID) + ">" + string(e.ToObjectID) + map[bool]string{true: " removed"}[e.AssociationRemoved]
			require.Contains(t, []string{"CONTACT_TO_DEAL", "DEAL_TO_CONTACT"}, e.AssociationType)
		}
		got = append(got, seen{e.SubscriptionType, object, e.PropertyName, e.PropertyValue, e.ChangeSource})
		if e.SubscriptionType == "contact.merge" {
			require.Equal(t, hubspot.WebhookID(survivor), e.NewObjectID)
			require.Equal(t, hubspot.WebhookID("513"), e.PrimaryObjectID)
			require.Equal(t, []hubspot.WebhookID{"99"}, e.MergedObjectIDs)
		}
	}
	require.Equal(t, []seen{
		{"contact.propertyChange", "512", "sync_cs", "false", "CRM_UI"},
		{"contact.creation", "600", "", "", "CRM_UI"},
		{"contact.propertyChange", "513", "score", "11", "INTEGRATION"},
		{"contact.associationChange", "513>900", "", "", "CRM_UI"},
		{"deal.associationChange", "900>513", "", "", "CRM_UI"},
		{"contact.associationChange", "512>900 removed", "", "", "CRM_UI"},
		{"deal.associationChange", "900>512 removed", "", "", "CRM_UI"},
		{"contact.deletion", "1000", "", "", "CRM_UI"},
		{"contact.restore", "1000", "", "", "CRM_UI"},
		{"contact.merge", survivor, "", "", "CRM_UI"},
	}, got)
}

func TestWebhooksComeInSignedBatchesOfAtMostAHundred(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{Gather: 200 * time.Millisecond})
	for i := range 250 {
		s.Put("contacts", "512", map[string]string{"score": string(rune('0'+i%10)) + "x"})
	}
	settle(t, s)
	posts := sink.received()
	require.Len(t, flat(posts), 250, "each Put changes the value")
	for _, p := range posts {
		require.LessOrEqual(t, len(p), 100)
	}
	require.Len(t, posts, 3)
	st := s.WebhookStats()
	require.Equal(t, hubspotfake.WebhookStats{Events: 250, Posts: 3, Accepted: 3}, st)
}

func TestWebhooksAreRetriedUntilAnswered2xx(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{RetryAfter: time.Millisecond})
	sink.fail = []int{503, 500}
	s.Put("contacts", "512", map[string]string{"sync_cs": "false"})
	settle(t, s)
	posts := sink.received()
	require.Len(t, posts, 3)
	for i, p := range posts {
		require.Equal(t, i, p[0].AttemptNumber)
		require.Equal(t, posts[0][0].EventID, p[0].EventID, "the same event, again")
	}
	require.Equal(t, hubspotfake.WebhookStats{Events: 1, Posts: 3, Accepted: 1, Refused: 2, RefusedBy: map[int]int{503: 1, 500: 1}},
		s.WebhookStats())
}

func TestWebhooksGiveUpAfterMaxAttempts(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{RetryAfter: time.Millisecond, MaxAttempts: 2})
	sink.fail = []int{500, 500, 500}
	s.Put("contacts", "512", map[string]string{"sync_cs": "false"})
	settle(t, s)
	require.Len(t, sink.received(), 2)
	require.Equal(t, 1, s.WebhookStats().Dropped)
}

func TestWebhooksDuplicatedAndReordered(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{Duplicate: true, Reorder: true, Gather: 100 * time.Millisecond})
	s.Put("contacts", "512", map[string]string{"sync_cs": "false"})
	s.Put("contacts", "512", map[string]string{"score": "12"})
	settle(t, s)
	posts := sink.received()
	require.Len(t, posts, 2, "one POST, sent twice")
	require.Equal(t, posts[0], posts[1])
	require.Equal(t, []string{"score", "sync_cs"}, []string{posts[0][0].PropertyName, posts[0][1].PropertyName}, "last change first")
}

func TestWebhooksDelayed(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{Delay: 150 * time.Millisecond})
	start := time.Now()
	s.Put("contacts", "512", map[string]string{"sync_cs": "false"})
	settle(t, s)
	require.Len(t, sink.received(), 1)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
}

func TestWebhooksOnlyForSubscriptions(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{
		Types:      []string{"contact.propertyChange", "contact.deletion"},
		Properties: map[string][]string{"contacts": {"sync_cs"}},
	})
	s.Put("contacts", "512", map[string]string{"score": "1", "sync_cs": "false"})
	s.Put("deals", "900", map[string]string{"dealname": "Other"})
	s.Put("contacts", "601", map[string]string{"email": "x@y.z"})
	s.Delete("contacts", "513")
	settle(t, s)
	var kinds []string
	for _, e := range flat(sink.received()) {
		kinds = append(kinds, e.SubscriptionType+" "+e.PropertyName)
	}
	require.Equal(t, []string{"contact.propertyChange sync_cs", "contact.deletion "}, kinds)
}

func TestNoWebhooksWithoutATargetNorForSeeds(t *testing.T) {
	s, sink := hooked(t, hubspotfake.WebhookOptions{})
	s.Seed(hubspotfake.Fixture{Contacts: []hubspotfake.Record{{ID: "700", Properties: map[string]string{"email": "s@e.com"}}}})
	s.SendWebhooks(hubspotfake.WebhookOptions{})
	s.Put("contacts", "512", map[string]string{"sync_cs": "false"})
	settle(t, s)
	require.Empty(t, sink.received())
}
