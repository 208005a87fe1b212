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
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/httpcore"
)

// System is the apierr.Error System of every error this client returns.
const System = "ClientSuccess"

// Defaults applied by New.
const (
	DefaultBaseURL = "https://api.clientsuccess.com/v1"
	DefaultTimeout = httpcore.DefaultTimeout
)

// Config configures an API. Username and Password are required.
type Config struct {
	// BaseURL is the API root including the version; default "https://api.clientsuccess.com/v1".
	// Calls go to BaseURL+"/clients/…" and so on.
	BaseURL string
	// Username and Password log in at BaseURL+"/auth". They never appear in errors.
	Username, Password string
	// HTTPClient sends the requests; default &http.Client{Timeout: 30 * time.Second}. Redirects
	// are never followed, whatever its policy: a 3xx is an apierr.Redirect error.
	HTTPClient *http.Client
	// Limiter, when set, is waited on before every request (logins included).
	Limiter httpcore.Limiter
	// OnLimiterWait, when set, is told how long each call waited for the limiter (for metrics).
	OnLimiterWait func(time.Duration)
}

// API calls ClientSuccess. It is safe for concurrent use; all calls share one access token.
type API struct {
	core     *httpcore.Client
	username string
	password string
	auth     *tokenCache
}

// New returns a client for cfg, applying the documented defaults. It does not log in: the first
// call does.
func New(cfg Config) *API {
	base := cfg.BaseURL
	if strings.TrimRight(base, "/") == "" {
		base = DefaultBaseURL
	}
	return &API{
		core: httpcore.New(httpcore.Config{
			System: System, BaseURL: base, HTTPClient: cfg.HTTPClient,
			Limiter: cfg.Limiter, OnLimiterWait: cfg.OnLimiterWait,
		}),
		username: cfg.Username,
		password: cfg.Password,
		auth:     newTokenCache(),
	}
}

// request is one API call.
type request struct {
	method string
	path   string // escaped path below the base URL, without query, e.g. "/clients/12"
	query  url.Values
	body   any // marshalled as JSON when non-nil
}

// exchange is req for the shared HTTP core, sent with token (none for the login). Its secrets
// are the password, the token it carries and the cached one, and for the login the username.
func (a *API) exchange(req request, token string) httpcore.Request {
	r := httpcore.Request{
		Method: req.method, Path: req.path, Query: req.query, Body: req.body,
		Secrets: httpcore.Secrets{a.password, token},
	}
	if cur := a.auth.peek(); cur != token {
		r.Secrets = append(r.Secrets, cur)
	}
	if req.path == loginPath {
		r.Secrets = append(r.Secrets, a.username)
	}
	if token != "" {
		// ClientSuccess wants the bare token: no "Bearer" prefix.
		r.Header = http.Header{"Authorization": {token}}
	}
	return r
}

// do sends req with the cached access token and decodes a 2xx JSON answer into out (nil discards
// it). A 401 makes it log in again and repeat the call once. It returns the raw body of a 2xx
// answer, for callers that need to tell "null" apart.
func (a *API) do(ctx context.Context, req request, out any) ([]byte, error) {
	tok, err := a.auth.get(ctx, a.login, "")
	if err != nil {
		return nil, err
	}
	resp, err := a.core.Do(ctx, a.exchange(req, tok))
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		// The token expired or was revoked: log in again (unless a concurrent call already did)
		// and repeat the call once. A second 401 is returned as an Auth error.
		if tok, err = a.auth.get(ctx, a.login, tok); err != nil {
			return nil, err
		}
		if resp, err = a.core.Do(ctx, a.exchange(req, tok)); err != nil {
			return nil, err
		}
		if resp.Status == http.StatusUnauthorized {
			e := a.apiError(req, tok, resp)
			e.Message = "ClientSuccess rejected a freshly issued access token"
			return nil, e
		}
	}
	if !resp.OK() {
		return nil, a.apiError(req, tok, resp)
	}
	return resp.Body, a.decode(req, resp.Status, resp.Body, out)
}

// decode decodes the JSON body of a 2xx answer into out (nil discards it).
func (a *API) decode(req request, status int, body []byte, out any) error {
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return a.decodeError(req, status, "the response body is empty")
	}
	return a.core.Decode(a.exchange(req, ""), &httpcore.Response{Status: status, Body: body}, out)
}

// decodeError is a 2xx answer that could not be understood.
func (a *API) decodeError(req request, status int, msg string) *apierr.Error {
	return a.core.DecodeError(a.exchange(req, ""), status, msg)
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
