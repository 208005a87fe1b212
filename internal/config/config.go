// Package config reads the worker's settings from the environment. Every setting has a documented
// default except credentials; a missing or malformed value fails start-up naming the variable.
package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caarlos0/env/v10"
)

// Temporal says where the worker and starter connect.
type Temporal struct {
	Address   string `env:"TEMPORAL_ADDRESS" envDefault:"localhost:7233"`
	Namespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	TaskQueue string `env:"TEMPORAL_TASK_QUEUE" envDefault:"clientsuccess-sync"`
	// PayloadCodecKeys, when set, encrypts every payload: "kid1:base64key,kid0:base64key", 32-byte
	// AES-256 keys, the first one encrypting. It is removed from the environment once read.
	PayloadCodecKeys string `env:"PAYLOAD_CODEC_KEYS,unset"`
}

// CodecServer serves the payload codec to the Temporal Web UI.
type CodecServer struct {
	// Address turns the codec server on, e.g. ":8081"; empty leaves it off.
	Address string `env:"CODEC_SERVER_ADDRESS"`
	// Token is the bearer token the UI must send. It is removed from the environment once read.
	Token string `env:"CODEC_SERVER_TOKEN,unset"`
	// CORSOrigin is the Web UI's origin, allowed to call the codec server from the browser.
	CORSOrigin string `env:"CODEC_CORS_ORIGIN" envDefault:"http://localhost:8233"`
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
	CodecServer   CodecServer
	// HealthAddress serves /healthz; empty turns it off.
	HealthAddress string `env:"HEALTH_ADDRESS" envDefault:":8080"`
}

// LoadWorker reads the worker configuration from the environment.
func LoadWorker() (Worker, error) {
	var c Worker
	if err := env.Parse(&c); err != nil {
		return Worker{}, fmt.Errorf("configuration: %w", err)
	}
	return c, c.validate()
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
	if c.CodecServer.Address != "" && (c.Temporal.PayloadCodecKeys == "" || c.CodecServer.Token == "") {
		return errors.New("configuration: CODEC_SERVER_ADDRESS needs PAYLOAD_CODEC_KEYS and CODEC_SERVER_TOKEN")
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
