package config_test

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/workflows"
)

// compose is the part of docker-compose.yml these checks read.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Environment map[string]string `yaml:"environment"`
		Command     []string          `yaml:"command"`
		Profiles    []string          `yaml:"profiles"`
	} `yaml:"services"`
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	require.NoError(t, err)
	var c compose
	require.NoError(t, yaml.Unmarshal(raw, &c))
	return c
}

// envTags lists the variables config.Worker reads, and which of them are required.
func envTags(t reflect.Type, all, required map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct {
			envTags(f.Type, all, required)
			continue
		}
		tag, ok := f.Tag.Lookup("env")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		all[parts[0]] = true
		for _, p := range parts[1:] {
			if p == "required" {
				required[parts[0]] = true
			}
		}
	}
}

// A pinned image names an explicit version, such as postgres:16.4 or temporalio/ui:2.49.1.
var pinned = regexp.MustCompile(`^[a-z0-9./_-]+:v?[0-9]+(\.[0-9]+)+$`)

func TestComposeFile(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "worker", "fakes", "worker-demo"} {
		require.Contains(t, c.Services, name, "service %s", name)
	}

	t.Run("images are pinned", func(t *testing.T) {
		for name, s := range c.Services {
			if s.Build != nil {
				continue // built from this repository
			}
			require.Regexp(t, pinned, s.Image, "service %s: pin its image to an explicit version", name)
		}
	})

	t.Run("worker environment matches the configuration", func(t *testing.T) {
		all, required := map[string]bool{}, map[string]bool{}
		envTags(reflect.TypeOf(config.Worker{}), all, required)
		for _, name := range []string{"worker", "worker-demo"} {
			env := c.Services[name].Environment
			require.NotEmpty(t, env, name)
			for k := range env {
				require.True(t, all[k], "service %s sets %s, which the worker does not read", name, k)
			}
			for k := range required {
				require.Contains(t, env, k, "service %s must set the required %s", name, k)
			}
			require.Contains(t, env, "METRICS_ADDRESS", name)
		}
	})

	t.Run("the production worker can be pointed at any Temporal from .env", func(t *testing.T) {
		all := map[string]bool{}
		envTags(reflect.TypeOf(config.Temporal{}), all, map[string]bool{})
		for k := range all {
			if strings.HasPrefix(k, "TEMPORAL_") && k != "TEMPORAL_TASK_QUEUE" {
				v := c.Services["worker"].Environment[k]
				require.True(t, strings.HasPrefix(v, "${"+k+":-"), "service worker: %s should come from .env, got %q", k, v)
			}
		}
	})

	t.Run("the namespace gets the search attributes", func(t *testing.T) {
		script := strings.Join(c.Services["temporal-namespace"].Command, "\n")
		// The CLI pairs each --name with the --type after it (verified on CLI v1.5.1: a single
		// --type for several names creates only the first); creating them again is a no-op.
		require.Contains(t, script, "temporal operator search-attribute create -n default")
		cliType := map[enumspb.IndexedValueType]string{enumspb.INDEXED_VALUE_TYPE_KEYWORD: "Keyword", enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList"}
		for name, typ := range workflows.SearchAttributeTypes() {
			require.Regexp(t, `--name `+name+` --type `+cliType[typ]+`\b`, script)
		}
	})
}

// TestEnvExampleNamesKnownVariables keeps .env.example in step with the configuration.
func TestEnvExampleNamesKnownVariables(t *testing.T) {
	all, required := map[string]bool{}, map[string]bool{}
	envTags(reflect.TypeOf(config.Worker{}), all, required)
	f, err := os.Open(filepath.Join("..", "..", ".env.example"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		require.True(t, ok, "line %q", line)
		require.True(t, all[name], ".env.example names %s, which the worker does not read", name)
	}
	require.NoError(t, sc.Err())
}
