package httpcore_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/httpcore"
	"github.com/cssync/cssync/internal/httpcore/httpcoretest"
)

const secret = "pat-na1-0123456789abcdef0123456789abcdef0123" // 44 characters, like a real token

func get(path string) httpcore.Request {
	return httpcore.Request{
		Method: http.MethodGet, Path: path,
		Query:   url.Values{"term": {"brian@hubspot.com"}},
		Header:  http.Header{"Authorization": {"Bearer " + secret}},
		Secrets: httpcore.Secrets{secret},
	}
}

// leaksPart reports whether text holds any 6 consecutive characters of the secret.
func leaksPart(text string) bool {
	for i := 0; i+6 <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+6]) {
			return true
		}
	}
	return false
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	httpcoretest.CheckRedirects(t, httpcoretest.Options{
		Redirected: func(*http.Request) bool { return true },
		Secrets:    []string{secret},
	}, func(ctx context.Context, baseURL string, hc *http.Client) error {
		_, err := httpcore.New(httpcore.Config{System: "Test", BaseURL: baseURL, HTTPClient: hc}).Do(ctx, get("/x"))
		return err
	})
}

// A 401 page that echoes the token where the 200-character snippet is cut: scrubbing after the
// cut would leave most of the token behind.
func TestSecretsAreScrubbedBeforeTheClip(t *testing.T) {
	for name, body := range map[string]string{
		"text": strings.Repeat("x", 180) + " " + secret + " trailing words",
		"html": "<html><body><p>" + strings.Repeat("y", 170) + "</p><p>token " + secret + "</p></body></html>",
		// The token straddles the 64 KiB that Text reads; the tags before it leave no text.
		"at the 64 KiB cut": "<p>" + strings.Repeat("<b></b>", (64<<10-20-3)/7) + secret + "</p>",
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			c := httpcore.New(httpcore.Config{System: "Test", BaseURL: srv.URL})
			req := get("/x")
			resp, err := c.Do(context.Background(), req)
			require.NoError(t, err)
			require.NotContains(t, string(resp.Body), secret, "the body handed to the client is scrubbed")
			e := c.Error(req, resp)
			assert.Equal(t, apierr.Auth, e.Kind)
			assert.False(t, leaksPart(e.Error()), "part of the token leaked: %s", e.Error())
		})
	}
	// The order matters: clipping first leaves a piece of the token that scrubbing cannot find.
	body := strings.Repeat("x", 180) + " " + secret
	assert.True(t, leaksPart(httpcore.Secrets{secret}.Scrub(apierr.Snippet([]byte(body)))), "clip then scrub leaks")
	assert.False(t, leaksPart(httpcore.Secrets{secret}.Snippet([]byte(body))), "scrub then clip does not")
}

// A password with characters JSON escapes is echoed escaped; it is scrubbed in both forms.
func TestEscapedSecretsAreScrubbed(t *testing.T) {
	password := `pa"ss<word>&`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"bad password pa\"ss\u003cword\u003e\u0026"}`))
	}))
	defer srv.Close()
	c := httpcore.New(httpcore.Config{System: "Test", BaseURL: srv.URL})
	req := httpcore.Request{Method: http.MethodPost, Path: "/auth", Secrets: httpcore.Secrets{password}}
	resp, err := c.Do(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, `{"message":"bad password [REDACTED]"}`, string(resp.Body))
	assert.Equal(t, "bad password [REDACTED]", req.Secrets.Clean(`bad password `+password, 1000))
}

// A call that gets no answer names the path, never the query (a search term is an email).
func TestNetworkErrorsCarryThePathOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String() + "/v1"
	require.NoError(t, ln.Close())

	c := httpcore.New(httpcore.Config{System: "Test", BaseURL: closed})
	_, err = c.Do(context.Background(), get("/contacts/search"))
	var netErr *httpcore.NetError
	require.ErrorAs(t, err, &netErr)
	assert.True(t, strings.HasPrefix(err.Error(), "Test GET /v1/contacts/search: "), err.Error())
	assert.NotContains(t, err.Error(), "term")
	assert.NotContains(t, err.Error(), "brian")
	var ue *url.Error
	require.ErrorAs(t, err, &ue, "the url.Error stays in the chain")
	assert.NotContains(t, ue.Error(), "brian", "even the wrapped url.Error has lost its query")

	// A base URL without a scheme fails while building the request, also without the query.
	_, err = httpcore.New(httpcore.Config{System: "Test", BaseURL: "127.0.0.1:8081"}).Do(context.Background(), get("/contacts/search"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "brian")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Do(ctx, get("/x"))
	assert.True(t, errors.Is(err, context.Canceled), "errors.Is sees through: %v", err)
}

func TestLimitersAreWaitedOnAndReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer srv.Close()
	var waits []time.Duration
	own, instead := rate.NewLimiter(rate.Every(time.Hour), 2), rate.NewLimiter(rate.Every(time.Hour), 1)
	record := func(d time.Duration) { waits = append(waits, d) }
	c := httpcore.New(httpcore.Config{System: "Test", BaseURL: srv.URL, Limiter: own, OnLimiterWait: record})
	req := get("/x")
	req.Limiter = instead
	_, err := c.Do(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, waits, 1)
	assert.Equal(t, 2.0, own.Tokens(), "a request's own limiter replaces the client's")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, req) // the request's limiter has no token left for an hour
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Test GET /x: waiting for the rate limiter")
	_, err = c.Do(ctx, get("/x"))
	require.NoError(t, err, "the client's limiter still has a token")
}

func TestOversizedAnswersAreDecodeErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat(" ", httpcore.MaxBodyBytes+1)))
	}))
	defer srv.Close()
	_, err := httpcore.New(httpcore.Config{System: "Test", BaseURL: srv.URL}).Do(context.Background(), get("/x"))
	assert.True(t, apierr.Is(err, apierr.Decode), "%v", err)
}

// A secret of a letter or two is not scrubbed: it would blank every such letter of every message.
func TestTinySecretsLeaveMessagesReadable(t *testing.T) {
	assert.Equal(t, "ClientSuccess POST /v1/auth", httpcore.Secrets{"u", "p"}.Scrub("ClientSuccess POST /v1/auth"))
	assert.Equal(t, "pw [REDACTED]", httpcore.Secrets{"s3cr"}.Scrub("pw s3cr"))
}

// A GET that meets a 5xx or no answer is sent twice more; a write, or a GET refused for a reason
// a retry cannot change, is sent once.
func TestPassingReadFailuresAreTriedTwiceMore(t *testing.T) {
	var calls, failFirst atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case r.URL.Path == "/bad":
			w.WriteHeader(http.StatusBadRequest)
		case r.URL.Path == "/cut" && n <= failFirst.Load():
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"cut`)) // the connection ends before the promised body
		case n <= failFirst.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	c := httpcore.New(httpcore.Config{System: "Test", BaseURL: srv.URL})
	for _, tc := range []struct {
		why          string
		method, path string
		fail         int32 // answers that fail before the server answers well
		status       int   // the answer Do returns
		calls        int32
	}{
		{"the third try answered", http.MethodGet, "/x", 2, http.StatusOK, 3},
		{"a failure that persists is the step's to retry", http.MethodGet, "/x", 3, http.StatusServiceUnavailable, 3},
		{"a cut-off answer is read again", http.MethodGet, "/cut", 1, http.StatusOK, 2},
		{"a write is sent once", http.MethodPost, "/x", 1, http.StatusServiceUnavailable, 1},
		{"a refusal is final", http.MethodGet, "/bad", 0, http.StatusBadRequest, 1},
	} {
		calls.Store(0)
		failFirst.Store(tc.fail)
		req := get(tc.path)
		req.Method = tc.method
		resp, err := c.Do(context.Background(), req)
		require.NoError(t, err, tc.why)
		assert.Equal(t, tc.status, resp.Status, tc.why)
		assert.Equal(t, tc.calls, calls.Load(), tc.why)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls.Store(0)
	failFirst.Store(3)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, _ = c.Do(ctx, get("/x"))
	assert.EqualValues(t, 1, calls.Load(), "a cancelled step does not wait to try again")
}
