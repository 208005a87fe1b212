// Package config reads the worker's settings from the environment. Every setting has a documented
// default except credentials; a missing or malformed value fails start-up naming the variable.
package config

import (
	"fmt"
	"strconv"
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
	// DealResolver picks how a contact's deal is found: "property" (the deal id property, the
	// classic way) or "associations" (the contact's associated deals, chosen by a fixed rule).
	DealResolver string `env:"DEAL_RESOLVER" envDefault:"property"`
	// DealPreference orders associated deals by createdate: "newest" or "oldest".
	DealPreference string `env:"DEAL_PREFERENCE" envDefault:"newest"`
	// WriteBackDealID ("true"/"false") writes the deal the associations resolver chose into
	// DealIDProperty. Kept as text so a malformed value is reported with the variable's name.
	WriteBackDealID string `env:"WRITE_BACK_DEAL_ID" envDefault:"false"`
	// DealSyncProperty is a deal single-checkbox; when set, MaintainContactCheckbox checks the
	// contacts of deals where it is checked. Empty (the default) turns the maintainer off.
	DealSyncProperty string `env:"HUBSPOT_DEAL_SYNC_PROPERTY"`
	// CompanySyncProperty is the same for companies.
	CompanySyncProperty string `env:"HUBSPOT_COMPANY_SYNC_PROPERTY"`
}

// WriteBack reports whether WRITE_BACK_DEAL_ID is on (a malformed value fails validation).
func (h HubSpot) WriteBack() bool {
	on, _ := strconv.ParseBool(h.WriteBackDealID)
	return on
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
	switch c.HubSpot.DealResolver {
	case "property", "associations":
	default:
		return fmt.Errorf("configuration: DEAL_RESOLVER must be \"property\" or \"associations\", got %q", c.HubSpot.DealResolver)
	}
	switch c.HubSpot.DealPreference {
	case "newest", "oldest":
	default:
		return fmt.Errorf("configuration: DEAL_PREFERENCE must be \"newest\" or \"oldest\", got %q", c.HubSpot.DealPreference)
	}
	if _, err := strconv.ParseBool(c.HubSpot.WriteBackDealID); err != nil {
		return fmt.Errorf("configuration: WRITE_BACK_DEAL_ID must be true or false, got %q", c.HubSpot.WriteBackDealID)
	}
	if c.HubSpot.WriteBack() && c.HubSpot.DealResolver != "associations" {
		return fmt.Errorf("configuration: WRITE_BACK_DEAL_ID=true needs DEAL_RESOLVER=associations (with DEAL_RESOLVER=property the property is the source)")
	}
	for _, s := range []struct{ name, value string }{
		{"HUBSPOT_DEAL_SYNC_PROPERTY", c.HubSpot.DealSyncProperty},
		{"HUBSPOT_COMPANY_SYNC_PROPERTY", c.HubSpot.CompanySyncProperty},
	} {
		if s.value != strings.TrimSpace(s.value) {
			return fmt.Errorf("configuration: %s must not have leading or trailing spaces, got %q", s.name, s.value)
		}
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
