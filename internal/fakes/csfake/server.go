// Package csfake is a stateful, in-process fake of the ClientSuccess REST API v1, as described in
// shared/apis/clientsuccess-v1.md: login with a bare access token, clients, client statuses,
// contacts (with the loose search and the "null" find), contact custom fields, full-replacement
// PUTs, and the API's error shapes. Serve it with httptest and point a client at URL+"/v1".
//
// Faults() injects latency, holds and failures per route (routes are the ServeMux patterns, such
// as "POST /v1/clients/{cid}/contacts"); Options.RequestsPerSecond adds a rate limit.
package csfake

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/faults"
)

// DefaultTokenTTL is how long an access token lives unless Options say otherwise (12 h, as the API).
const DefaultTokenTTL = 12 * time.Hour

// First ids handed out; clients and contacts use different ranges so a mixed-up id is not found.
const (
	firstClientID  = 1001
	firstContactID = 500001
)

// Options configure a Server.
type Options struct {
	// Username and Password are the only credentials POST /v1/auth accepts.
	Username, Password string
	// TokenTTL is how long an access token is valid; default 12 h. expires_in reports it in seconds.
	TokenTTL time.Duration
	// RequestsPerSecond limits all requests together over a rolling second; 0 means unlimited.
	// A request over the limit is answered 429 with Retry-After: 1.
	RequestsPerSecond int
}

// Server is the fake. It is an http.Handler serving the paths under /v1, and safe for concurrent use.
type Server struct {
	opts   Options
	faults *faults.Injector
	limit  *faults.Window
	mux    *http.ServeMux

	mu           sync.RWMutex
	tokens       map[string]time.Time // token -> expiry
	clients      map[int64]*clientsuccess.Client
	byExternalID map[string]map[int64]struct{} // lower-cased client externalId -> client ids
	contacts     map[int64]*contactRec
	byClient     map[int64]map[int64]*contactRec
	search       *trigramIndex // over every contact's contactRec.hay
	statuses     []clientsuccess.Status
	customFields []clientsuccess.CustomField
	nextClient   int64
	nextContact  int64

	cmu     sync.Mutex // guards the counters
	calls   int
	byRoute map[string]int
	writes  int
	logins  int
}

// contactRec is a stored contact with what the search needs precomputed.
type contactRec struct {
	c   clientsuccess.Contact
	hay string // lower-cased email, first and last name, separated by NULs: what the search matches
}

// DefaultStatuses are the client statuses the API answers.
func DefaultStatuses() []clientsuccess.Status {
	return []clientsuccess.Status{
		{ID: 1, Code: "A", Description: "Active"},
		{ID: 2, Code: "I", Description: "Inactive"},
		{ID: 3, Code: "F", Description: "Trial"},
		{ID: 4, Code: "T", Description: "Terminated"},
	}
}

// New returns an empty fake with the default client statuses.
func New(opts Options) *Server {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	s := &Server{
		opts:         opts,
		faults:       faults.New(),
		limit:        faults.NewWindow(opts.RequestsPerSecond, time.Second),
		mux:          http.NewServeMux(),
		tokens:       map[string]time.Time{},
		clients:      map[int64]*clientsuccess.Client{},
		byExternalID: map[string]map[int64]struct{}{},
		contacts:     map[int64]*contactRec{},
		byClient:     map[int64]map[int64]*contactRec{},
		search:       newTrigramIndex(),
		statuses:     DefaultStatuses(),
		nextClient:   firstClientID,
		nextContact:  firstContactID,
		byRoute:      map[string]int{},
	}
	s.route("POST /v1/auth", false, s.postAuth)
	s.route("GET /v1/clients", true, s.getClients)
	s.route("POST /v1/clients", true, s.postClient)
	s.route("GET /v1/clients/{id}", true, s.getClient)
	s.route("PUT /v1/clients/{id}", true, s.putClient)
	s.route("GET /v1/client-statuses", true, s.getStatuses)
	s.route("GET /v1/clients/{cid}/contacts", true, s.getContacts)
	s.route("POST /v1/clients/{cid}/contacts", true, s.postContact)
	s.route("GET /v1/clients/{cid}/contacts/{id}/details", true, s.getContact)
	s.route("PUT /v1/clients/{cid}/contacts/{id}/details", true, s.putContact)
	s.route("DELETE /v1/clients/{cid}/contacts/{id}", true, s.deleteContact)
	s.route("GET /v1/contacts", true, s.findContact)
	s.route("GET /v1/contacts/search", true, s.searchContacts)
	s.route("GET /v1/contact-custom-fields", true, s.getCustomFields)
	return s
}

// Faults is the fault injector every route consults first.
func (s *Server) Faults() *faults.Injector { return s.faults }

// ServeHTTP serves the API under /v1.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.count("")
		writeJSON(w, http.StatusNotFound, userMessage("Not found: "+r.Method+" "+r.URL.Path))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// route registers h for pattern behind the fault injector, the rate limit and (when auth) the
// token check.
func (s *Server) route(pattern string, auth bool, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.count(pattern)
		if status := s.faults.Before(r.Context(), pattern); status != 0 {
			s.fault(w, r, auth, status)
			return
		}
		if ok, _ := s.limit.Allow(); !ok {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, userMessage("Too many requests"))
			return
		}
		if auth && !s.validToken(r.Header.Get("Authorization")) {
			invalidToken(w, r)
			return
		}
		h(w, r)
	})
}

// fault answers an injected failure the way the API answers that status.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, auth bool, status int) {
	switch {
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(maintenancePage))
	case status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, status, userMessage("Too many requests"))
	case status == http.StatusUnauthorized && auth:
		invalidToken(w, r)
	case status == http.StatusUnauthorized:
		writeJSON(w, status, map[string]string{"code": "Unauthorized", "message": ""})
	default:
		writeJSON(w, status, userMessage(fmt.Sprintf("Injected failure (HTTP %d)", status)))
	}
}

// maintenancePage is what ClientSuccess answers, with a 5xx, while it is down for maintenance.
const maintenancePage = `<!DOCTYPE html>
<html>
<head><title>ClientSuccess - Scheduled Maintenance</title>
<style>body { font-family: sans-serif; color: #333; } .box { margin: 10% auto; width: 40em; }</style>
</head>
<body><div class="box">
<h1>We&rsquo;ll be right back</h1>
<p>ClientSuccess is undergoing scheduled maintenance to improve your experience. We expect to be
back online shortly. Thank you for your patience while we make these improvements; if you have any
questions in the meantime please contact our support team, who will be happy to help you out.</p>
</div></body>
</html>
`

// invalidToken is the API's answer to a missing, unknown or expired token. Like the API, it echoes
// the presented token.
func invalidToken(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusUnauthorized, map[string]string{
		"error": "invalid_token", "error_description": r.Header.Get("Authorization"),
	})
}

// postAuth logs in with JSON or form credentials.
func (s *Server) postAuth(w http.ResponseWriter, r *http.Request) {
	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			writeJSON(w, http.StatusBadRequest, userMessage("Malformed form body"))
			return
		}
		creds.Username, creds.Password = r.PostFormValue("username"), r.PostFormValue("password")
	default:
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&creds); err != nil {
			writeJSON(w, http.StatusBadRequest, userMessage("Malformed JSON body"))
			return
		}
	}
	userOK := subtle.ConstantTimeCompare([]byte(creds.Username), []byte(s.opts.Username)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(creds.Password), []byte(s.opts.Password)) == 1
	if !userOK || !passOK {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "Unauthorized", "message": ""})
		return
	}
	tok := newUUID()
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(s.opts.TokenTTL)
	s.mu.Unlock()
	s.cmu.Lock()
	s.logins++
	s.cmu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int64(s.opts.TokenTTL / time.Second),
	})
}

// validToken reports whether the Authorization header is exactly a live token (bare, no "Bearer").
func (s *Server) validToken(header string) bool {
	if header == "" {
		return false
	}
	s.mu.RLock()
	exp, ok := s.tokens[header]
	s.mu.RUnlock()
	return ok && time.Now().Before(exp)
}

// ExpireTokens invalidates every token issued so far: the next call with one is answered 401
// invalid_token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func (s *Server) count(route string) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.calls++
	if route != "" {
		s.byRoute[route]++
	}
}

func (s *Server) wrote() {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.writes++
}

// Calls is the number of requests received, whatever their answer.
func (s *Server) Calls() int {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.calls
}

// CallsByRoute counts the requests received per route pattern, e.g. "GET /v1/clients/{cid}/contacts".
func (s *Server) CallsByRoute() map[string]int {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	out := make(map[string]int, len(s.byRoute))
	for k, v := range s.byRoute {
		out[k] = v
	}
	return out
}

// Writes is the number of successful POST, PUT and DELETE calls on clients and contacts (logins
// not included).
func (s *Server) Writes() int {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.writes
}

// Logins is the number of successful logins (tokens issued).
func (s *Server) Logins() int {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.logins
}

// ResetCounters zeroes Calls, CallsByRoute, Writes and Logins. The fault injector keeps its own counts.
func (s *Server) ResetCounters() {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.calls, s.writes, s.logins = 0, 0, 0
	clear(s.byRoute)
}

func userMessage(msg string) map[string]string { return map[string]string{"userMessage": msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sortedIDs returns the keys of m in ascending order.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func lower(s string) string { return strings.ToLower(s) }
