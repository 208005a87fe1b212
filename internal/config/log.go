package config

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/caarlos0/env/v10"
)

// Log says how the worker and the starter log.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error. debug also shows the
	// dependency-injection wiring at start-up, which is off otherwise.
	Level string `env:"LOG_LEVEL" envDefault:"info"`
	// Format is json (one object a line, for log collectors) or text (key=value, for people).
	Format string `env:"LOG_FORMAT" envDefault:"json"`
}

// SlogLevel is Level for log/slog (a malformed value fails validation).
func (l Log) SlogLevel() slog.Level {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(l.Level))
	return lv
}

// Debug reports LOG_LEVEL=debug.
func (l Log) Debug() bool { return l.SlogLevel() <= slog.LevelDebug }

func (l Log) validate() error {
	switch strings.ToLower(l.Level) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("configuration: LOG_LEVEL must be debug, info, warn or error, got %q", l.Level)
	}
	switch l.Format {
	case "json", "text":
	default:
		return fmt.Errorf("configuration: LOG_FORMAT must be json or text, got %q", l.Format)
	}
	return nil
}

// LoadLog reads only the log settings, for the starter.
func LoadLog() (Log, error) {
	var l Log
	if err := parse(&l, env.ToMap(os.Environ())); err != nil {
		return Log{}, err
	}
	return l, l.validate()
}
