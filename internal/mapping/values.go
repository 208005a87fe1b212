package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cssync/cssync/internal/syncplan"
)

// Custom field values are compared and carried in one canonical text form per ClientSuccess
// type, so "42" in HubSpot and 42 in ClientSuccess are the same value, and "" means no value:
//
//	STRING  the text, without surrounding spaces
//	INTEGER a whole number in decimal ("42"; HubSpot's "42.0" is 42)
//	DECIMAL the shortest decimal form ("2.5")
//	BOOLEAN "true" or "false"
//	DATE    "YYYY-MM-DD" (HubSpot also sends midnight UTC as epoch milliseconds)

// ErrBadValue marks a value that cannot be carried as the other side's type. It is reported for
// the one field, never sent.
type ErrBadValue struct {
	Value string // clipped
	Type  string
	Why   string
}

func (e *ErrBadValue) Error() string {
	return fmt.Sprintf("%q is not a valid %s value (%s)", e.Value, e.Type, e.Why)
}

func badValue(v, typ, why string) error {
	return &ErrBadValue{Value: clip(v), Type: typ, Why: why}
}

// CanonicalFromHubSpot turns a HubSpot property value (always text) into the canonical form of
// a ClientSuccess custom field of type typ.
func CanonicalFromHubSpot(typ, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", nil
	}
	switch strings.ToUpper(typ) {
	case "STRING":
		if n := len([]rune(v)); n > syncplan.MaxFieldLength {
			return "", badValue(v, "STRING", fmt.Sprintf("%d characters, more than %d", n, syncplan.MaxFieldLength))
		}
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return "", badValue(v, "STRING", "control characters")
		}
		if !utf8.ValidString(v) {
			return "", badValue(v, "STRING", "not valid UTF-8")
		}
		return v, nil
	case "INTEGER":
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return strconv.FormatInt(i, 10), nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", badValue(v, "INTEGER", "not a number")
		}
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return "", badValue(v, "INTEGER", "not a whole number")
		}
		return strconv.FormatInt(int64(f), 10), nil
	case "DECIMAL":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", badValue(v, "DECIMAL", "not a number")
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case "BOOLEAN":
		switch strings.ToLower(v) {
		case "true":
			return "true", nil
		case "false":
			return "false", nil
		}
		return "", badValue(v, "BOOLEAN", "not true or false")
	case "DATE":
		t, why := parseDate(v)
		switch {
		case why != "":
			return "", badValue(v, "DATE", why)
		case t.Year() < 0 || t.Year() > 9999: // would not print as YYYY-MM-DD
			return "", badValue(v, "DATE", "outside years 0000 to 9999")
		}
		return t.Format("2006-01-02"), nil
	}
	return "", badValue(v, typ, "unknown ClientSuccess field type")
}

// parseDate reads a date as YYYY-MM-DD, an RFC 3339 time (its UTC day) or epoch milliseconds at
// midnight UTC; why says what is wrong otherwise.
func parseDate(v string) (t time.Time, why string) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, ""
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), ""
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		t := time.UnixMilli(ms).UTC()
		if !t.Equal(t.Truncate(24 * time.Hour)) {
			return t, "epoch milliseconds not at midnight UTC"
		}
		return t, ""
	}
	return time.Time{}, "not YYYY-MM-DD"
}

// CanonicalFromClientSuccess turns a ClientSuccess custom field value (raw JSON: a string, a
// number, a boolean or null) into the canonical form of its type. Numbers and booleans sent as
// strings are read too.
func CanonicalFromClientSuccess(typ string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", badValue(string(raw), typ, "malformed JSON string")
		}
	} else {
		s = string(raw) // a JSON number or boolean is its own text
	}
	if strings.ToUpper(typ) == "STRING" {
		// ClientSuccess's own text is taken as it is (no length rule: it is not being sent).
		return strings.TrimSpace(s), nil
	}
	return CanonicalFromHubSpot(typ, s)
}

// ClientSuccessValue is the JSON value ClientSuccess stores for a canonical value of type typ:
// numbers and booleans as JSON numbers and booleans, text and dates as strings, "" as null.
func ClientSuccessValue(typ, canonical string) json.RawMessage {
	if canonical == "" {
		return json.RawMessage("null")
	}
	switch strings.ToUpper(typ) {
	case "INTEGER", "DECIMAL", "BOOLEAN":
		return json.RawMessage(canonical)
	}
	b, _ := json.Marshal(canonical)
	return b
}
