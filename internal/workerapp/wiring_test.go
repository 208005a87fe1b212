package workerapp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/fx/fxevent"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/logging"
)

// fx's wiring events reach the log only with LOG_LEVEL=debug.
func TestWiringIsLoggedOnlyWhenAsked(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.New(config.Log{Level: "debug", Format: "text"}, &buf)
	event := &fxevent.Provided{ConstructorName: "newHubSpot()", OutputTypeNames: []string{"*hubspot.Client"}}

	wiringLogger(config.Log{Level: "info", Format: "text"}, logger).LogEvent(event)
	assert.Empty(t, buf.String())

	wiringLogger(config.Log{Level: "debug", Format: "text"}, logger).LogEvent(event)
	assert.Contains(t, buf.String(), "level=DEBUG msg=provided")
	assert.Contains(t, buf.String(), "component=fx")
}
