package httpcoretest

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// A client that follows redirects (Go's default) must be caught: the credential reaches the
// location and no Redirect error comes back. Go drops Authorization towards another host name but
// not towards another port or plain http; a 307 resends the body (a login's password) anywhere.
func TestProblemsCatchAClientThatFollows(t *testing.T) {
	o := Options{
		Redirected: func(*http.Request) bool { return true },
		Secrets:    []string{"the-token"},
	}
	follow := func(ctx context.Context, baseURL string, hc *http.Client) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/auth", strings.NewReader(`{"password":"the-token"}`))
		req.Header.Set("Authorization", "Bearer the-token")
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for _, dest := range []string{"another host", "another port", "plain http"} {
		got := strings.Join(problems(o, follow, 307, dest), "\n")
		if !strings.Contains(got, "reached the location (credentials seen there: [the-token])") {
			t.Errorf("%s: the credential's arrival went unnoticed: %q", dest, got)
		}
		if !strings.Contains(got, "want an apierr.Redirect error") {
			t.Errorf("%s: the missing Redirect error went unnoticed: %q", dest, got)
		}
	}
}
