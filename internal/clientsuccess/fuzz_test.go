package clientsuccess

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

const (
	fuzzPassword = "fuzz-cs-password"
	fuzzToken    = "fuzz-access-token-123"
)

// fuzzTransport logs in with a fixed token and answers every other request with one status,
// Retry-After and body, without a network.
type fuzzTransport struct {
	status     int
	retryAfter string
	body       []byte
}

func (f fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	if strings.HasSuffix(r.URL.Path, "/auth") {
		body := `{"access_token":"` + fuzzToken + `","token_type":"Bearer","expires_in":43200}`
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
	if f.retryAfter != "" {
		h.Set("Retry-After", f.retryAfter)
	}
	return &http.Response{StatusCode: f.status, Header: h, Body: io.NopCloser(bytes.NewReader(f.body)), Request: r}, nil
}

// FuzzDecodeResponses feeds arbitrary answers to the calls the sync makes. Whatever the answer,
// the client returns a value or an *apierr.Error, never a password or token in its text, and
// never a nil record without an error.
func FuzzDecodeResponses(f *testing.F) {
	f.Add(200, "", `{"id":9001,"name":"Fake First Test","externalId":"1001","active":true}`)
	f.Add(200, "", `[{"id":700001,"clientId":9001,"email":"bh@hubspot.com","externalId":"51"}]`)
	f.Add(200, "", `null`)
	f.Add(200, "", ``)
	f.Add(200, "", `[{"id":1,`)
	f.Add(200, "", `<html><body>Welcome</body></html>`)
	f.Add(503, "", `<!DOCTYPE html><html><body><h1>We'll be right back</h1></body></html>`)
	f.Add(429, "1e300", `{"userMessage":"Too many requests"}`)
	f.Add(401, "", `{"error":"invalid_token","error_description":"`+fuzzToken+`"}`)
	f.Add(400, "", `{"userMessage":"bad `+fuzzPassword+`"}`)
	f.Add(404, "", `{"userMessage":"Client not found"}`)
	f.Fuzz(func(t *testing.T, status int, retryAfter, body string) {
		if status < 100 || status > 599 {
			return
		}
		a := New(Config{BaseURL: "http://cs.invalid/v1", Username: "u", Password: fuzzPassword,
			HTTPClient: &http.Client{Transport: fuzzTransport{status: status, retryAfter: retryAfter, body: []byte(body)}}})
		ctx := context.Background()
		check := func(isNil bool, err error) {
			if err == nil {
				if isNil {
					t.Fatal("nil record without an error")
				}
				return
			}
			var e *apierr.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *apierr.Error: %T %v", err, err)
			}
			if s := err.Error() + strings.Join(e.Details, " "); strings.Contains(s, fuzzToken) || strings.Contains(s, fuzzPassword) {
				t.Fatalf("secret in error: %v", err)
			}
			if e.RetryAfter < 0 || e.RetryAfter > apierr.MaxRetryAfter {
				t.Fatalf("RetryAfter %v out of range", e.RetryAfter)
			}
		}
		c, err := a.GetClientByExternalID(ctx, "1001")
		check(c == nil, err)
		ct, err := a.GetContact(ctx, 9001, 700001)
		check(ct == nil, err)
		list, err := a.ListContacts(ctx, 9001)
		check(false, err)
		if err == nil && strings.TrimSpace(body) == "null" {
			t.Fatalf("null list accepted as %v", list)
		}
		_, err = a.SearchContacts(ctx, "bh@hubspot.com")
		check(false, err)
		created, err := a.CreateContact(ctx, 9001, Contact{Email: "bh@hubspot.com", ExternalID: "51"})
		check(created == nil, err)
	})
}

// FuzzRetryAfter: any Retry-After header gives a wait between 0 and apierr.MaxRetryAfter.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "10", "0.5", "-3", "1e300", "NaN", "+Inf", "Wed, 21 Oct 2099 07:28:00 GMT", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := apierr.RetryAfterHeader(v); d < 0 || d > apierr.MaxRetryAfter {
			t.Fatalf("Retry-After %q gave %v", v, d)
		}
	})
}
