package config

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func setEnv(t *testing.T, kv map[string]string) {
	for k, v := range kv {
		t.Setenv(k, v)
	}
}

var complete = map[string]string{
	"HUBSPOT_TOKEN": "pat-secret", "CLIENTSUCCESS_USERNAME": "u@x.com", "CLIENTSUCCESS_PASSWORD": "cs-secret",
}

func TestLoadWorkerDefaultsAndUnsetsSecrets(t *testing.T) {
	setEnv(t, complete)
	c, err := LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "localhost:7233", c.Temporal.Address)
	require.Equal(t, "clientsuccess-sync", c.Temporal.TaskQueue)
	require.Equal(t, "2026-03", c.HubSpot.APIFamily)
	require.Equal(t, "sync_w_clientsuccess_contact", c.HubSpot.SyncProperty)
	require.Equal(t, "associated_deal_id", c.HubSpot.DealIDProperty)
	require.Equal(t, "property", c.HubSpot.DealResolver, "the classic resolver stays the default")
	require.Equal(t, "newest", c.HubSpot.DealPreference)
	require.False(t, c.HubSpot.WriteBack())
	require.Empty(t, c.HubSpot.DealSyncProperty, "the checkbox maintainer is off by default")
	require.Equal(t, "pat-secret", c.HubSpot.Token)
	require.Equal(t, 9.0, c.HubSpot.RequestsPerSecond)
	require.Equal(t, 4.0, c.HubSpot.SearchRequestsPerSecond)
	require.Equal(t, "127.0.0.1:8080", c.HealthAddress, "loopback unless told otherwise")
	require.Equal(t, "127.0.0.1:9090", c.MetricsAddress)
	require.Empty(t, c.CodecServer.Address, "no codec server without a token")
	_, stillSet := os.LookupEnv("HUBSPOT_TOKEN")
	require.False(t, stillSet, "the token is removed from the environment once read")
	_, stillSet = os.LookupEnv("CLIENTSUCCESS_PASSWORD")
	require.False(t, stillSet)
}

func TestLoadWorkerNamesWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		name, variable, value string
	}{
		{"missing token", "HUBSPOT_TOKEN", ""},
		{"missing password", "CLIENTSUCCESS_PASSWORD", ""},
		{"missing username", "CLIENTSUCCESS_USERNAME", ""},
		{"bad family", "HUBSPOT_API_FAMILY", "v9"},
		{"blank property", "HUBSPOT_SYNC_PROPERTY", "  "},
		{"negative rate", "CLIENTSUCCESS_REQUESTS_PER_SECOND", "-1"},
		{"rate not a number", "HUBSPOT_REQUESTS_PER_SECOND", "fast"},
		{"unknown resolver", "DEAL_RESOLVER", "hubspot"},
		{"unknown preference", "DEAL_PREFERENCE", "latest"},
		{"write-back is not a bool", "WRITE_BACK_DEAL_ID", "yes please"},
		{"write-back without associations", "WRITE_BACK_DEAL_ID", "true"},
		{"deal checkbox with spaces", "HUBSPOT_DEAL_SYNC_PROPERTY", " sync "},
		{"unknown client source", "CLIENT_SOURCE", "tickets"},
		{"client status property with spaces", "HUBSPOT_CLIENT_STATUS_PROPERTY", "cs_status "},
		{"companies without a company checkbox", "CLIENT_SOURCE", "companies"},
		{"base URL without a scheme", "HUBSPOT_BASE_URL", "127.0.0.1:8081"},
		{"base URL host:port only", "HUBSPOT_BASE_URL", "localhost:8081"},
		{"plain http to another host", "HUBSPOT_BASE_URL", "http://fakes:8081"},
		{"plain http to a private address", "CLIENTSUCCESS_BASE_URL", "http://10.0.0.5/v1"},
		{"base URL with credentials", "CLIENTSUCCESS_BASE_URL", "https://u:pw-secret@api.clientsuccess.com/v1"},
		{"unparsable base URL with credentials", "CLIENTSUCCESS_BASE_URL", "https://u:pw-secret@%zz/v1"},
		{"base URL with a query", "CLIENTSUCCESS_BASE_URL", "https://api.clientsuccess.com/v1?x=1"},
		{"unknown log level", "LOG_LEVEL", "loud"},
		{"unknown log format", "LOG_FORMAT", "xml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			setEnv(t, complete)
			if c.value == "" {
				t.Setenv(c.variable, "")
				os.Unsetenv(c.variable)
			} else {
				t.Setenv(c.variable, c.value)
			}
			_, err := LoadWorker()
			require.Error(t, err)
			require.Contains(t, err.Error(), c.variable)
			require.NotContains(t, err.Error(), "secret")
		})
	}
	t.Run("empty token", func(t *testing.T) {
		setEnv(t, complete)
		t.Setenv("HUBSPOT_TOKEN", "")
		_, err := LoadWorker()
		require.ErrorContains(t, err, "HUBSPOT_TOKEN")
	})
}

func TestLoadWorkerAssociationsResolver(t *testing.T) {
	setEnv(t, complete)
	setEnv(t, map[string]string{"DEAL_RESOLVER": "associations", "DEAL_PREFERENCE": "oldest", "WRITE_BACK_DEAL_ID": "true", "HUBSPOT_DEAL_SYNC_PROPERTY": "sync_deal"})
	c, err := LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "associations", c.HubSpot.DealResolver)
	require.Equal(t, "oldest", c.HubSpot.DealPreference)
	require.True(t, c.HubSpot.WriteBack())
	require.Equal(t, "sync_deal", c.HubSpot.DealSyncProperty)
}

func TestLoadWorkerClientSource(t *testing.T) {
	setEnv(t, complete)
	c, err := LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "deals", c.HubSpot.ClientSource, "deals by default; its checkbox may stay empty (client sync off)")

	setEnv(t, complete) // secrets are unset once read
	setEnv(t, map[string]string{"CLIENT_SOURCE": "companies", "HUBSPOT_COMPANY_SYNC_PROPERTY": "sync_company"})
	c, err = LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "companies", c.HubSpot.ClientSource)

	setEnv(t, complete)
	t.Setenv("DEAL_RESOLVER", "associations")
	_, err = LoadWorker()
	require.ErrorContains(t, err, "CLIENT_SOURCE=companies")
	require.ErrorContains(t, err, "DEAL_RESOLVER")
}

func TestEndpointsTurnOff(t *testing.T) {
	setEnv(t, complete)
	t.Setenv("HEALTH_ADDRESS", "off")
	t.Setenv("METRICS_ADDRESS", EnvAddress(""))
	c, err := LoadWorker()
	require.NoError(t, err)
	require.Empty(t, c.HealthAddress)
	require.Empty(t, c.MetricsAddress)

	setEnv(t, complete)
	t.Setenv("METRICS_ADDRESS", EnvAddress("127.0.0.1:9191"))
	c, err = LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9191", c.MetricsAddress)
}

func TestCodecSettings(t *testing.T) {
	setEnv(t, complete)
	t.Setenv("PAYLOAD_CODEC_KEYS", "k1:AAAA")
	t.Setenv("CODEC_SERVER_TOKEN", "codec-secret")
	t.Setenv("CODEC_SERVER_ADDRESS", ":8081")
	c, err := LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "k1:AAAA", c.Temporal.PayloadCodecKeys)
	require.Equal(t, "http://localhost:8233", c.CodecServer.CORSOrigin)
	for _, v := range []string{"PAYLOAD_CODEC_KEYS", "CODEC_SERVER_TOKEN"} {
		_, stillSet := os.LookupEnv(v)
		require.False(t, stillSet, "%s is removed from the environment once read", v)
	}

	setEnv(t, complete)
	t.Setenv("CODEC_SERVER_ADDRESS", ":8081")
	_, err = LoadWorker()
	require.ErrorContains(t, err, "(CODEC_SERVER_ADDRESS=:8081) needs PAYLOAD_CODEC_KEYS and CODEC_SERVER_TOKEN")

	setEnv(t, complete)
	os.Unsetenv("CODEC_SERVER_ADDRESS")
	setEnv(t, map[string]string{"PAYLOAD_CODEC_KEYS": "k1:AAAA", "CODEC_SERVER_TOKEN": "codec-secret", "PAYLOAD_CODEC_REQUIRE_ENCRYPTION": "true"})
	c, err = LoadWorker()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8081", c.CodecServer.Address, "the token turns the codec server on, on loopback")
	require.Equal(t, int64(4<<20), c.CodecServer.MaxBodyBytes)
	require.True(t, c.Temporal.RequireEncryption())

	setEnv(t, complete)
	setEnv(t, map[string]string{"PAYLOAD_CODEC_KEYS": "k1:AAAA", "CODEC_SERVER_TOKEN": "codec-secret", "CODEC_SERVER_ADDRESS": "off"})
	c, err = LoadWorker()
	require.NoError(t, err)
	require.Empty(t, c.CodecServer.Address, "off turns it off")

	setEnv(t, complete)
	os.Unsetenv("CODEC_SERVER_ADDRESS")
	t.Setenv("CODEC_SERVER_TOKEN", "codec-secret")
	_, err = LoadWorker()
	require.ErrorContains(t, err, "needs PAYLOAD_CODEC_KEYS", "a token alone turns on a server that cannot decode")

	setEnv(t, complete)
	os.Unsetenv("PAYLOAD_CODEC_REQUIRE_ENCRYPTION")
	t.Setenv("CODEC_SERVER_MAX_BODY_BYTES", "0")
	_, err = LoadWorker()
	require.ErrorContains(t, err, "CODEC_SERVER_MAX_BODY_BYTES must be positive")
}

func TestTemporalConnectionSettings(t *testing.T) {
	t.Run("plain by default", func(t *testing.T) {
		c, err := LoadTemporal()
		require.NoError(t, err)
		require.False(t, c.UseTLS())
		require.False(t, c.RequireEncryption())
	})
	t.Run("any TLS setting or an API key turns TLS on", func(t *testing.T) {
		for _, kv := range []map[string]string{
			{"TEMPORAL_TLS": "on"},
			{"TEMPORAL_TLS_CA_FILE": "/ca.pem"},
			{"TEMPORAL_TLS_SERVER_NAME": "temporal.internal"},
			{"TEMPORAL_TLS_CERT_FILE": "/c.pem", "TEMPORAL_TLS_KEY_FILE": "/k.pem"},
			{"TEMPORAL_API_KEY": "temporal-api-secret"},
		} {
			setEnv(t, kv)
			c, err := LoadTemporal()
			require.NoError(t, err, kv)
			require.True(t, c.UseTLS(), kv)
			for k := range kv {
				os.Unsetenv(k)
			}
		}
	})
	t.Run("the API key is read, then removed from the environment", func(t *testing.T) {
		t.Setenv("TEMPORAL_API_KEY", "temporal-api-secret")
		c, err := LoadTemporal()
		require.NoError(t, err)
		require.Equal(t, "temporal-api-secret", c.APIKey)
		_, stillSet := os.LookupEnv("TEMPORAL_API_KEY")
		require.False(t, stillSet)
	})
	for _, c := range []struct {
		name     string
		env      map[string]string
		variable string
	}{
		{"cert without key", map[string]string{"TEMPORAL_TLS_CERT_FILE": "/c.pem"}, "TEMPORAL_TLS_KEY_FILE is not"},
		{"key without cert", map[string]string{"TEMPORAL_TLS_KEY_FILE": "/k.pem"}, "TEMPORAL_TLS_CERT_FILE is not"},
		{"TLS neither on nor off", map[string]string{"TEMPORAL_TLS": "maybe"}, "TEMPORAL_TLS"},
		{"API key with TLS off", map[string]string{"TEMPORAL_TLS": "off", "TEMPORAL_API_KEY": "temporal-api-secret"}, "TEMPORAL_API_KEY"},
		{"CA with TLS off", map[string]string{"TEMPORAL_TLS": "off", "TEMPORAL_TLS_CA_FILE": "/ca.pem"}, "TEMPORAL_TLS_CA_FILE"},
		{"require encryption without keys", map[string]string{"PAYLOAD_CODEC_REQUIRE_ENCRYPTION": "true"}, "PAYLOAD_CODEC_KEYS"},
		{"require encryption not a bool", map[string]string{"PAYLOAD_CODEC_REQUIRE_ENCRYPTION": "always"}, "PAYLOAD_CODEC_REQUIRE_ENCRYPTION"},
	} {
		t.Run(c.name, func(t *testing.T) {
			setEnv(t, c.env)
			_, err := LoadTemporal()
			require.ErrorContains(t, err, c.variable, "the starter names the setting")
			require.NotContains(t, err.Error(), "secret")
			setEnv(t, complete)
			setEnv(t, c.env)
			_, err = LoadWorker()
			require.ErrorContains(t, err, c.variable, "the worker names the setting")
		})
	}
}

// TestRemovedSecretsStayInProcEnviron pins down what "removed from the environment once read"
// means, so the documentation promises no more: os.Getenv no longer sees the secret, but
// /proc/<pid>/environ, the environment the process was started with, still holds it.
func TestRemovedSecretsStayInProcEnviron(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	const probe = "pat-environ-probe-secret"
	if os.Getenv("CSSYNC_ENVIRON_CHILD") == "1" {
		if _, err := LoadWorker(); err != nil {
			fmt.Println("load:", err)
			return
		}
		environ, err := os.ReadFile("/proc/self/environ")
		fmt.Printf("getenv=%q proc-environ-holds-it=%v read-error=%v\n", os.Getenv("HUBSPOT_TOKEN"), bytes.Contains(environ, []byte(probe)), err)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRemovedSecretsStayInProcEnviron$", "-test.v")
	cmd.Env = append(os.Environ(), "CSSYNC_ENVIRON_CHILD=1", "HUBSPOT_TOKEN="+probe,
		"CLIENTSUCCESS_USERNAME=u@x.com", "CLIENTSUCCESS_PASSWORD=cs-secret")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), `getenv="" proc-environ-holds-it=true read-error=<nil>`)
}

func TestBaseURLsHTTPSOrLoopback(t *testing.T) {
	for _, u := range []string{"https://api.hubapi.com", "https://proxy.internal:8443/hubspot", "http://127.0.0.1:8081",
		"http://127.5.5.5:1", "http://localhost:8082/v1", "http://[::1]:8082/v1", "http://LOCALHOST"} {
		require.NoError(t, checkBaseURL("HUBSPOT_BASE_URL", u), u)
	}
}

func TestLogSettings(t *testing.T) {
	setEnv(t, complete)
	c, err := LoadWorker()
	require.NoError(t, err)
	require.Equal(t, Log{Level: "info", Format: "json"}, c.Log)
	require.False(t, c.Log.Debug())
	t.Setenv("LOG_LEVEL", "DEBUG")
	t.Setenv("LOG_FORMAT", "text")
	l, err := LoadLog()
	require.NoError(t, err)
	require.True(t, l.Debug())
	require.Equal(t, "text", l.Format)
}

func TestLoadHealthAddress(t *testing.T) {
	t.Setenv("HEALTH_ADDRESS", "")
	os.Unsetenv("HEALTH_ADDRESS")
	require.Equal(t, "127.0.0.1:8080", LoadHealthAddress(), "the worker's default, without any credential set")
	t.Setenv("HEALTH_ADDRESS", "127.0.0.1:9999")
	require.Equal(t, "127.0.0.1:9999", LoadHealthAddress())
	t.Setenv("HEALTH_ADDRESS", "OFF")
	require.Equal(t, "", LoadHealthAddress())
}
