// Package hubspotfake is a stateful in-process fake of the parts of HubSpot's CRM API the sync
// uses: objects (contacts, companies, deals), search, properties and v4 associations, with
// HubSpot's merges (merge.go) and deletions (archive.go). It serves both path families
// (/crm/v3/…, /crm/v4/… and /crm/…/2026-03/…) from the same handlers, checks the bearer token,
// applies HubSpot's rate limits and validation rules, and injects faults through a
// faults.Injector so tests can exercise retries.
package hubspotfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cssync/cssync/internal/fakes/faults"
)

// Routes, named in their canonical numbered form (v3, or v4 for associations) whichever path
// family the request used. Use them with Faults().FailNth and CallsByRoute.
const (
	RouteListObjects           = "GET /crm/v3/objects/{type}"
	RouteGetObject             = "GET /crm/v3/objects/{type}/{id}"
	RouteUpdateObject          = "PATCH /crm/v3/objects/{type}/{id}"
	RouteBatchReadObjects      = "POST /crm/v3/objects/{type}/batch/read"
	RouteBatchUpdateObjects    = "POST /crm/v3/objects/{type}/batch/update"
	RouteSearch                = "POST /crm/v3/objects/{type}/search"
	RouteGetProperty           = "GET /crm/v3/properties/{type}/{name}"
	RouteCreateProperty        = "POST /crm/v3/properties/{type}"
	RouteListAssociations      = "GET /crm/v4/objects/{from}/{id}/associations/{to}"
	RouteBatchReadAssociations = "POST /crm/v4/associations/{from}/{to}/batch/read"
)

// DateVersion is the date-versioned path family the fake serves beside the numbered one.
const DateVersion = "2026-03"

// Limits the fake enforces, as HubSpot does.
const (
	maxBatchObjects      = 100
	maxBatchAssociations = 1000
	maxRequestBody       = 1 << 20
	tenSecondInterval    = 10 * time.Second
)

// Options configures a Server.
type Options struct {
	// Token is the bearer token every request must carry; a wrong or missing one is a 401.
	Token string
	// TenSecondLimit is the number of requests allowed per rolling 10 s; 0 means unlimited.
	TenSecondLimit int
	// SearchPerSecond is the number of search requests allowed per second; 0 means unlimited.
	SearchPerSecond int
}

// Server is the fake. It implements http.Handler and is safe for concurrent use.
type Server struct {
	opts   Options
	faults *faults.Injector
	tenSec *faults.Window
	search *faults.Window
	mux    *http.ServeMux

	mu      sync.Mutex
	objects map[string]*objectStore         // object type -> records
	defs    map[string]map[string]*Property // object type -> property name -> definition
	links   map[recordKey]map[string]map[string]*link
	calls   int
	writes  int
	byRoute map[string]int
	corr    uint64
	hooks   *webhooks // nil until SendWebhooks
}

// New returns an empty fake.
func New(opts Options) *Server {
	s := &Server{
		opts:    opts,
		faults:  faults.New(),
		tenSec:  faults.NewWindow(opts.TenSecondLimit, tenSecondInterval),
		search:  faults.NewWindow(opts.SearchPerSecond, time.Second),
		mux:     http.NewServeMux(),
		objects: map[string]*objectStore{},
		defs:    map[string]map[string]*Property{},
		links:   map[recordKey]map[string]map[string]*link{},
		byRoute: map[string]int{},
	}
	for _, t := range objectTypes {
		s.objects[t] = newObjectStore()
	}
	s.handle(RouteListObjects, s.listObjects)
	s.handle(RouteGetObject, s.getObject)
	s.handle(RouteUpdateObject, s.updateObject)
	s.handle(RouteBatchReadObjects, s.batchReadObjects)
	s.handle(RouteBatchUpdateObjects, s.batchUpdateObjects)
	s.handle(RouteSearch, s.searchObjects)
	s.handle(RouteGetProperty, s.getProperty)
	s.handle(RouteCreateProperty, s.createProperty)
	s.handle(RouteListAssociations, s.listAssociations)
	s.handle(RouteBatchReadAssociations, s.batchReadAssociations)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "No route for "+r.Method+" "+r.URL.Path, nil)
	})
	return s
}

// Faults is the fault injector every handler consults first, by route name.
func (s *Server) Faults() *faults.Injector { return s.faults }

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	s.mux.ServeHTTP(w, r)
}

// Writes is the number of successful write requests (PATCH, batch update, property create).
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Calls is the number of requests answered, errors included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// CallsByRoute counts the requests per route name (the Route constants).
func (s *Server) CallsByRoute() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.byRoute))
	for k, v := range s.byRoute {
		out[k] = v
	}
	return out
}

// ResetCounters zeroes Writes, Calls and CallsByRoute.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.writes = 0, 0
	s.byRoute = map[string]int{}
}

// handle registers h under route's numbered path and its date-versioned twin. Every request
// goes through faults, authentication and rate limits, in that order, before h.
func (s *Server) handle(route string, h http.HandlerFunc) {
	wrapped := func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.byRoute[route]++
		s.mu.Unlock()
		if status := s.faults.Before(r.Context(), route); status != 0 {
			s.writeFault(w, route, status)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.opts.Token || s.opts.Token == "" {
			s.writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
				"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", nil)
			return
		}
		if !s.allow(w, route) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		h(w, r)
	}
	s.mux.HandleFunc(route, wrapped)
	s.mux.HandleFunc(datedPattern(route), wrapped)
}

// datedPattern turns a numbered route into its date-versioned path.
func datedPattern(route string) string {
	for _, r := range []struct{ numbered, dated string }{
		{"/crm/v3/objects/", "/crm/objects/" + DateVersion + "/"},
		{"/crm/v4/objects/", "/crm/objects/" + DateVersion + "/"},
		{"/crm/v3/properties/", "/crm/properties/" + DateVersion + "/"},
		{"/crm/v4/associations/", "/crm/associations/" + DateVersion + "/"},
	} {
		if strings.Contains(route, r.numbered) {
			return strings.Replace(route, r.numbered, r.dated, 1)
		}
	}
	panic("hubspotfake: no date-versioned form for " + route)
}

// allow applies the ten-second limit to every request and the secondly limit to searches.
func (s *Server) allow(w http.ResponseWriter, route string) bool {
	ok, remaining := s.tenSec.Allow()
	if s.opts.TenSecondLimit > 0 {
		h := w.Header()
		h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(s.opts.TenSecondLimit))
		h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(int(tenSecondInterval/time.Millisecond)))
	}
	if !ok {
		s.writeRateLimited(w, false)
		return false
	}
	if route == RouteSearch {
		if ok, _ := s.search.Allow(); !ok {
			s.writeRateLimited(w, true)
			return false
		}
	}
	return true
}

// writeFault answers an injected fault the way HubSpot answers that status.
func (s *Server) writeFault(w http.ResponseWriter, route string, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		s.writeRateLimited(w, route == RouteSearch)
	case status == http.StatusServiceUnavailable:
		s.writeMaintenancePage(w)
	case status == http.StatusUnauthorized:
		s.writeError(w, status, "INVALID_AUTHENTICATION", "Authentication credentials not found.", nil)
	case status == http.StatusForbidden:
		s.writeError(w, status, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.", nil)
	case status == http.StatusNotFound:
		s.writeError(w, status, "OBJECT_NOT_FOUND", "resource not found", nil)
	case status == http.StatusLocked:
		s.writeError(w, status, "LOCKED", "The resource is locked; try again in a few seconds.", nil)
	case status >= 500:
		s.writeError(w, status, "INTERNAL_ERROR", "internal error", nil)
	default:
		s.writeError(w, status, "VALIDATION_ERROR", http.StatusText(status), nil)
	}
}

func (s *Server) writeRateLimited(w http.ResponseWriter, search bool) {
	if search {
		s.writeError(w, http.StatusTooManyRequests, "RATE_LIMITS", "You have reached your secondly limit.",
			map[string]any{"errorType": "RATE_LIMIT", "policyName": "SECONDLY"})
		return
	}
	s.writeError(w, http.StatusTooManyRequests, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.",
		map[string]any{"errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING", "groupName": "hubspotfake"})
}

const maintenancePage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>HubSpot is down for maintenance</title>
<style>body { font-family: sans-serif; margin: 4em; color: #33475b; }</style></head>
<body>
  <h1>We'll be back soon</h1>
  <p>HubSpot is undergoing scheduled maintenance. Your data is safe; please try again in a few minutes.</p>
  <p>Check <a href="https://status.hubspot.com">status.hubspot.com</a> for updates.</p>
</body>
</html>
`

func (s *Server) writeMaintenancePage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-HubSpot-Correlation-Id", s.correlationID())
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, maintenancePage)
}

// writeError answers HubSpot's JSON error envelope; extra adds fields such as subCategory or context.
func (s *Server) writeError(w http.ResponseWriter, status int, category, message string, extra map[string]any) {
	id := s.correlationID()
	body := map[string]any{"status": "error", "message": message, "correlationId": id, "category": category}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("X-HubSpot-Correlation-Id", id)
	writeJSON(w, status, body)
}

// validationError answers 400 VALIDATION_ERROR with a plain message.
func (s *Server) validationError(w http.ResponseWriter, format string, args ...any) {
	s.writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf(format, args...), nil)
}

func (s *Server) correlationID() string {
	s.mu.Lock()
	s.corr++
	n := s.corr
	s.mu.Unlock()
	return fmt.Sprintf("7f3c2a10-0000-4000-8000-%012x", n)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeBody reads a JSON request body, answering 400 (as HubSpot does) when it is not valid.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.validationError(w, "Could not read the request body: %v", err)
		return false
	}
	return s.decodeBytes(w, data, v)
}

func (s *Server) decodeBytes(w http.ResponseWriter, data []byte, v any) bool {
	if err := json.Unmarshal(data, v); err != nil {
		s.validationError(w, "Invalid input JSON: %v", err)
		return false
	}
	return true
}

func (s *Server) wrote() {
	s.mu.Lock()
	s.writes++
	s.mu.Unlock()
}
