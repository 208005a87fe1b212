package hubspot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cssync/cssync/internal/apierr"
)

const fuzzToken = "pat-na1-fuzz-0000-token"

// bodyTransport answers every request with one status, header and body, without a network.
type bodyTransport struct {
	status int
	header http.Header
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: b.header, Body: io.NopCloser(bytes.NewReader(b.body)), Request: r}, nil
}

// FuzzDecodeResponses feeds arbitrary answers to the calls the sync makes. Whatever the answer,
// the client returns a record or an *apierr.Error whose kind matches the status, and never the token.
func FuzzDecodeResponses(f *testing.F) {
	f.Add(200, "", `{"id":"51","properties":{"email":"bh@hubspot.com","associated_deal_id":"1001"}}`)
	f.Add(200, "", `{"id":51,"properties":{"n":12,"b":true,"x":null}}`)
	f.Add(200, "", `null`)
	f.Add(200, "", `{"results":[{"id":"1"}],"paging":{"next":{"after":"2"}}}`)
	f.Add(200, "", `{"id":"51","properties":{"email":"bh@hub`)
	f.Add(503, "", "<html><body>maintenance</body></html>")
	f.Add(429, "10", `{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"SECONDLY"}`)
	f.Add(429, "Wed, 21 Oct 2015 07:28:00 GMT", `{"policyName":"DAILY"}`)
	f.Add(401, "", `{"status":"error","message":"bad token `+fuzzToken+`","category":"EXPIRED_AUTHENTICATION"}`)
	f.Add(400, "", `{"status":"error","message":"x","errors":[{"message":"m","context":{"propertyName":["a"]}}]}`)
	f.Add(207, "", `{"status":"COMPLETE","results":[],"numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND"}]}`)
	f.Fuzz(func(t *testing.T, status int, retryAfter, body string) {
		if status < 100 || status > 599 {
			return
		}
		h := http.Header{"Content-Type": {"application/json"}}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		c := New(Config{BaseURL: "http://hubspot.invalid", Token: fuzzToken,
			HTTPClient: &http.Client{Transport: bodyTransport{status: status, header: h, body: []byte(body)}}})
		ctx := context.Background()
		check := func(err error) {
			if err == nil {
				if status < 200 || status > 299 {
					t.Fatalf("HTTP %d accepted", status)
				}
				return
			}
			var e *apierr.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *apierr.Error: %T %v", err, err)
			}
			if e.System != System {
				t.Fatalf("system %q", e.System)
			}
			if strings.Contains(err.Error(), fuzzToken) || strings.Contains(strings.Join(e.Details, " "), fuzzToken) {
				t.Fatalf("token in error: %v", err)
			}
			if e.RetryAfter < 0 || e.RetryAfter > apierr.MaxRetryAfter {
				t.Fatalf("RetryAfter %v out of range", e.RetryAfter)
			}
			if want := apierr.KindForStatus(status); want != "" && e.Kind != want && e.Kind != apierr.NotFound && status != 207 {
				t.Fatalf("HTTP %d gave kind %s, want %s", status, e.Kind, want)
			}
		}
		o, err := c.GetObject(ctx, "contacts", "51", []string{"email"})
		check(err)
		if err == nil && o.ID == "" {
			t.Fatal("a record without an id")
		}
		_, _, err = c.SearchAfterID(ctx, "contacts", nil, nil, "", 10)
		check(err)
		_, _, err = c.BatchReadObjects(ctx, "contacts", []string{"1", "2"}, nil)
		check(err)
	})
}

// FuzzRetryAfter: any Retry-After header gives a wait between 0 and apierr.MaxRetryAfter.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "10", "0.5", "-3", "1e300", "NaN", "Inf", "Wed, 21 Oct 2099 07:28:00 GMT", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := apierr.RetryAfterHeader(v); d < 0 || d > apierr.MaxRetryAfter {
			t.Fatalf("Retry-After %q gave %v", v, d)
		}
	})
}
