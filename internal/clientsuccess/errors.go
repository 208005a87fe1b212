package clientsuccess

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cssync/cssync/internal/apierr"
)

const (
	maxMessageRunes   = 1000
	maxSnippetRunes   = 200
	maxSnippetScanned = 64 << 10
	redacted          = "[REDACTED]"
)

// errorBody is every shape of error body ClientSuccess is known to answer: {"userMessage":…} on
// 400/404/417/503, {"code":"Unauthorized","message":""} for bad credentials and
// {"error":"invalid_token","error_description":"<token>"} for an expired token.
type errorBody struct {
	UserMessage      string `json:"userMessage"`
	Message          string `json:"message"`
	Code             string `json:"code"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// apiError turns a non-2xx answer into an *apierr.Error. It never fails, whatever the body, and
// the message never carries the token (token is the one the request was sent with) or credentials.
func (a *API) apiError(req request, resp *http.Response, body []byte, token string) *apierr.Error {
	e := &apierr.Error{
		System:     System,
		Kind:       apierr.KindForStatus(resp.StatusCode),
		StatusCode: resp.StatusCode,
		Method:     req.method,
		Path:       a.errPath(req.path),
		RetryAfter: retryAfterHeader(resp.Header.Get("Retry-After")),
	}
	if e.Kind == "" {
		// An unexpected non-2xx (a stray redirect or 1xx): nothing to learn from it; try later.
		e.Kind = apierr.Server
	}

	var eb errorBody
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &eb) == nil {
		switch {
		case eb.Error == "invalid_token":
			// error_description is the rejected token itself: never repeat it.
			e.Message = "the access token was rejected (invalid_token)"
		case strings.TrimSpace(eb.UserMessage) != "":
			e.Message = eb.UserMessage
		case strings.TrimSpace(eb.Message) != "":
			e.Message = eb.Message
		case strings.TrimSpace(eb.ErrorDescription) != "":
			e.Message = eb.ErrorDescription
		case eb.Error != "":
			e.Message = eb.Error
		case eb.Code != "":
			e.Message = eb.Code
		}
		e.Message = clip(strings.TrimSpace(e.Message), maxMessageRunes)
	} else {
		e.Message = snippet(body)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.Message = a.scrub(e.Message, token)
	if req.path == "/auth" {
		e.Message = scrubValue(e.Message, a.username)
	}
	return e
}

// scrub removes the password and the given token (and the cached one) from a text that is about to
// leave the client, in case a server or proxy echoed them back.
func (a *API) scrub(s, token string) string {
	s = scrubValue(s, a.password)
	s = scrubValue(s, token)
	if cur := a.auth.peek(); cur != token {
		s = scrubValue(s, cur)
	}
	return s
}

func scrubValue(s, secret string) string {
	if secret == "" || !strings.Contains(s, secret) {
		return s
	}
	return strings.ReplaceAll(s, secret, redacted)
}

// scrubErr keeps err (and its chain) unless its text contains a secret.
func (a *API) scrubErr(err error, token string) error {
	msg := err.Error()
	if clean := a.scrub(msg, token); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Unwrap keeps errors.Is(err, context.DeadlineExceeded) and similar checks working.
func (e *scrubbedError) Unwrap() error { return e.err }

// maxRetryAfter bounds the wait a Retry-After header can ask for.
const maxRetryAfter = time.Hour

// retryAfterHeader parses Retry-After as seconds or an HTTP date, at most maxRetryAfter; 0 when
// absent or unusable.
func retryAfterHeader(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		switch {
		case !(secs > 0): // negative, zero or NaN
			return 0
		case secs >= maxRetryAfter.Seconds(): // also keeps 1e300 from overflowing
			return maxRetryAfter
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

var (
	scriptOrStyle = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>`)
	htmlTag       = regexp.MustCompile(`(?s)<[^>]*>`)
)

// snippet is a short, readable excerpt of a body that is not an error JSON, such as a maintenance
// page: tags removed, whitespace collapsed, at most 200 characters.
func snippet(body []byte) string {
	if len(body) > maxSnippetScanned {
		body = body[:maxSnippetScanned]
	}
	s := strings.ToValidUTF8(string(body), "")
	if strings.Contains(s, "<") {
		s = scriptOrStyle.ReplaceAllString(s, " ")
		s = htmlTag.ReplaceAllString(s, " ")
		s = html.UnescapeString(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	return clip(s, maxSnippetRunes)
}

// clip cuts s to at most n runes, marking the cut with "...".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-3])) + "..."
}
