// Package httpcoretest checks an API client against redirects, for the clients' own tests: every
// redirect code, towards another host, another port and plain http, must end in an
// apierr.Redirect error that names the location's host, and nothing may reach the location.
package httpcoretest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cssync/cssync/internal/apierr"
)

// RedirectCodes are the statuses that ask a client to go elsewhere.
var RedirectCodes = []int{301, 302, 303, 307, 308}

// otherHost is a host name the test client resolves to the loopback target, so "another host"
// does not depend on how this machine resolves localhost.
const otherHost = "other-host.test"

// leak is put in every Location's query: an error must never quote it.
const leak = "leak=query-secret"

// Options describe the API under test.
type Options struct {
	// BasePath is the base URL's path, e.g. "/v1".
	BasePath string
	// Redirected picks the requests answered with a redirect; the others go to Serve.
	Redirected func(*http.Request) bool
	// Serve answers the requests that are not redirected (a login before the redirected call).
	Serve http.Handler
	// Secrets must never reach the location, nor appear in the error.
	Secrets []string
}

// Call makes one client call against baseURL through hc and returns its error.
type Call func(ctx context.Context, baseURL string, hc *http.Client) error

// CheckRedirects runs call once per redirect code and destination.
func CheckRedirects(t *testing.T, o Options, call Call) {
	t.Helper()
	for _, code := range RedirectCodes {
		for _, dest := range []string{"another host", "another port", "plain http"} {
			t.Run(fmt.Sprintf("%d to %s", code, dest), func(t *testing.T) {
				for _, p := range problems(o, call, code, dest) {
					t.Error(p)
				}
			})
		}
	}
}

// problems makes one call whose answer redirects to dest and lists what went wrong.
func problems(o Options, call Call, code int, dest string) []string {
	target := &recorder{}
	targetSrv := httptest.NewServer(target)
	defer targetSrv.Close()
	_, port, _ := net.SplitHostPort(targetSrv.Listener.Addr().String())
	location := "http://127.0.0.1:" + port
	if dest == "another host" {
		location = "http://" + otherHost + ":" + port
	}
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Redirected(r) {
			w.Header().Set("Location", location+r.URL.Path+"?"+leak)
			w.WriteHeader(code)
			return
		}
		o.Serve.ServeHTTP(w, r)
	})
	var originSrv *httptest.Server
	if dest == "plain http" {
		originSrv = httptest.NewTLSServer(origin) // https at the origin, http at the location
	} else {
		originSrv = httptest.NewServer(origin)
	}
	defer originSrv.Close()

	var out []string
	err := call(context.Background(), originSrv.URL+o.BasePath, resolving(originSrv.Client(), port))
	if n := target.count(); n != 0 {
		out = append(out, fmt.Sprintf("%d requests reached the location (credentials seen there: %v)", n, target.seen(o.Secrets)))
	}
	var apiErr *apierr.Error
	if !errors.As(err, &apiErr) || apiErr.Kind != apierr.Redirect || apiErr.StatusCode != code {
		return append(out, fmt.Sprintf("want an apierr.Redirect error with status %d, got %v", code, err))
	}
	msg := err.Error()
	if wantHost := strings.TrimPrefix(location, "http://"); !strings.Contains(msg, "http://"+wantHost) {
		out = append(out, fmt.Sprintf("the error should name the location http://%s: %s", wantHost, msg))
	}
	if strings.Contains(msg, "query-secret") {
		out = append(out, "the error quotes the location's query: "+msg)
	}
	for _, s := range o.Secrets {
		if strings.Contains(msg, s) {
			out = append(out, "the error holds a credential: "+msg)
		}
	}
	return out
}

// resolving is hc with otherHost resolved to the loopback target.
func resolving(hc *http.Client, port string) *http.Client {
	tr := hc.Transport.(*http.Transport).Clone()
	dialer := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); host == otherHost {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	out := *hc
	out.Transport = tr
	return &out
}

// recorder remembers every request that reaches the location, headers and body.
type recorder struct {
	mu       sync.Mutex
	requests []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, fmt.Sprintf("%v %s", req.Header, body))
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{}`))
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// seen lists the secrets found in what reached the location.
func (r *recorder) seen(secrets []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range secrets {
		for _, req := range r.requests {
			if strings.Contains(req, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
