package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every subcommand in the usage text has a function, and every function is in the usage.
func TestUsageListsEveryCommand(t *testing.T) {
	for name := range commands {
		assert.Contains(t, usage, "starter "+name+" ", name)
	}
	assert.Equal(t, len(commands), strings.Count(usage, "\n  starter "))
}

func TestArgumentsAreCheckedBeforeConnecting(t *testing.T) {
	_, err := contact(flag.NewFlagSet("contact", flag.ContinueOnError), nil)
	assert.Equal(t, usageError("contact takes one HubSpot contact id"), err)
	act, err := contact(flag.NewFlagSet("contact", flag.ContinueOnError), []string{"51"})
	require.NoError(t, err)
	assert.NotNil(t, act)
	_, err = batch(flag.NewFlagSet("batch", flag.ContinueOnError), []string{"-concurrency", "many"})
	assert.ErrorContains(t, err, `invalid value "many" for flag -concurrency`)
}

// A manual batch is full unless told; the schedule is incremental unless told.
func TestBatchFlagDefaults(t *testing.T) {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	in := batchFlags(fs, false)
	require.NoError(t, fs.Parse([]string{"-concurrency", "7"}))
	assert.False(t, in.Incremental)
	assert.Equal(t, 7, in.Concurrency)
	fs = flag.NewFlagSet("schedule", flag.ContinueOnError)
	in = batchFlags(fs, true)
	require.NoError(t, fs.Parse(nil))
	assert.True(t, in.Incremental)
}
