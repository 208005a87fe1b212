package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/config"
)

// What client.Dial answers when nothing listens, as the SDK words it (a plain error).
const grpcRefused = `failed reaching server: last connection error: connection error: desc = "transport: Error while dialing: ` +
	`dial tcp 127.0.0.1:7233: connect: connection refused"`

func TestLinePutsTheCauseFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, dialErr := net.Dial("tcp", addr)
	require.Error(t, dialErr)

	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"temporal unreachable", fmt.Errorf("connecting to Temporal at localhost:7233 (namespace default): %w", errors.New(grpcRefused)),
			"connection refused — connecting to Temporal at localhost:7233 (namespace default): dial tcp 127.0.0.1:7233"},
		{"net chain", fmt.Errorf("preflight: %w", dialErr), "connection refused — preflight: dial tcp " + addr},
		{"grpc status", errors.New(`rpc error: code = NotFound desc = Namespace nope is not found.`), "Namespace nope is not found."},
		{"a setting's own message", errors.New("configuration: HUBSPOT_BASE_URL must use https: credentials would cross the network"),
			"configuration: HUBSPOT_BASE_URL must use https: credentials would cross the network"},
		{"several lines", fmt.Errorf("start:\n%w", errors.New("no\nway")), "no way — start"},
	} {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, Line(c.err)) })
	}
	long := fmt.Errorf("%s: %w", strings.Repeat("context ", 100), errors.New("boom: it broke"))
	got := Line(long)
	assert.True(t, strings.HasPrefix(got, "it broke — "), got)
	assert.LessOrEqual(t, len([]rune(got)), 260)
}

func TestLoggerRendersErrorsOnOneLineCauseFirst(t *testing.T) {
	var buf bytes.Buffer
	logger := New(config.Log{Level: "info", Format: "json"}, &buf)
	logger.Debug("hidden")
	logger.Error("worker stopped", "error", fmt.Errorf("polling: %w", errors.New(grpcRefused)))
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line), buf.String())
	assert.Equal(t, "connection refused — polling: dial tcp 127.0.0.1:7233", line["error"])
	assert.Equal(t, 1, strings.Count(buf.String(), "\n"), "debug is below the level")

	buf.Reset()
	New(config.Log{Level: "debug", Format: "text"}, &buf).Debug("wiring", "Error", errors.New("plain"))
	assert.Equal(t, "level=DEBUG msg=wiring Error=plain", strings.TrimSpace(buf.String()[strings.Index(buf.String(), "level="):]))
}

type explainedErr struct{ err error }

func (e explainedErr) Error() string     { return "TLS: set TEMPORAL_TLS_CA_FILE: " + e.err.Error() }
func (e explainedErr) Unwrap() error     { return e.err }
func (e explainedErr) Diagnosis() string { return "TLS: set TEMPORAL_TLS_CA_FILE" }

// An error that explains itself comes first, however deep it sits and whatever it wraps.
func TestLinePutsADiagnosisFirst(t *testing.T) {
	err := fmt.Errorf("connecting to Temporal at h:7233: %w", explainedErr{errors.New("write: broken pipe")})
	require.Equal(t, "TLS: set TEMPORAL_TLS_CA_FILE — connecting to Temporal at h:7233", Line(err))
	require.Equal(t, "TLS: set TEMPORAL_TLS_CA_FILE", Line(explainedErr{errors.New("x")}))
}
