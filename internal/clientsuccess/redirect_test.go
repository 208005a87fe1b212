package clientsuccess_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/httpcore/httpcoretest"
)

const issuedToken = "6f1c2a9e-0000-4000-8000-0123456789ab"

// loginOK answers the login with issuedToken.
var loginOK = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte(`{"access_token":"` + issuedToken + `","token_type":"Bearer","expires_in":43200}`))
})

// No redirect is followed, the login's included: neither the username and password (a 307 or 308
// would resend them) nor the issued token reaches another host, another port or plain http.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	for name, redirected := range map[string]func(*http.Request) bool{
		"login":            func(r *http.Request) bool { return r.URL.Path == "/v1/auth" },
		"call after login": func(r *http.Request) bool { return r.URL.Path != "/v1/auth" },
	} {
		t.Run(name, func(t *testing.T) {
			httpcoretest.CheckRedirects(t, httpcoretest.Options{
				BasePath: "/v1", Redirected: redirected, Serve: loginOK,
				Secrets: []string{user, pass, issuedToken},
			}, func(ctx context.Context, baseURL string, hc *http.Client) error {
				api := clientsuccess.New(clientsuccess.Config{BaseURL: baseURL, Username: user, Password: pass, HTTPClient: hc})
				_, err := api.SearchContacts(ctx, "ann@acme.com")
				return err
			})
		})
	}
}

// A 403 page that echoes the token just before the 200-character cut leaks none of it (a 401 is
// answered by logging in again, and its own message never quotes the body).
func TestTokenEchoedAtTheClipIsScrubbedFirst(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/auth", loginOK)
	mux.HandleFunc("GET /v1/client-statuses", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<html><body>" + strings.Repeat("a", 180) + " " + issuedToken + "</body></html>"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	api := clientsuccess.New(clientsuccess.Config{BaseURL: srv.URL + "/v1", Username: user, Password: pass})
	_, err := api.ListClientStatuses(context.Background())
	requireKind(t, err, apierr.Auth, http.StatusForbidden)
	for i := 0; i+6 <= len(issuedToken); i++ {
		assert.NotContains(t, err.Error(), issuedToken[i:i+6])
	}
}
