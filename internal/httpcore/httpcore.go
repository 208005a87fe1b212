// Package httpcore makes the API clients' HTTP exchanges: it waits for the rate limiters, builds
// the request, bounds what it reads, refuses redirects, and keeps secrets and URL queries out of
// every error. Each API client keeps its own authentication and its own reading of error bodies.
package httpcore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
)

// DefaultTimeout bounds one exchange when the caller supplies no HTTP client.
const DefaultTimeout = 30 * time.Second

// MaxBodyBytes bounds how much of one response is read, so a huge body cannot exhaust memory.
const MaxBodyBytes = 10 << 20

// Config configures a Client.
type Config struct {
	// System names the API in every error: "HubSpot", "ClientSuccess".
	System string
	// BaseURL is the API root; requests go to BaseURL+Request.Path and errors report the base's
	// path followed by Request.Path.
	BaseURL string
	// HTTPClient sends the requests; default a client with DefaultTimeout. Its redirect policy is
	// replaced: redirects are never followed.
	HTTPClient *http.Client
	// Limiter, when set, is waited on before every request that brings none of its own.
	Limiter Limiter
	// OnLimiterWait, when set, is told how long each request waited for its limiters.
	OnLimiterWait func(time.Duration)
}

// Client sends requests to one API. It holds no mutable state and is safe for concurrent use.
type Client struct {
	system   string
	base     string
	basePath string
	http     *http.Client
	limiter  Limiter
	onWait   func(time.Duration)
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	hc := http.Client{Timeout: DefaultTimeout}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	// A redirect is answered as it came, never followed: following it would send the
	// Authorization header or the login body to wherever the Location points.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		system:  cfg.System,
		base:    strings.TrimRight(cfg.BaseURL, "/"),
		http:    &hc,
		limiter: cfg.Limiter,
		onWait:  cfg.OnLimiterWait,
	}
	if u, err := url.Parse(c.base); err == nil {
		c.basePath = strings.TrimRight(u.Path, "/")
	}
	return c
}

// Request is one API call.
type Request struct {
	Method string
	Path   string // escaped path below the base URL, without query, e.g. "/clients/12"
	Query  url.Values
	Body   any         // sent as JSON when non-nil
	Header http.Header // the client's own headers, such as Authorization
	// Limiter, when set, is waited on instead of the client's own, e.g. HubSpot's search limiter
	// (which holds the account's limit too, so a search takes its slots in both at once).
	Limiter Limiter
	// Secrets are the credentials this call carries or might be echoed: never in an error.
	Secrets Secrets
}

// Response is an answer the client reads itself: any status but a redirect.
type Response struct {
	Status int
	Header http.Header
	// Body is at most MaxBodyBytes. A non-2xx answer's body has the request's Secrets scrubbed
	// out, so whatever the client quotes from it, clipped or not, holds none of them.
	Body []byte
}

// OK reports a 2xx answer.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Path is the path an error reports: the base URL's path followed by p, never a query.
func (c *Client) Path(p string) string { return c.basePath + p }

// readRetryWaits are the pauses before a GET is sent again after a 5xx or no answer. A step makes
// several reads (a contact's records are listed on a few clients, then searched); left to the
// step's own retry, one passing failure among them fails them all, and under a bad hour's error
// rate a step's attempts fail in a row and its backoff grows to minutes. Two quick tries more
// make a read's passing failure rare; what persists still fails the step, which Temporal retries.
var readRetryWaits = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond}

// Do makes one exchange, sending a GET up to twice more after a 5xx or no answer (readRetryWaits);
// a write is sent once, its retry is the step's. No answer at all (network, timeout, an answer cut
// off) is a *NetError; a 3xx is an *apierr.Error of kind Redirect; a 2xx body over MaxBodyBytes is
// a Decode error. Every other answer is returned for the API client to read.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.exchange(ctx, req)
		if attempt == len(readRetryWaits) || !passingReadFailure(req, resp, err) || ctx.Err() != nil {
			return resp, err
		}
		select {
		case <-time.After(readRetryWaits[attempt]):
		case <-ctx.Done():
			return resp, err
		}
	}
}

// passingReadFailure reports a GET that got a server error or no answer: worth sending again.
func passingReadFailure(req Request, resp *Response, err error) bool {
	if req.Method != http.MethodGet {
		return false
	}
	var netErr *NetError
	if err != nil {
		return errors.As(err, &netErr) && netErr.sent
	}
	return resp.Status >= 500 && resp.Status != http.StatusNotImplemented
}

// exchange makes one exchange: Do without its read retries.
func (c *Client) exchange(ctx context.Context, req Request) (*Response, error) {
	if err := c.wait(ctx, req.Limiter); err != nil {
		return nil, c.netError(req, "waiting for the rate limiter: ", err)
	}
	hreq, err := c.build(ctx, req)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.noAnswer(req, "", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, c.redirectError(req, resp)
	}
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	tooBig := len(data) > MaxBodyBytes
	if tooBig {
		data = data[:MaxBodyBytes]
		// Drain a little more so the connection can be reused when the rest is small.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	switch {
	case !out.OK():
		out.Body = req.Secrets.scrubBytes(data) // what was read, even if the rest was cut off
		return out, nil
	case readErr != nil:
		// The answer was cut off in transit: a network failure, not the API's doing.
		return nil, c.noAnswer(req, "reading the response: ", readErr)
	case tooBig:
		return nil, c.DecodeError(req, out.Status, fmt.Sprintf("response body exceeds %d bytes", MaxBodyBytes))
	}
	return out, nil
}

func (c *Client) build(ctx context.Context, req Request) (*http.Request, error) {
	var body io.Reader
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, c.netError(req, "encoding the request: ", err)
		}
		body = bytes.NewReader(b)
	}
	u := c.base + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u, body)
	if err != nil {
		return nil, c.netError(req, "building the request: ", err)
	}
	for k, v := range req.Header {
		hreq.Header[k] = v
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "cssync")
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	return hreq, nil
}

// Limiter is what a request waits on before it is sent: a *rate.Limiter, or a schedule shared
// by every worker (internal/pacing).
type Limiter interface {
	Wait(ctx context.Context) error
}

// wait waits for the request's limiter, or else the client's, reporting how long.
func (c *Client) wait(ctx context.Context, own Limiter) error {
	l := c.limiter
	if own != nil {
		l = own
	}
	if l == nil {
		return nil
	}
	start := time.Now()
	if err := l.Wait(ctx); err != nil {
		return err
	}
	if c.onWait != nil {
		c.onWait(time.Since(start))
	}
	return nil
}

// Error is the *apierr.Error of a non-2xx answer with what both APIs share: the kind its
// status means, the Retry-After header and, as message, a snippet of the (scrubbed) body. The
// API client replaces the message with what its own error body says.
func (c *Client) Error(req Request, resp *Response) *apierr.Error {
	e := &apierr.Error{
		System:     c.system,
		Kind:       apierr.KindForStatus(resp.Status),
		StatusCode: resp.Status,
		Method:     req.Method,
		Path:       c.Path(req.Path),
		RetryAfter: apierr.RetryAfterHeader(resp.Header.Get("Retry-After")),
		Message:    req.Secrets.Snippet(resp.Body),
	}
	if e.Kind == "" {
		// A 1xx or another status nobody expects: nothing to learn from it; try later.
		e.Kind = apierr.Server
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.Status)
	}
	return e
}

// Decode decodes a 2xx JSON body into out; a body that does not decode is a Decode error.
func (c *Client) Decode(req Request, resp *Response, out any) error {
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return c.DecodeError(req, resp.Status, "decoding the response: "+err.Error()+": "+req.Secrets.Snippet(resp.Body))
	}
	return nil
}

// Fail is an error of kind about req (status 0: no answer involved), its message scrubbed.
func (c *Client) Fail(req Request, kind apierr.Kind, status int, msg string) *apierr.Error {
	return &apierr.Error{
		System: c.system, Kind: kind, StatusCode: status,
		Method: req.Method, Path: c.Path(req.Path), Message: req.Secrets.Scrub(msg),
	}
}

// DecodeError is a 2xx answer that could not be understood.
func (c *Client) DecodeError(req Request, status int, msg string) *apierr.Error {
	return c.Fail(req, apierr.Decode, status, msg)
}

// Invalid is a call refused before it was sent, because its arguments cannot be right.
func (c *Client) Invalid(method, path, msg string) *apierr.Error {
	return c.Fail(Request{Method: method, Path: path}, apierr.Validation, 0, msg)
}

// redirectError names where the redirect pointed (scheme and host only: a Location's path and
// query may carry anything) and says it was not followed.
func (c *Client) redirectError(req Request, resp *http.Response) *apierr.Error {
	where := "a location it did not give"
	if loc, err := resp.Location(); err == nil {
		where = loc.Scheme + "://" + loc.Host
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	return c.Fail(req, apierr.Redirect, resp.StatusCode,
		"redirected to "+where+"; redirects are not followed, so credentials stay with their host")
}

// NetError is a call that got no usable answer: the rate limiter's wait ended, the connection
// failed or timed out, or the answer was cut off. Its text names the system, method and path,
// never the URL's query or a secret; Unwrap keeps errors.Is(err, context.DeadlineExceeded) working.
type NetError struct {
	msg  string
	err  error
	sent bool // the request went out and got no usable answer (not a limiter wait or a bad URL)
}

func (e *NetError) Error() string { return e.msg }

func (e *NetError) Unwrap() error { return e.err }

func (c *Client) netError(req Request, what string, err error) *NetError {
	cause := err
	if ue, ok := err.(*url.Error); ok {
		// url.Error's text quotes the whole URL, query included (a search term is an email).
		clean := *ue
		clean.URL = c.base + req.Path
		err, cause = &clean, ue.Err
	}
	msg := fmt.Sprintf("%s %s %s: %s%s", c.system, req.Method, c.Path(req.Path), what, cause.Error())
	return &NetError{msg: req.Secrets.Scrub(msg), err: err}
}

// noAnswer is the NetError of a request that was sent: the connection failed, timed out, or the
// answer was cut off.
func (c *Client) noAnswer(req Request, what string, err error) *NetError {
	e := c.netError(req, what, err)
	e.sent = true
	return e
}
