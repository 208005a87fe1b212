package config_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.yaml.in/yaml/v3"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/workflows"
)

// compose is the part of docker-compose.yml these checks read.
type compose struct {
	Services map[string]service `yaml:"services"`
}

type service struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	PullPolicy  string            `yaml:"pull_policy"`
	Environment map[string]string `yaml:"environment"`
	EnvFile     any               `yaml:"env_file"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Profiles    []string          `yaml:"profiles"`
	Restart     string            `yaml:"restart"`
	Volumes     []string          `yaml:"volumes"`
	NetworkMode string            `yaml:"network_mode"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", name))
	require.NoError(t, err)
	return raw
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	var c compose
	require.NoError(t, yaml.Unmarshal(repoFile(t, "docker-compose.yml"), &c))
	return c
}

// envFiles lists a service's env_file paths, whichever syntax names them.
func envFiles(t *testing.T, v any) []string {
	t.Helper()
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			switch e := e.(type) {
			case string:
				out = append(out, e)
			case map[string]any:
				out = append(out, fmt.Sprint(e["path"]))
			}
		}
		return out
	}
	t.Fatalf("env_file of an unexpected shape: %#v", v)
	return nil
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
	for _, name := range []string{"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
		"image", "worker", "fakes", "worker-demo", "demo-sync"} {
		require.Contains(t, c.Services, name, "service %s", name)
	}
	workers := []string{"worker", "worker-demo"}

	t.Run("one image is built, once, and reused", func(t *testing.T) {
		var builders []string
		for name, s := range c.Services {
			if s.Build != nil {
				builders = append(builders, name)
			}
		}
		require.Equal(t, []string{"image"}, builders)
		built := c.Services["image"].Image
		assert.ElementsMatch(t, []string{"production", "demo"}, c.Services["image"].Profiles, "built for either profile")
		for _, name := range append(workers, "fakes", "demo-sync") {
			assert.Equal(t, built, c.Services[name].Image, name)
			assert.Equal(t, "never", c.Services[name].PullPolicy, "service %s runs the image built here; it is never pulled", name)
		}
	})

	t.Run("images are pinned", func(t *testing.T) {
		built := c.Services["image"].Image
		for name, s := range c.Services {
			if s.Image == built {
				continue // built from this repository
			}
			require.Regexp(t, pinned, s.Image, "service %s: pin its image to an explicit version", name)
		}
		from := regexp.MustCompile(`(?m)^FROM golang:(\S+)`).FindSubmatch(repoFile(t, "Dockerfile"))
		require.NotNil(t, from)
		assert.Regexp(t, `^[0-9]+\.[0-9]+\.[0-9]+-`, string(from[1]), "the Go toolchain image names a patch version")
	})

	t.Run("every setting reaches the worker through env_file", func(t *testing.T) {
		w := c.Services["worker"]
		assert.Equal(t, []string{".env"}, envFiles(t, w.EnvFile))
		wired := map[string]bool{"TEMPORAL_ADDRESS": true, "HEALTH_ADDRESS": true, "METRICS_ADDRESS": true}
		for k := range w.Environment {
			assert.True(t, wired[k], "worker sets %s itself, which would override .env", k)
		}
	})

	t.Run("worker environment matches the configuration", func(t *testing.T) {
		all, required := map[string]bool{}, map[string]bool{}
		envTags(reflect.TypeOf(config.Worker{}), all, required)
		for _, name := range workers {
			env := c.Services[name].Environment
			require.NotEmpty(t, env, name)
			for k := range env {
				require.True(t, all[k], "service %s sets %s, which the worker does not read", name, k)
			}
			require.Contains(t, env, "METRICS_ADDRESS", name)
		}
		for k := range required {
			require.Contains(t, c.Services["worker-demo"].Environment, k, "the demo worker must set the required %s", k)
		}
	})

	t.Run("workers report readiness and do not restart forever", func(t *testing.T) {
		for _, name := range workers {
			s := c.Services[name]
			require.NotNil(t, s.Healthcheck, name)
			assert.Equal(t, []string{"CMD", "/usr/local/bin/worker", "-health"}, s.Healthcheck.Test, name)
			assert.Equal(t, ":8080", s.Environment["HEALTH_ADDRESS"], "%s: the health check probes HEALTH_ADDRESS", name)
			assert.Regexp(t, `^on-failure:[1-9]$`, s.Restart,
				"%s: a worker that exits on a misconfiguration is restarted a few times, then left stopped", name)
		}
	})

	t.Run("the mapping file is mounted where FIELD_MAPPING_FILE can name it", func(t *testing.T) {
		assert.Contains(t, c.Services["worker"].Volumes, "./deploy/mapping.yaml:/etc/cssync/mapping.yaml:ro")
		_, err := mapping.Parse(repoFile(t, filepath.Join("deploy", "mapping.yaml")))
		require.NoError(t, err)
		assert.Contains(t, string(repoFile(t, ".env.example")), "FIELD_MAPPING_FILE=/etc/cssync/mapping.yaml")
	})

	t.Run("the demo reaches its fakes on loopback and syncs the example", func(t *testing.T) {
		demo := c.Services["worker-demo"]
		assert.Equal(t, "service:fakes", demo.NetworkMode, "plain http is allowed to loopback hosts only")
		for _, k := range []string{"HUBSPOT_BASE_URL", "CLIENTSUCCESS_BASE_URL"} {
			assert.True(t, strings.HasPrefix(demo.Environment[k], "http://127.0.0.1:"), k)
		}
		assert.Equal(t, []string{"/usr/local/bin/starter", "contact", example.ContactID}, c.Services["demo-sync"].Entrypoint)
	})

	t.Run("the Dockerfile exposes the worker's default ports", func(t *testing.T) {
		expose := regexp.MustCompile(`(?m)^EXPOSE (.+)$`).FindSubmatch(repoFile(t, "Dockerfile"))
		require.NotNil(t, expose)
		var want []string
		for _, field := range []string{"HealthAddress", "MetricsAddress"} {
			f, _ := reflect.TypeOf(config.Worker{}).FieldByName(field)
			_, port, err := net.SplitHostPort(f.Tag.Get("envDefault"))
			require.NoError(t, err)
			want = append(want, port)
		}
		assert.Equal(t, want, strings.Fields(string(expose[1])))
	})

	t.Run("the production worker can be pointed at any Temporal from .env", func(t *testing.T) {
		all := map[string]bool{}
		envTags(reflect.TypeOf(config.Temporal{}), all, map[string]bool{})
		for k := range all {
			if strings.HasPrefix(k, "TEMPORAL_") && k != "TEMPORAL_TASK_QUEUE" {
				// Read from env_file unless the service sets it; then only as a default .env overrides.
				if v, set := c.Services["worker"].Environment[k]; set {
					require.True(t, strings.HasPrefix(v, "${"+k+":-"), "service worker: %s should come from .env, got %q", k, v)
				}
			}
		}
	})

	t.Run("the namespace gets the search attributes", func(t *testing.T) {
		script := strings.Join(c.Services["temporal-namespace"].Command, "\n")
		// The CLI pairs each --name with the --type after it (verified on CLI v1.5.1: a single
		// --type for several names creates only the first); creating them again is a no-op.
		require.Contains(t, script, "temporal operator search-attribute create -n $${NAMESPACE}")
		cliType := map[enumspb.IndexedValueType]string{enumspb.INDEXED_VALUE_TYPE_KEYWORD: "Keyword", enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList"}
		for name, typ := range workflows.SearchAttributeTypes() {
			require.Regexp(t, `--name `+name+` --type `+cliType[typ]+`\b`, script)
		}
	})
}

// TestDockerignore keeps history, secrets and build outputs out of the image's build context.
func TestDockerignore(t *testing.T) {
	entries := map[string]bool{}
	for _, line := range strings.Split(string(repoFile(t, ".dockerignore")), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			entries[line] = true
		}
	}
	for _, want := range []string{".git", ".env", "bin/", "artifacts/", "*.test", "/bench", "/demo"} {
		assert.True(t, entries[want], ".dockerignore must list %s", want)
	}
}

// TestEnvExampleNamesKnownVariables keeps .env.example in step with the configuration: every line
// names a variable the worker reads, and every variable it reads is there, set or commented.
func TestEnvExampleNamesKnownVariables(t *testing.T) {
	all, required := map[string]bool{}, map[string]bool{}
	envTags(reflect.TypeOf(config.Worker{}), all, required)
	named := map[string]bool{}
	for _, line := range strings.Split(string(repoFile(t, ".env.example")), "\n") {
		line = strings.TrimSpace(line)
		commented := strings.HasPrefix(line, "#")
		name, _, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), "=")
		if !ok || strings.ContainsAny(name, " .") {
			require.True(t, line == "" || commented, "line %q", line)
			continue
		}
		require.True(t, all[name], ".env.example names %s, which the worker does not read", name)
		named[name] = true
		if required[name] {
			require.False(t, commented, "%s is required: set it, not commented", name)
		}
	}
	for name := range all {
		require.True(t, named[name], ".env.example should show %s", name)
	}
}
