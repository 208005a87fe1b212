package webhook

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cssync/cssync/internal/hubspot"
)

// MaxAge is how far a delivery's timestamp may be from the receiver's clock, either way: HubSpot
// says to refuse older ones, and a far-future one could be replayed for longer.
const MaxAge = 5 * time.Minute

// Verifier checks that a delivery comes from HubSpot: signed (v3) with the app's secret over the
// URL HubSpot called, recently.
type Verifier struct {
	Secret string
	// URL is the public URL HubSpot posts to (HUBSPOT_WEBHOOK_URL), which the signature covers.
	URL string
	Now func() time.Time
}

// refusal is why a delivery is refused: the status it is answered with and the metric's result.
type refusal struct {
	status int
	result string
	reason string // for the log: never the secret, a signature or the body
}

func (r *refusal) Error() string { return r.reason }

// checkTimestamp refuses a delivery whose X-HubSpot-Request-Timestamp is missing or more than
// MaxAge away, before its body is read.
func (v Verifier) checkTimestamp(h http.Header) *refusal {
	raw := h.Get(hubspot.RequestTimestampHeader)
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return &refusal{http.StatusUnauthorized, resultBadTimestamp, "no readable " + hubspot.RequestTimestampHeader}
	}
	age := v.Now().Sub(time.UnixMilli(ms))
	if age > MaxAge || age < -MaxAge {
		return &refusal{http.StatusUnauthorized, resultBadTimestamp,
			fmt.Sprintf("timestamp %s away from now (more than %s)", age.Round(time.Second), MaxAge)}
	}
	return nil
}

// checkSignature compares X-HubSpot-Signature-v3 with the signature of this delivery, in
// constant time.
func (v Verifier) checkSignature(method string, h http.Header, body []byte) *refusal {
	want := hubspot.SignatureV3(v.Secret, method, v.URL, body, h.Get(hubspot.RequestTimestampHeader))
	if !hmac.Equal([]byte(h.Get(hubspot.SignatureV3Header)), []byte(want)) {
		return &refusal{http.StatusUnauthorized, resultBadSignature,
			"the " + hubspot.SignatureV3Header + " signature does not match (wrong HUBSPOT_APP_SECRET or HUBSPOT_WEBHOOK_URL?)"}
	}
	return nil
}
