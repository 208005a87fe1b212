package apierr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKindForStatus(t *testing.T) {
	for status, want := range map[int]Kind{
		200: "", 301: Redirect, 307: Redirect, 400: Validation, 401: Auth, 403: Auth, 404: NotFound, 409: Validation, 417: Validation,
		423: Server, 429: RateLimited, 500: Server, 503: Server,
	} {
		assert.Equal(t, want, KindForStatus(status), "status %d", status)
	}
}

func TestRetryable(t *testing.T) {
	assert.True(t, (&Error{Kind: Server}).Retryable())
	assert.True(t, (&Error{Kind: RateLimited, Policy: "TEN_SECONDLY_ROLLING"}).Retryable())
	assert.False(t, (&Error{Kind: RateLimited, Policy: "DAILY"}).Retryable(), "a daily limit is not worth retrying within a run")
	for _, k := range []Kind{NotFound, Validation, Auth, Decode, Redirect} {
		assert.False(t, (&Error{Kind: k}).Retryable(), k)
	}
}

func TestKindOfLooksThroughWrapping(t *testing.T) {
	err := fmt.Errorf("reading contact: %w", &Error{System: "HubSpot", Kind: NotFound, StatusCode: 404, Method: "GET", Path: "/crm/v3/objects/contacts/9"})
	assert.True(t, Is(err, NotFound))
	assert.Equal(t, Kind(""), KindOf(errors.New("plain")))
	assert.Equal(t, "HubSpot GET /crm/v3/objects/contacts/9: not_found (HTTP 404)", errors.Unwrap(err).Error())
}

func TestRetryAfterHeader(t *testing.T) {
	assert.Equal(t, 2*time.Second, RetryAfterHeader(" 2 "))
	assert.Equal(t, time.Duration(0), RetryAfterHeader(""))
	assert.Equal(t, time.Duration(0), RetryAfterHeader("-3"))
	assert.Equal(t, time.Duration(0), RetryAfterHeader("soon"))
	future := time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
	assert.InDelta(t, float64(time.Minute), float64(RetryAfterHeader(future)), float64(2*time.Second))
}

func TestSnippetReadsMaintenancePages(t *testing.T) {
	page := "<html><head><style>body{}</style><script>x()</script></head><body><h1>Down for maintenance</h1>\n<p>Back &amp; better soon</p></body></html>"
	assert.Equal(t, "Down for maintenance Back & better soon", Snippet([]byte(page)))
	long := Snippet([]byte(strings.Repeat("é", 5000)))
	assert.Equal(t, 200, len([]rune(long)))
	assert.True(t, strings.HasSuffix(long, "..."))
	assert.Equal(t, "", Snippet([]byte{0xff, 0xfe}), "invalid UTF-8 is dropped")
}
