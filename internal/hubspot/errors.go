package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/httpcore"
)

// HubSpot's rate-limit policy names, as given in 429 bodies.
const (
	PolicyDaily       = "DAILY"
	PolicyTenSecondly = "TEN_SECONDLY_ROLLING"
	PolicySecondly    = "SECONDLY"
)

// How long to wait after a 429 or 423 when HubSpot does not say (it does not document
// Retry-After): the official Node client waits 1 s for search and 10 s for the ten-second limit.
const (
	searchRetryAfter = time.Second
	tenSecRetryAfter = 10 * time.Second
	lockedRetryAfter = 2 * time.Second
	maxMessageRunes  = 1000
)

// envelope is HubSpot's error body. Every field is optional.
type envelope struct {
	Status        string        `json:"status"`
	Message       string        `json:"message"`
	CorrelationID string        `json:"correlationId"`
	Category      string        `json:"category"`
	SubCategory   string        `json:"subCategory"`
	PolicyName    string        `json:"policyName"`
	ErrorType     string        `json:"errorType"`
	Errors        []errorDetail `json:"errors"`
}

// errorDetail is one entry of an envelope's errors list, and also one error of a 207 batch answer.
type errorDetail struct {
	Status      string          `json:"status"`
	Message     string          `json:"message"`
	Code        string          `json:"code"`
	Category    string          `json:"category"`
	SubCategory string          `json:"subCategory"`
	Context     json.RawMessage `json:"context"` // an object of string lists; read by contextValues
}

// contextValues reads one context entry, which HubSpot gives as a list of strings. A context
// of another shape reads as empty rather than failing the whole answer.
func (d errorDetail) contextValues(key string) []string {
	var ctx map[string]json.RawMessage
	if json.Unmarshal(d.Context, &ctx) != nil {
		return nil
	}
	raw, ok := ctx[key]
	if !ok {
		return nil
	}
	var list []flexString
	if err := json.Unmarshal(raw, &list); err == nil {
		out := make([]string, 0, len(list))
		for _, v := range list {
			out = append(out, string(v))
		}
		return out
	}
	var one flexString
	if err := json.Unmarshal(raw, &one); err == nil && one != "" {
		return []string{string(one)}
	}
	return nil
}

// propertyValidation is one entry of the list HubSpot embeds in "Property values were not valid: [...]".
type propertyValidation struct {
	IsValid bool   `json:"isValid"`
	Message string `json:"message"`
	Error   string `json:"error"`
	Name    string `json:"name"`
}

// apiError turns a non-2xx answer into an *apierr.Error. It never fails, whatever the body. The
// body reached it scrubbed of the token, and every text is scrubbed again before it is clipped.
func (c *Client) apiError(req request, hreq httpcore.Request, resp *httpcore.Response) *apierr.Error {
	e := c.core.Error(hreq, resp)
	e.CorrelationID = resp.Header.Get("X-HubSpot-Correlation-Id")
	var env envelope
	if trimmed := bytes.TrimSpace(resp.Body); len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil {
		e.Message = c.secrets.Clean(env.Message, maxMessageRunes)
		e.Category = env.Category
		if env.CorrelationID != "" {
			e.CorrelationID = env.CorrelationID
		}
		e.Policy = env.PolicyName
		e.Details = c.details(env)
		if e.Message == "" {
			e.Message = http.StatusText(resp.Status)
		}
	}

	if resp.Status == http.StatusTooManyRequests && e.Policy == "" {
		e.Policy = policyFromMessage(e.Message)
	}
	if e.RetryAfter == 0 {
		switch {
		case resp.Status == http.StatusTooManyRequests:
			switch {
			case e.Policy == PolicyDaily:
				// Not worth retrying within the run; Retryable() says so.
			case e.Policy == PolicySecondly || (e.Policy == "" && req.search):
				e.RetryAfter = searchRetryAfter
			default:
				e.RetryAfter = tenSecRetryAfter
			}
		case resp.Status == http.StatusLocked:
			e.RetryAfter = lockedRetryAfter
		}
	}
	return e
}

// details lists the individual problems of a validation answer: the property values HubSpot
// embeds in its message or, failing those, the entries of its errors list.
func (c *Client) details(env envelope) []string {
	var out []string
	if i := strings.Index(env.Message, "[{"); i >= 0 {
		var list []propertyValidation
		if err := json.Unmarshal([]byte(env.Message[i:]), &list); err == nil {
			for _, p := range list {
				d := p.Message
				if p.Name != "" {
					d = p.Name + ": " + d
				}
				if p.Error != "" {
					d += " (" + p.Error + ")"
				}
				out = append(out, c.secrets.Clean(d, maxMessageRunes))
			}
		}
	}
	if len(out) > 0 {
		return out // the errors list, when also given, repeats the same problems
	}
	for _, ed := range env.Errors {
		d := ed.Message
		if names := ed.contextValues("propertyName"); len(names) > 0 {
			d = strings.Join(names, ", ") + ": " + d
		}
		if ed.Code != "" {
			d += " (" + ed.Code + ")"
		}
		if strings.TrimSpace(d) != "" {
			out = append(out, c.secrets.Clean(d, maxMessageRunes))
		}
	}
	return out
}

// policyFromMessage recognises a rate-limit policy from a 429 message when the body names none.
func policyFromMessage(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "daily"):
		return PolicyDaily
	case strings.Contains(m, "ten_secondly") || strings.Contains(m, "ten secondly"):
		return PolicyTenSecondly
	case strings.Contains(m, "secondly"):
		return PolicySecondly
	}
	return ""
}

// flexString decodes a JSON string, number or boolean as its text, and null as "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty value")
	case string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case string(b) == "true" || string(b) == "false":
		*f = flexString(b)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or number, got %.40s", b)
		}
		*f = flexString(n.String())
	}
	return nil
}

// flexTime decodes an ISO 8601 timestamp; null, empty or unparseable values decode to the zero
// time, since no decision rests on them.
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = flexTime(parseTime(string(s)))
	return nil
}

// parseTime reads HubSpot's timestamp forms: RFC 3339 (with or without fraction) or epoch ms.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return ts
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}
