package config

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWebhookReceiverIsOffByDefault(t *testing.T) {
	setEnv(t, complete)
	c, err := LoadWorker()
	require.NoError(t, err)
	require.False(t, c.Webhook.On())
}

func TestWebhookReceiverSettings(t *testing.T) {
	on := map[string]string{
		"HUBSPOT_WEBHOOK_ADDRESS": "0.0.0.0:8090", "HUBSPOT_APP_SECRET": "app-secret",
		"HUBSPOT_WEBHOOK_URL": "https://hooks.example.com/hubspot?portal=62515",
	}
	setEnv(t, complete)
	setEnv(t, on)
	c, err := LoadWorker()
	require.NoError(t, err)
	require.True(t, c.Webhook.On())
	require.False(t, c.Webhook.MaintainsCheckbox(), "the checkbox maintainer is not started by events unless asked")
	require.Equal(t, "app-secret", c.Webhook.Secret)
	require.Equal(t, on["HUBSPOT_WEBHOOK_URL"], c.Webhook.URL, "a query is part of what HubSpot signs")
	_, stillSet := os.LookupEnv("HUBSPOT_APP_SECRET")
	require.False(t, stillSet, "the app secret is removed from the environment once read")

	for _, tc := range []struct{ name, variable, value, want string }{
		{"no secret", "HUBSPOT_APP_SECRET", "", "HUBSPOT_WEBHOOK_ADDRESS needs HUBSPOT_APP_SECRET"},
		{"no URL", "HUBSPOT_WEBHOOK_URL", "", "HUBSPOT_WEBHOOK_ADDRESS needs HUBSPOT_WEBHOOK_URL"},
		{"no address", "HUBSPOT_WEBHOOK_ADDRESS", "", "HUBSPOT_APP_SECRET or HUBSPOT_WEBHOOK_URL is set but HUBSPOT_WEBHOOK_ADDRESS is not"},
		{"address off", "HUBSPOT_WEBHOOK_ADDRESS", "off", "but HUBSPOT_WEBHOOK_ADDRESS is not"},
		{"plain http", "HUBSPOT_WEBHOOK_URL", "http://hooks.example.com/hubspot", "HUBSPOT_WEBHOOK_URL must use https"},
		{"relative", "HUBSPOT_WEBHOOK_URL", "/hubspot", "HUBSPOT_WEBHOOK_URL must be the absolute https:// URL"},
		{"credentials", "HUBSPOT_WEBHOOK_URL", "https://u:p@hooks.example.com/", "must not carry credentials"},
		{"maintainer switch", "HUBSPOT_WEBHOOK_MAINTAIN_CHECKBOX", "yes", "HUBSPOT_WEBHOOK_MAINTAIN_CHECKBOX must be true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, complete)
			setEnv(t, on)
			if tc.value == "" {
				os.Unsetenv(tc.variable)
			} else {
				t.Setenv(tc.variable, tc.value)
			}
			_, err := LoadWorker()
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "app-secret")
			require.NotContains(t, err.Error(), ":p@")
		})
	}

	setEnv(t, complete)
	setEnv(t, on)
	t.Setenv("HUBSPOT_WEBHOOK_URL", "http://127.0.0.1:8090/hubspot")
	_, err = LoadWorker()
	require.NoError(t, err, "plain http to loopback, for the fakes")
}
