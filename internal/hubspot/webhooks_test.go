package hubspot

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// The test vector of HubSpot's Python client (../shared/apis/hubspot-crm.md, "Webhooks").
func TestSignatureV3MatchesHubSpotsTestVector(t *testing.T) {
	got := SignatureV3("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "POST", "https://www.example.com/webhook_uri",
		[]byte("{'example_field':'example_value'}"), "15000000")
	require.Equal(t, "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=", got)
}

func TestSignatureV3CoversEveryPart(t *testing.T) {
	base := SignatureV3("s", "POST", "https://h/x", []byte("[]"), "1")
	for name, sig := range map[string]string{
		"secret":    SignatureV3("t", "POST", "https://h/x", []byte("[]"), "1"),
		"method":    SignatureV3("s", "PUT", "https://h/x", []byte("[]"), "1"),
		"url":       SignatureV3("s", "POST", "https://h/y", []byte("[]"), "1"),
		"body":      SignatureV3("s", "POST", "https://h/x", []byte("[ ]"), "1"),
		"timestamp": SignatureV3("s", "POST", "https://h/x", []byte("[]"), "2"),
	} {
		require.NotEqual(t, base, sig, name)
	}
	require.Equal(t, SignatureV3("s", "POST", "https://h/a:b", nil, "1"), SignatureV3("s", "POST", "https://h/a%3Ab", nil, "1"),
		"HubSpot decodes %3A before signing")
}

func TestWebhookEventDecodesNumbersAndStrings(t *testing.T) {
	var evs []WebhookEvent
	require.NoError(t, json.Unmarshal([]byte(`[
		{"eventId":100,"subscriptionId":7,"portalId":62515,"appId":"1","occurredAt":1700000000000,
		 "subscriptionType":"contact.merge","attemptNumber":0,"objectId":53,"primaryObjectId":"51","mergedObjectIds":[52],"newObjectId":53},
		{"subscriptionType":"contact.associationChange","associationType":"CONTACT_TO_DEAL","fromObjectId":51,"toObjectId":1002,
		 "associationRemoved":true,"occurredAt":1700000000001}]`), &evs))
	require.Equal(t, WebhookID("53"), evs[0].ObjectID)
	require.Equal(t, WebhookID("51"), evs[0].PrimaryObjectID)
	require.Equal(t, []WebhookID{"52"}, evs[0].MergedObjectIDs)
	require.Equal(t, int64(1700000000000), evs[0].Occurred().UnixMilli())
	require.Equal(t, WebhookID("1002"), evs[1].ToObjectID)
	require.True(t, evs[1].AssociationRemoved)

	out, err := json.Marshal(WebhookEvent{ObjectID: "51", PropertyName: "associated_deal_id", PropertyValue: "1002", EventID: "x1"})
	require.NoError(t, err)
	require.Contains(t, string(out), `"objectId":51`)
	require.Contains(t, string(out), `"propertyValue":"1002"`, "values stay strings")
	require.Contains(t, string(out), `"eventId":"x1"`)
}
