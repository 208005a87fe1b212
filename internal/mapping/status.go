// Package mapping holds the pure rules that carry values between HubSpot and ClientSuccess: the
// case-safe resolution of enumeration values and statuses, and the field mapping file. It does no
// I/O, so workflows and start-up checks can call it directly and tests can cover it in tables.
package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Option is one allowed value of a HubSpot enumeration property. HubSpot accepts a write only
// with Value, exactly (case-sensitive, no surrounding spaces).
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Status is a ClientSuccess status, such as {1, "A", "Active"}. ClientSuccess matches them
// case-insensitively.
type Status struct {
	ID          int    `json:"id"`
	Code        string `json:"code"`
	Description string `json:"description"`
}

// ErrUnknownValue marks a value that has no counterpart on the other side. It is an outcome to
// report, never a value to send (HubSpot would answer 400 INVALID_OPTION).
var ErrUnknownValue = errors.New("unknown value")

// UnknownValueError names the value, where it was going, and what is allowed there.
type UnknownValueError struct {
	Target  string   // e.g. `HubSpot property "cs_status"` or "ClientSuccess status"
	Value   string   // the value as received, clipped
	Allowed []string // the allowed values, in the order the system lists them
	Reason  string   // "no match" or "ambiguous"
}

func (e *UnknownValueError) Error() string {
	quoted := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		quoted[i] = strconv.Quote(a)
	}
	what := "is not one of"
	if e.Reason == "ambiguous" {
		what = "matches more than one of"
	}
	return fmt.Sprintf("%s: %q %s the allowed values [%s]", e.Target, e.Value, what, strings.Join(quoted, ", "))
}

func (e *UnknownValueError) Unwrap() error { return ErrUnknownValue }

// maxQuoted bounds a value quoted in an error, so a runaway value does not fill history.
const maxQuoted = 80

// normalize is the comparison form: surrounding spaces removed. Case is compared with
// strings.EqualFold (Unicode simple folding), not by lowering, so "ǅ" and "ǆ" agree too.
func normalize(s string) string { return strings.TrimSpace(s) }

// ResolveOption finds the option of a HubSpot enumeration property that value stands for and
// returns its exact Value, the only form HubSpot accepts. Matching ignores case and surrounding
// spaces and tries option values first, then labels; an exact value match always wins. An empty
// (or all-space) value resolves to "", which clears the property. A value that matches no option,
// or two options equally well, is an *UnknownValueError naming the value and the allowed options.
func ResolveOption(property string, options []Option, value string) (string, error) {
	v := normalize(value)
	if v == "" {
		return "", nil
	}
	for _, o := range options {
		if o.Value == v {
			return o.Value, nil
		}
	}
	for _, field := range []func(Option) string{
		func(o Option) string { return o.Value },
		func(o Option) string { return o.Label },
	} {
		var found []string
		for _, o := range options {
			if strings.EqualFold(normalize(field(o)), v) && !contains(found, o.Value) {
				found = append(found, o.Value)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
			continue
		default:
			return "", optionError(property, options, value, "ambiguous")
		}
	}
	return "", optionError(property, options, value, "no match")
}

func optionError(property string, options []Option, value, reason string) error {
	allowed := make([]string, len(options))
	for i, o := range options {
		allowed[i] = o.Value
	}
	return &UnknownValueError{Target: fmt.Sprintf("HubSpot property %q", property), Value: clip(value), Allowed: allowed, Reason: reason}
}

// ResolveStatus finds the ClientSuccess status a value read from HubSpot stands for, ignoring
// case and surrounding spaces, by description first, then by code. An empty value gives ok false
// and no error: there is no status to set. No match, or two statuses equally good, is an
// *UnknownValueError that lists the statuses' descriptions.
func ResolveStatus(statuses []Status, value string) (s Status, ok bool, err error) {
	v := normalize(value)
	if v == "" {
		return Status{}, false, nil
	}
	for _, field := range []func(Status) string{
		func(s Status) string { return s.Description },
		func(s Status) string { return s.Code },
	} {
		var found []Status
		for _, s := range statuses {
			if strings.EqualFold(normalize(field(s)), v) {
				found = append(found, s)
			}
		}
		switch len(found) {
		case 1:
			return found[0], true, nil
		case 0:
			continue
		default:
			return Status{}, false, statusError(statuses, value, "ambiguous")
		}
	}
	return Status{}, false, statusError(statuses, value, "no match")
}

func statusError(statuses []Status, value, reason string) error {
	allowed := make([]string, len(statuses))
	for i, s := range statuses {
		allowed[i] = s.Description
	}
	return &UnknownValueError{Target: "ClientSuccess status", Value: clip(value), Allowed: allowed, Reason: reason}
}

// StatusToHubSpot turns a ClientSuccess status id into the exact option value of a HubSpot
// enumeration property: the status's description is resolved against the options, then its
// code. Id 0 (no status) resolves to "", which clears the property. An id that is not among the
// statuses, or a status with no option, is an *UnknownValueError.
func StatusToHubSpot(property string, options []Option, statuses []Status, statusID int) (string, error) {
	if statusID == 0 {
		return "", nil
	}
	for _, s := range statuses {
		if s.ID != statusID {
			continue
		}
		v, err := ResolveOption(property, options, s.Description)
		if err == nil && v == "" && strings.TrimSpace(s.Code) != "" {
			// A status without a description is known by its code.
			return ResolveOption(property, options, s.Code)
		}
		if errors.Is(err, ErrUnknownValue) && strings.TrimSpace(s.Code) != "" {
			if byCode, codeErr := ResolveOption(property, options, s.Code); codeErr == nil && byCode != "" {
				return byCode, nil
			}
		}
		return v, err
	}
	return "", statusError(statuses, strconv.Itoa(statusID), "no match")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxQuoted {
		return s
	}
	return string(r[:maxQuoted]) + "…"
}
