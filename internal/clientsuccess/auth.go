package clientsuccess

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/cssync/cssync/internal/apierr"
)

// maxRefreshMargin is the most a token is refreshed ahead of its expiry; shorter-lived tokens are
// refreshed when nine tenths of their lifetime have passed.
const maxRefreshMargin = 5 * time.Minute

// loginRejected is the message of the Auth error for refused credentials. It never names them.
const loginRejected = "ClientSuccess login was rejected: check the configured username and password"

// authRequest is the body of POST /auth.
type authRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// authResponse is the answer of POST /auth.
type authResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"` // seconds
}

// tokenCache holds the access token all calls share. Only one goroutine logs in at a time; the
// others wait for its token instead of logging in themselves.
type tokenCache struct {
	sem chan struct{} // a one-slot lock held while deciding and logging in; a waiter can give up on it
	now func() time.Time

	mu        sync.Mutex // guards token and refreshAt, so peek need not wait for a login
	token     string
	refreshAt time.Time // zero: refresh only when the API rejects the token
}

func newTokenCache() *tokenCache {
	return &tokenCache{sem: make(chan struct{}, 1), now: time.Now}
}

// loginFunc obtains a new token and how long it lives (0 when the API did not say).
type loginFunc func(ctx context.Context) (token string, ttl time.Duration, err error)

// get returns a usable token, logging in when there is none, when it is about to expire, or when
// it is stale: the token a call just had rejected. If another call has already replaced the stale
// token, get returns the replacement without logging in again.
func (c *tokenCache) get(ctx context.Context, login loginFunc, stale string) (string, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.sem }()

	c.mu.Lock()
	cur, refreshAt := c.token, c.refreshAt
	c.mu.Unlock()
	fresh := cur != "" && (refreshAt.IsZero() || c.now().Before(refreshAt))
	if fresh && cur != stale {
		return cur, nil
	}
	tok, ttl, err := login(ctx)
	if err != nil {
		return "", err
	}
	refreshAt = time.Time{}
	if ttl > 0 {
		refreshAt = c.now().Add(ttl - min(ttl/10, maxRefreshMargin))
	}
	c.mu.Lock()
	c.token, c.refreshAt = tok, refreshAt
	c.mu.Unlock()
	return tok, nil
}

// peek returns the cached token without waiting for a login in progress ("" when there is none).
func (c *tokenCache) peek() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// Login makes sure the client holds an access token, logging in when it has none: a cheap way to
// prove the base URL and the credentials before the first real call.
func (a *API) Login(ctx context.Context) error {
	_, err := a.auth.get(ctx, a.login, "")
	return err
}

// loginPath is where the credentials are posted.
const loginPath = "/auth"

// login posts the credentials to /auth and returns the access token it is given.
func (a *API) login(ctx context.Context) (string, time.Duration, error) {
	req := request{method: http.MethodPost, path: loginPath, body: authRequest{Username: a.username, Password: a.password}}
	hreq := a.exchange(req, "")
	resp, err := a.core.Do(ctx, hreq)
	if err != nil {
		return "", 0, err
	}
	if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		return "", 0, a.core.Fail(hreq, apierr.Auth, resp.Status, loginRejected)
	}
	if !resp.OK() {
		return "", 0, a.apiError(req, "", resp)
	}
	var ar authResponse
	if err := json.Unmarshal(resp.Body, &ar); err != nil {
		// The body may hold the token, so it is not quoted.
		return "", 0, a.core.DecodeError(hreq, resp.Status, "decoding the login response: "+err.Error())
	}
	if ar.AccessToken == "" {
		return "", 0, a.core.DecodeError(hreq, resp.Status, "the login response has no access_token")
	}
	return ar.AccessToken, time.Duration(ar.ExpiresIn) * time.Second, nil
}
