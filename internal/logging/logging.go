// Package logging makes the loggers of the worker and the starter, for people as much as for
// collectors: JSON or text, a chosen level, and every error on one line whose first words are its
// cause.
package logging

import (
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"

	"google.golang.org/grpc/status"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/config"
)

// New is a logger writing to w as cfg says.
func New(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel(), ReplaceAttr: errorsCauseFirst}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// errorsCauseFirst renders every error attribute with Line, whoever logs it (the Temporal SDK
// logs activity and poller errors as attributes too).
func errorsCauseFirst(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindAny {
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, Line(err))
		}
	}
	return a
}

// maxContextRunes bounds what Line says after the cause.
const maxContextRunes = 240

var (
	// grpcStatus is the prefix of a gRPC status error's text; desc = "…" nests inner ones.
	grpcStatus = regexp.MustCompile(`rpc error: code = \w+ desc = |desc = "?`)
	// noise are segments of transport errors that say nothing a reader can act on.
	noise = map[string]bool{
		"connect": true, "transport": true, "connection error": true, "last connection error": true,
		"Error while dialing": true, "failed reaching server": true,
	}
)

// Line renders err on one line, root cause first, then what was being done, e.g.
// "connection refused — connecting to Temporal at localhost:7233: dial tcp 127.0.0.1:7233".
// An error that wraps nothing (a configuration message naming its setting) is kept as it is.
func Line(err error) string {
	if err == nil {
		return ""
	}
	full := flatten(err.Error())
	var d diagnosis
	if errors.As(err, &d) {
		// An error that explains itself is the cause, whatever it wraps.
		context := strings.TrimSuffix(strings.TrimSpace(strings.Replace(full, flatten(d.Error()), "", 1)), ":")
		if context == "" {
			return d.Diagnosis()
		}
		return d.Diagnosis() + " — " + apierr.Clip(context, maxContextRunes)
	}
	root := err
	for next := unwrapFirst(root); next != nil; next = unwrapFirst(root) {
		root = next
	}
	rootText := flatten(root.Error())
	if root == err && !fromGRPC(root) {
		return full
	}
	var segs []string
	for _, s := range strings.Split(grpcStatus.ReplaceAllString(rootText, ""), ": ") {
		if s = strings.Trim(s, ` "`); s != "" && !noise[s] {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return full
	}
	cause := segs[len(segs)-1]
	var context []string
	outer := strings.Replace(full, rootText, "", 1)
	for _, s := range append(strings.Split(outer, ": "), segs[:len(segs)-1]...) {
		if s = strings.Trim(s, ` :"`); s != "" && !noise[s] {
			context = append(context, s)
		}
	}
	if len(context) == 0 {
		return cause
	}
	return cause + " — " + apierr.Clip(strings.Join(context, ": "), maxContextRunes)
}

// fromGRPC reports an error a gRPC call answered: its text is a chain of its own, cause last.
func fromGRPC(err error) bool {
	if _, ok := err.(interface{ Status() *status.Status }); ok { // Temporal's service errors
		return true
	}
	return strings.HasPrefix(err.Error(), "rpc error:")
}

// diagnosis is an error that knows its own explanation (temporaltls diagnoses connection failures).
type diagnosis interface {
	error
	Diagnosis() string
}

// unwrapFirst is errors.Unwrap, following the first of several wrapped errors.
func unwrapFirst(err error) error {
	if many, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := many.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
		return nil
	}
	return errors.Unwrap(err)
}

// flatten puts a text on one line.
func flatten(s string) string { return strings.Join(strings.Fields(s), " ") }
