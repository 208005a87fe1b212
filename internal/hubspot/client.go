// Package hubspot is a thin client for the parts of HubSpot's CRM API the sync uses: objects,
// search, properties and v4 associations. It speaks the API and nothing else. Every unsuccessful
// answer is an *apierr.Error with System "HubSpot"; network failures are returned wrapped as they
// are, so callers can tell "HubSpot said no" from "HubSpot could not be reached".
//
// The client never retries: the retry decision is made once, by the caller, from the error's Kind,
// Policy and RetryAfter.
package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/cssync/cssync/internal/apierr"
)

// System is the apierr.Error System of every error this client returns.
const System = "HubSpot"

// Defaults applied by New.
const (
	DefaultBaseURL    = "https://api.hubapi.com"
	DefaultPathFamily = "2026-03"
	DefaultTimeout    = 30 * time.Second
)

// maxBodyBytes bounds how much of one response is read, so a huge body cannot exhaust memory.
const maxBodyBytes = 10 << 20

// Config configures a Client. Only Token is required.
type Config struct {
	// BaseURL is the API root; default "https://api.hubapi.com".
	BaseURL string
	// Token is the private-app token (or service key), sent as "Authorization: Bearer <token>".
	// It never appears in errors.
	Token string
	// PathFamily picks the path family: "2026-03" (the default; /crm/objects/2026-03/contacts,
	// /crm/properties/2026-03/…, /crm/associations/2026-03/…) or "v3" (/crm/v3/objects/…,
	// /crm/v3/properties/…, /crm/v4/…). Any other value is used as the date of a date-versioned family.
	PathFamily string
	// HTTPClient sends the requests; default &http.Client{Timeout: 30 * time.Second}.
	HTTPClient *http.Client
	// Limiter, when set, is waited on before every call.
	Limiter *rate.Limiter
	// SearchLimiter, when set, is waited on additionally before every search call.
	SearchLimiter *rate.Limiter
	// OnLimiterWait, when set, is told how long each call waited for the limiters (for metrics).
	OnLimiterWait func(time.Duration)
}

// Client calls HubSpot's CRM API. It holds no mutable state and is safe for concurrent use.
type Client struct {
	base          string
	token         string
	http          *http.Client
	limiter       *rate.Limiter
	searchLimiter *rate.Limiter
	onWait        func(time.Duration)

	objectsPath    string // …/objects: objects and search
	propertiesPath string // …/properties
	assocListPath  string // …/objects of the v4 family: …/{from}/{id}/associations/{to}
	assocBatchPath string // …/associations of the v4 family: …/{from}/{to}/batch/read
}

// New returns a client for cfg, applying the documented defaults.
func New(cfg Config) *Client {
	c := &Client{
		base:          strings.TrimRight(cfg.BaseURL, "/"),
		token:         cfg.Token,
		http:          cfg.HTTPClient,
		limiter:       cfg.Limiter,
		searchLimiter: cfg.SearchLimiter,
		onWait:        cfg.OnLimiterWait,
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	family := strings.Trim(cfg.PathFamily, "/ ")
	if family == "" {
		family = DefaultPathFamily
	}
	if family == "v3" {
		c.objectsPath, c.propertiesPath = "/crm/v3/objects", "/crm/v3/properties"
		c.assocListPath, c.assocBatchPath = "/crm/v4/objects", "/crm/v4/associations"
	} else {
		// Date-versioned families put association lists under the objects path.
		c.objectsPath = "/crm/objects/" + family
		c.propertiesPath = "/crm/properties/" + family
		c.assocListPath, c.assocBatchPath = c.objectsPath, "/crm/associations/"+family
	}
	return c
}

// request is one API call.
type request struct {
	method string
	path   string // escaped path below the base URL, without query
	query  url.Values
	body   any  // marshalled as JSON when non-nil
	search bool // also waits on the search limiter; 429s default to the secondly policy
}

// do sends req and decodes a 2xx JSON answer into out (nil discards it). It returns the status
// code of the answer, including for errors, or 0 when there was none.
func (c *Client) do(ctx context.Context, req request, out any) (int, error) {
	if err := c.wait(ctx, req.search); err != nil {
		return 0, fmt.Errorf("%s %s %s: waiting for the rate limiter: %w", System, req.method, req.path, err)
	}
	var body io.Reader
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return 0, fmt.Errorf("%s %s %s: encoding the request: %w", System, req.method, req.path, err)
		}
		body = bytes.NewReader(b)
	}
	u := c.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return 0, fmt.Errorf("%s %s %s: building the request: %w", System, req.method, req.path, err)
	}
	hreq.Header.Set("Authorization", "Bearer "+c.token)
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "cssync")
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return 0, fmt.Errorf("%s %s %s: %w", System, req.method, req.path, c.scrubErr(err))
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	tooBig := len(data) > maxBodyBytes
	if tooBig {
		data = data[:maxBodyBytes]
		// Drain a little more so the connection can be reused when the rest is small; give up otherwise.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, c.apiError(req, resp, data)
	}
	if readErr != nil {
		// The answer was cut off in transit: a network failure, not HubSpot's doing.
		return resp.StatusCode, fmt.Errorf("%s %s %s: reading the response: %w", System, req.method, req.path, readErr)
	}
	if tooBig {
		return resp.StatusCode, c.decodeError(req, resp.StatusCode, fmt.Sprintf("response body exceeds %d bytes", maxBodyBytes))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, c.decodeError(req, resp.StatusCode, "decoding the response: "+err.Error()+": "+apierr.Snippet(data))
		}
	}
	return resp.StatusCode, nil
}

func (c *Client) wait(ctx context.Context, search bool) error {
	if c.onWait != nil {
		start := time.Now()
		defer func() { c.onWait(time.Since(start)) }()
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	if search && c.searchLimiter != nil {
		if err := c.searchLimiter.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// decodeError is a 2xx answer that could not be understood.
func (c *Client) decodeError(req request, status int, msg string) *apierr.Error {
	return &apierr.Error{
		System: System, Kind: apierr.Decode, StatusCode: status,
		Method: req.method, Path: req.path, Message: c.scrub(msg),
	}
}

// invalid is a call refused before it was sent, because its arguments cannot be right.
func invalid(method, path, msg string) *apierr.Error {
	return &apierr.Error{System: System, Kind: apierr.Validation, Method: method, Path: path, Message: msg}
}

// scrub removes the token from a text that is about to leave the client, in case a server or
// proxy echoed it back.
func (c *Client) scrub(s string) string {
	if c.token == "" || !strings.Contains(s, c.token) {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}

// scrubErr keeps err (and its chain) unless its text contains the token.
func (c *Client) scrubErr(err error) error {
	if c.token == "" || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return &scrubbedError{msg: c.scrub(err.Error()), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Unwrap keeps errors.Is(err, context.DeadlineExceeded) and similar checks working.
func (e *scrubbedError) Unwrap() error { return e.err }

// escape escapes one path segment.
func escape(s string) string { return url.PathEscape(s) }

// chunks splits s into slices of at most n.
func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

// uniqueIDs drops empty and repeated ids, keeping the first occurrence's order.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
