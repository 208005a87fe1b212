// Package config reads the worker's settings from the environment. Every setting has a documented
// default except credentials; a missing or malformed value fails start-up naming the variable.
package config

import (
	"fmt"
	"strings"

	"github.com/caarlos0/env/v10"
)

// Temporal says where the worker and starter connect.
type Temporal struct {
	Address   string `env:"TEMPORAL_ADDRESS" envDefault:"localhost:7233"`
	Namespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	TaskQueue string `env:"TEMPORAL_TASK_QUEUE" envDefault:"clientsuccess-sync"`
}

// HubSpot holds the HubSpot connection and the contact properties the sync reads.
type HubSpot struct {
	BaseURL string `env:"HUBSPOT_BASE_URL" envDefault:"https://api.hubapi.com"`
	// Token is a private-app token or service key. It is removed from the environment once read.
	Token string `env:"HUBSPOT_TOKEN,required,notEmpty,unset"`
	// APIFamily picks the path family: "2026-03" (date-versioned) or "v3" (numbered).
	APIFamily string `env:"HUBSPOT_API_FAMILY" envDefault:"2026-03"`
	// SyncProperty is the contact single-checkbox property: checked means sync.
	SyncProperty string `env:"HUBSPOT_SYNC_PROPERTY" envDefault:"sync_w_clientsuccess_contact"`
	// DealIDProperty is the contact property that holds the one associated deal id.
	DealIDProperty string `env:"HUBSPOT_DEAL_ID_PROPERTY" envDefault:"associated_deal_id"`
}

// ClientSuccess holds the ClientSuccess connection.
type ClientSuccess struct {
	BaseURL  string `env:"CLIENTSUCCESS_BASE_URL" envDefault:"https://api.clientsuccess.com/v1"`
	Username string `env:"CLIENTSUCCESS_USERNAME,required,notEmpty"`
	// Password is removed from the environment once read.
	Password string `env:"CLIENTSUCCESS_PASSWORD,required,notEmpty,unset"`
}

// Worker is everything the worker process needs.
type Worker struct {
	Temporal      Temporal
	HubSpot       HubSpot
	ClientSuccess ClientSuccess
	// HealthAddress serves /healthz; Off in the environment (empty here) turns it off.
	HealthAddress string `env:"HEALTH_ADDRESS" envDefault:":8080"`
	// MetricsAddress serves Prometheus metrics at /metrics; Off in the environment (empty here)
	// turns it off.
	MetricsAddress string `env:"METRICS_ADDRESS" envDefault:":9090"`
}

// Off is the address value that turns an endpoint off. An empty variable cannot: the
// environment parser treats it as unset and applies the default.
const Off = "off"

// LoadWorker reads the worker configuration from the environment.
func LoadWorker() (Worker, error) {
	var c Worker
	if err := env.Parse(&c); err != nil {
		return Worker{}, fmt.Errorf("configuration: %w", err)
	}
	for _, addr := range []*string{&c.HealthAddress, &c.MetricsAddress} {
		if strings.EqualFold(strings.TrimSpace(*addr), Off) {
			*addr = ""
		}
	}
	return c, c.validate()
}

// EnvAddress renders an address for the environment: empty (off) becomes Off.
func EnvAddress(addr string) string {
	if addr == "" {
		return Off
	}
	return addr
}

// LoadTemporal reads only the Temporal connection, for the starter.
func LoadTemporal() (Temporal, error) {
	var t Temporal
	if err := env.Parse(&t); err != nil {
		return Temporal{}, fmt.Errorf("configuration: %w", err)
	}
	return t, nil
}

func (c Worker) validate() error {
	switch c.HubSpot.APIFamily {
	case "2026-03", "v3":
	default:
		return fmt.Errorf("configuration: HUBSPOT_API_FAMILY must be \"2026-03\" or \"v3\", got %q", c.HubSpot.APIFamily)
	}
	for _, s := range []struct{ name, value string }{
		{"HUBSPOT_SYNC_PROPERTY", c.HubSpot.SyncProperty},
		{"HUBSPOT_DEAL_ID_PROPERTY", c.HubSpot.DealIDProperty},
		{"TEMPORAL_TASK_QUEUE", c.Temporal.TaskQueue},
	} {
		if strings.TrimSpace(s.value) == "" {
			return fmt.Errorf("configuration: %s must not be empty", s.name)
		}
	}
	return nil
}
