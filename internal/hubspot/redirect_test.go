package hubspot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/httpcore/httpcoretest"
	"github.com/cssync/cssync/internal/hubspot"
)

// No redirect is followed, whatever the code and wherever it points: the Bearer token never
// reaches another host, another port or plain http, and the error names the host, not the query.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	calls := map[string]func(ctx context.Context, c *hubspot.Client) error{
		"GET object": func(ctx context.Context, c *hubspot.Client) error {
			_, err := c.GetObject(ctx, "contacts", "51", []string{"email"})
			return err
		},
		"POST search": func(ctx context.Context, c *hubspot.Client) error {
			_, err := c.Search(ctx, "contacts", hubspot.SearchRequest{Limit: 1})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			httpcoretest.CheckRedirects(t, httpcoretest.Options{
				Redirected: func(*http.Request) bool { return true },
				Secrets:    []string{token},
			}, func(ctx context.Context, baseURL string, hc *http.Client) error {
				return call(ctx, hubspot.New(hubspot.Config{BaseURL: baseURL, Token: token, HTTPClient: hc}))
			})
		})
	}
}

// A 401 page that echoes the token just before the 200-character cut leaks none of it.
func TestTokenEchoedAtTheClipIsScrubbedFirst(t *testing.T) {
	for name, body := range map[string]string{
		"html": "<html><body>" + strings.Repeat("a", 180) + " " + token + "</body></html>",
		"json": fmt.Sprintf(`{"status":"error","message":"%s %s"}`, strings.Repeat("b", 990), token),
	} {
		t.Run(name, func(t *testing.T) {
			c := clientFor(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(body))
			})
			_, err := c.GetObject(context.Background(), "contacts", "1", nil)
			apiErr(t, err, apierr.Auth)
			for i := 0; i+6 <= len(token); i++ {
				assert.NotContains(t, err.Error(), token[i:i+6])
			}
		})
	}
}
