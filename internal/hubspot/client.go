// Package hubspot is a thin client for the parts of HubSpot's CRM API the sync uses: objects,
// search, properties and v4 associations. It speaks the API and nothing else. Every unsuccessful
// answer is an *apierr.Error with System "HubSpot"; network failures are returned wrapped as they
// are, so callers can tell "HubSpot said no" from "HubSpot could not be reached".
//
// The client never retries: the retry decision is made once, by the caller, from the error's Kind,
// Policy and RetryAfter.
package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/httpcore"
)

// System is the apierr.Error System of every error this client returns.
const System = "HubSpot"

// Defaults applied by New.
const (
	DefaultBaseURL    = "https://api.hubapi.com"
	DefaultPathFamily = "2026-03"
	DefaultTimeout    = httpcore.DefaultTimeout
)

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
	// HTTPClient sends the requests; default &http.Client{Timeout: 30 * time.Second}. Redirects
	// are never followed, whatever its policy: a 3xx is an apierr.Redirect error.
	HTTPClient *http.Client
	// Limiter, when set, is waited on before every call but searches when SearchLimiter is set.
	Limiter httpcore.Limiter
	// SearchLimiter, when set, is waited on instead of Limiter before every search call. A search
	// counts against the account's limit too, so it must hold both (pacing.All, or a shared
	// schedule's limiter with both buckets).
	SearchLimiter httpcore.Limiter
	// OnLimiterWait, when set, is told how long each call waited for the limiters (for metrics).
	OnLimiterWait func(time.Duration)
}

// Client calls HubSpot's CRM API. It holds no mutable state and is safe for concurrent use.
type Client struct {
	core          *httpcore.Client
	token         string
	secrets       httpcore.Secrets
	searchLimiter httpcore.Limiter

	objectsPath    string // …/objects: objects and search
	propertiesPath string // …/properties
	assocListPath  string // …/objects of the v4 family: …/{from}/{id}/associations/{to}
	assocBatchPath string // …/associations of the v4 family: …/{from}/{to}/batch/read
}

// New returns a client for cfg, applying the documented defaults.
func New(cfg Config) *Client {
	base := cfg.BaseURL
	if strings.TrimRight(base, "/") == "" {
		base = DefaultBaseURL
	}
	c := &Client{
		core: httpcore.New(httpcore.Config{
			System: System, BaseURL: base, HTTPClient: cfg.HTTPClient,
			Limiter: cfg.Limiter, OnLimiterWait: cfg.OnLimiterWait,
		}),
		token:         cfg.Token,
		secrets:       httpcore.Secrets{cfg.Token},
		searchLimiter: cfg.SearchLimiter,
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
	search bool // waits on the search limiter; 429s default to the secondly policy
}

// exchange is req for the shared HTTP core, with HubSpot's authorization.
func (c *Client) exchange(req request) httpcore.Request {
	r := httpcore.Request{
		Method: req.method, Path: req.path, Query: req.query, Body: req.body,
		Header:  http.Header{"Authorization": {"Bearer " + c.token}},
		Secrets: c.secrets,
	}
	if req.search && c.searchLimiter != nil {
		r.Limiter = c.searchLimiter
	}
	return r
}

// do sends req and decodes a 2xx JSON answer into out (nil discards it). It returns the status
// code of the answer, including for errors, or 0 when there was none.
func (c *Client) do(ctx context.Context, req request, out any) (int, error) {
	hreq := c.exchange(req)
	resp, err := c.core.Do(ctx, hreq)
	if err != nil {
		return 0, err
	}
	if !resp.OK() {
		return resp.Status, c.apiError(req, hreq, resp)
	}
	if out != nil {
		if err := c.core.Decode(hreq, resp, out); err != nil {
			return resp.Status, err
		}
	}
	return resp.Status, nil
}

// decodeError is a 2xx answer that could not be understood.
func (c *Client) decodeError(req request, status int, msg string) *apierr.Error {
	return c.core.DecodeError(c.exchange(req), status, msg)
}

// invalid is a call refused before it was sent, because its arguments cannot be right.
func (c *Client) invalid(method, path, msg string) *apierr.Error {
	return c.core.Invalid(method, path, msg)
}

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
