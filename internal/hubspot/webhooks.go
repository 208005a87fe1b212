package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Webhook deliveries: HubSpot POSTs a JSON array of at most 100 events to an app's target URL,
// signed with the app's secret (v3 signature). The receiver (internal/webhook) and the fake
// (hubspotfake) share these shapes and the signature, so neither can drift from the other.

// The headers of a signed delivery.
const (
	SignatureV3Header      = "X-HubSpot-Signature-v3"
	RequestTimestampHeader = "X-HubSpot-Request-Timestamp" // epoch milliseconds
)

// MaxWebhookEvents is the most events HubSpot puts in one delivery.
const MaxWebhookEvents = 100

// WebhookEvent is one event of a delivery. Which fields are set depends on SubscriptionType:
// propertyChange sets PropertyName and PropertyValue; merge sets PrimaryObjectID,
// MergedObjectIDs and NewObjectID; associationChange sets the association fields instead of
// ObjectID. EventID is not unique.
type WebhookEvent struct {
	EventID          WebhookID `json:"eventId"`
	SubscriptionID   WebhookID `json:"subscriptionId"`
	PortalID         WebhookID `json:"portalId"`
	AppID            WebhookID `json:"appId"`
	OccurredAt       int64     `json:"occurredAt"` // epoch milliseconds
	SubscriptionType string    `json:"subscriptionType"`
	AttemptNumber    int       `json:"attemptNumber"`
	ObjectID         WebhookID `json:"objectId,omitempty"`
	PropertyName     string    `json:"propertyName,omitempty"`
	PropertyValue    string    `json:"propertyValue,omitempty"`
	ChangeSource     string    `json:"changeSource,omitempty"`

	PrimaryObjectID WebhookID   `json:"primaryObjectId,omitempty"`
	MergedObjectIDs []WebhookID `json:"mergedObjectIds,omitempty"`
	NewObjectID     WebhookID   `json:"newObjectId,omitempty"`

	AssociationType      string    `json:"associationType,omitempty"` // e.g. CONTACT_TO_DEAL
	FromObjectID         WebhookID `json:"fromObjectId,omitempty"`
	ToObjectID           WebhookID `json:"toObjectId,omitempty"`
	AssociationRemoved   bool      `json:"associationRemoved,omitempty"`
	IsPrimaryAssociation bool      `json:"isPrimaryAssociation,omitempty"`
}

// Occurred is OccurredAt as a time; zero when HubSpot did not say.
func (e WebhookEvent) Occurred() time.Time {
	if e.OccurredAt <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.OccurredAt).UTC()
}

// WebhookID is an id in a webhook event: HubSpot sends JSON numbers, but a string decodes too.
// It encodes as a number when it is one.
type WebhookID string

// UnmarshalJSON reads a number or a string (null is empty).
func (id *WebhookID) UnmarshalJSON(b []byte) error {
	var f flexString
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	*id = WebhookID(f)
	return nil
}

// MarshalJSON writes digits as a JSON number, anything else as a string.
func (id WebhookID) MarshalJSON() ([]byte, error) {
	s := string(id)
	if s != "" && strings.Trim(s, "0123456789") == "" && (len(s) == 1 || s[0] != '0') {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

// SignatureV3 is HubSpot's v3 request signature: Base64(HMAC-SHA256(secret, method + uri + body
// + timestamp)), uri being the full URL HubSpot called, as SignedURI writes it.
func SignatureV3(secret, method, uri string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method))
	mac.Write([]byte(SignedURI(uri)))
	mac.Write(body)
	mac.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// uriDecodes are the escapes HubSpot decodes in the URL before signing it (its v3 documentation).
var uriDecodes = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$", "%27", "'",
	"%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)

// SignedURI is the URL as the v3 signature covers it: with HubSpot's listed escapes decoded.
func SignedURI(uri string) string { return uriDecodes.Replace(uri) }
