package apierr

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const maxSnippetScanned = 64 << 10

// MaxRetryAfter bounds the wait a Retry-After header can ask for.
const MaxRetryAfter = time.Hour

// RetryAfterHeader parses Retry-After as seconds or an HTTP date, at most MaxRetryAfter; 0 when
// absent or unusable.
func RetryAfterHeader(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		switch {
		case !(secs > 0): // negative, zero or NaN
			return 0
		case secs >= MaxRetryAfter.Seconds(): // also keeps 1e300 from overflowing
			return MaxRetryAfter
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, MaxRetryAfter)
		}
	}
	return 0
}

var (
	scriptOrStyle = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>`)
	htmlTag       = regexp.MustCompile(`(?s)<[^>]*>`)
)

// Snippet is a short, readable excerpt of a body that is not the API's error JSON, such as a
// maintenance page: tags removed, whitespace collapsed, at most 200 characters. A body that may
// echo a secret must be scrubbed between Text and Clip (see internal/httpcore), never after.
func Snippet(body []byte) string { return Clip(Text(body), MaxSnippetRunes) }

// MaxSnippetRunes is the length of a Snippet.
const MaxSnippetRunes = 200

// Text is the readable text of the first 64 KiB of a body: tags, scripts and styles removed,
// entities decoded, whitespace collapsed, invalid UTF-8 dropped.
func Text(body []byte) string {
	if len(body) > maxSnippetScanned {
		body = body[:maxSnippetScanned]
	}
	s := strings.ToValidUTF8(string(body), "")
	if strings.Contains(s, "<") {
		s = scriptOrStyle.ReplaceAllString(s, " ")
		s = htmlTag.ReplaceAllString(s, " ")
		s = html.UnescapeString(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// Clip cuts s to at most n runes, marking the cut with "...".
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-3])) + "..."
}
