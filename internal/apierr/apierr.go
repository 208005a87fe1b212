// Package apierr is the one error type both API clients return, so activities can decide
// retry or stop in one place, whichever system answered.
package apierr

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what went wrong, in the terms a retry decision needs.
type Kind string

const (
	NotFound    Kind = "not_found"    // the record does not exist (404, or a documented "none" answer)
	Validation  Kind = "validation"   // the request was rejected as invalid (400, 409, 417, 422); retrying will not help
	RateLimited Kind = "rate_limited" // 429; wait RetryAfter (or by policy) and try again
	Auth        Kind = "auth"         // 401/403 after any re-login: credentials or scopes are wrong
	Server      Kind = "server"       // 5xx, 423, maintenance pages: try again later
	Decode      Kind = "decode"       // a 2xx whose body could not be understood
	// Redirect is a 3xx: redirects are never followed, so credentials never reach another host,
	// port or scheme. Retrying will not help; the base URL is wrong (or someone is redirecting).
	Redirect Kind = "redirect"
)

// Error is an unsuccessful API answer. It never carries credentials.
type Error struct {
	System        string // "HubSpot" or "ClientSuccess"
	Kind          Kind
	StatusCode    int    // 0 when no HTTP answer was involved
	Method        string // HTTP method of the failed call
	Path          string // request path without query string
	Message       string // the API's own message, trimmed
	Category      string // HubSpot category such as VALIDATION_ERROR, when given
	CorrelationID string // HubSpot correlation id, for support tickets
	// RetryAfter is how long the API asked us to wait (Retry-After header), or 0 when it did not say.
	RetryAfter time.Duration
	// Policy is HubSpot's rate-limit policy name (DAILY, TEN_SECONDLY_ROLLING, SECONDLY), when given.
	Policy string
	// Details lists individual problems, such as each invalid property value.
	Details []string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s %s: %s", e.System, e.Method, e.Path, e.Kind)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Retryable reports whether trying the same call again later can succeed.
// A daily rate limit is not worth retrying within a run.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case RateLimited:
		return e.Policy != "DAILY"
	case Server:
		return true
	}
	return false
}

// KindOf returns the kind of the first *Error in err's chain, or "" when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Is reports whether err carries an *Error of kind k.
func Is(err error, k Kind) bool { return KindOf(err) == k }

// KindForStatus maps an HTTP status code to the kind both APIs mean by it.
func KindForStatus(status int) Kind {
	switch {
	case status == 404:
		return NotFound
	case status == 401 || status == 403:
		return Auth
	case status == 429:
		return RateLimited
	case status == 423 || status >= 500:
		return Server
	case status >= 300 && status < 400:
		return Redirect
	case status >= 400:
		return Validation
	}
	return ""
}
