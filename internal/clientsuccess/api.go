// Package clientsuccess is a thin client for the parts of the ClientSuccess REST API v1 the sync
// uses: clients, client statuses, contacts and contact custom fields. It speaks the API and nothing
// else. Every unsuccessful answer is an *apierr.Error with System "ClientSuccess"; network failures
// are returned wrapped as they are, so callers can tell "ClientSuccess said no" from "ClientSuccess
// could not be reached".
//
// The client logs in by itself (POST /auth), caches the access token and sends it bare in the
// Authorization header. When a call is answered 401 it logs in again and repeats that call once;
// apart from that it never retries: the retry decision is made once, by the caller, from the
// error's Kind and RetryAfter.
//
// Neither the username, the password nor an access token ever appears in an error.
package clientsuccess

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
const System = "ClientSuccess"

// Defaults applied by New.
const (
	DefaultBaseURL = "https://api.clientsuccess.com/v1"
	DefaultTimeout = 30 * time.Second
)

// maxBodyBytes bounds how much of one response is read, so a huge body cannot exhaust memory.
const maxBodyBytes = 10 << 20

// Config configures an API. Username and Password are required.
type Config struct {
	// BaseURL is the API root including the version; default "https://api.clientsuccess.com/v1".
	// Calls go to BaseURL+"/clients/…" and so on.
	BaseURL string
	// Username and Password log in at BaseURL+"/auth". They never appear in errors.
	Username, Password string
	// HTTPClient sends the requests; default &http.Client{Timeout: 30 * time.Second}.
	HTTPClient *http.Client
	// Limiter, when set, is waited on before every request (logins included).
	Limiter *rate.Limiter
	// OnLimiterWait, when set, is told how long each call waited for the limiter (for metrics).
	OnLimiterWait func(time.Duration)
}

// API calls ClientSuccess. It is safe for concurrent use; all calls share one access token.
type API struct {
	base     string
	basePath string // the path part of base, e.g. "/v1", for error paths
	username string
	password string
	http     *http.Client
	limiter  *rate.Limiter
	onWait   func(time.Duration)
	auth     *tokenCache
}

// New returns a client for cfg, applying the documented defaults. It does not log in: the first
// call does.
func New(cfg Config) *API {
	a := &API{
		base:     strings.TrimRight(cfg.BaseURL, "/"),
		username: cfg.Username,
		password: cfg.Password,
		http:     cfg.HTTPClient,
		limiter:  cfg.Limiter,
		onWait:   cfg.OnLimiterWait,
		auth:     newTokenCache(),
	}
	if a.base == "" {
		a.base = DefaultBaseURL
	}
	if u, err := url.Parse(a.base); err == nil {
		a.basePath = strings.TrimRight(u.Path, "/")
	}
	if a.http == nil {
		a.http = &http.Client{Timeout: DefaultTimeout}
	}
	return a
}

// request is one API call.
type request struct {
	method string
	path   string // escaped path below the base URL, without query, e.g. "/clients/12"
	query  url.Values
	body   any // marshalled as JSON when non-nil
}

// errPath is the request path an error reports: the full URL path without the query.
func (a *API) errPath(path string) string { return a.basePath + path }

// do sends req with the cached access token and decodes a 2xx JSON answer into out (nil discards
// it). A 401 makes it log in again and repeat the call once. It returns the raw body of a 2xx
// answer, for callers that need to tell "null" apart.
func (a *API) do(ctx context.Context, req request, out any) ([]byte, error) {
	var body []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: encoding the request: %w", System, req.method, a.errPath(req.path), err)
		}
		body = b
	}
	tok, err := a.auth.get(ctx, a.login, "")
	if err != nil {
		return nil, err
	}
	resp, data, err := a.send(ctx, req, body, tok)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		// The token expired or was revoked: log in again (unless a concurrent call already did)
		// and repeat the call once. A second 401 is returned as an Auth error.
		if tok, err = a.auth.get(ctx, a.login, tok); err != nil {
			return nil, err
		}
		if resp, data, err = a.send(ctx, req, body, tok); err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized {
			e := a.apiError(req, resp, data, tok)
			e.Message = "ClientSuccess rejected a freshly issued access token"
			return nil, e
		}
	}
	return data, a.finish(req, resp, data, out, tok)
}

// send makes one HTTP exchange with the given token and reads the (bounded) body.
func (a *API) send(ctx context.Context, req request, body []byte, token string) (*http.Response, []byte, error) {
	path := a.errPath(req.path)
	if a.limiter != nil {
		start := time.Now()
		err := a.limiter.Wait(ctx)
		if a.onWait != nil {
			a.onWait(time.Since(start))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s %s: waiting for the rate limiter: %w", System, req.method, path, err)
		}
	}
	u := a.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, u, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s %s: building the request: %w", System, req.method, path, err)
	}
	if token != "" {
		// ClientSuccess wants the bare token: no "Bearer" prefix.
		hreq.Header.Set("Authorization", token)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "cssync")
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(hreq)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s %s: %w", System, req.method, path, a.scrubErr(err, token))
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if len(data) > maxBodyBytes {
		data = data[:maxBodyBytes]
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			return nil, nil, a.decodeError(req, resp.StatusCode, fmt.Sprintf("response body exceeds %d bytes", maxBodyBytes))
		}
	}
	if readErr != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// The answer was cut off in transit: a network failure, not ClientSuccess's doing.
		return nil, nil, fmt.Errorf("%s %s %s: reading the response: %w", System, req.method, path, a.scrubErr(readErr, token))
	}
	return resp, data, nil
}

// finish turns a non-2xx answer into an error and decodes a 2xx one into out.
func (a *API) finish(req request, resp *http.Response, data []byte, out any, token string) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return a.apiError(req, resp, data, token)
	}
	return a.decode(req, resp.StatusCode, data, out, token)
}

// decode decodes the JSON body of a 2xx answer into out (nil discards it).
func (a *API) decode(req request, status int, data []byte, out any, token string) error {
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return a.decodeError(req, status, "the response body is empty")
	}
	if err := json.Unmarshal(data, out); err != nil {
		return a.decodeError(req, status, a.scrub("decoding the response: "+err.Error()+": "+apierr.Snippet(data), token))
	}
	return nil
}

// decodeError is a 2xx answer that could not be understood.
func (a *API) decodeError(req request, status int, msg string) *apierr.Error {
	return &apierr.Error{
		System: System, Kind: apierr.Decode, StatusCode: status,
		Method: req.method, Path: a.errPath(req.path), Message: msg,
	}
}

// isNull reports whether a JSON body is the literal null (or empty).
func isNull(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) == 0 || string(t) == "null"
}

// idPath builds a path from literal segments and numeric ids, e.g. idPath("/clients/", 12, "/contacts").
func idPath(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case int64:
			fmt.Fprintf(&b, "%d", v)
		default:
			panic(fmt.Sprintf("idPath: unsupported %T", p))
		}
	}
	return b.String()
}
