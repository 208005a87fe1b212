package workerapp

import (
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/webhook"
)

// startWebhooks serves HubSpot's webhooks on HUBSPOT_WEBHOOK_ADDRESS when the receiver is on
// (docs/webhooks.md). It listens from the start, like the other endpoints: a delivery that comes
// before Temporal answers is answered 503 and retried by HubSpot.
func startWebhooks(lc fx.Lifecycle, cfg config.Worker, tc client.Client, m mapping.File, metrics *Metrics, logger *slog.Logger) {
	if !cfg.Webhook.On() {
		return
	}
	rc := webhook.New(webhook.Verifier{Secret: cfg.Webhook.Secret, URL: cfg.Webhook.URL}, webhookRules(cfg, m),
		webhook.Temporal{Client: tc, TaskQueue: cfg.Temporal.TaskQueue}, metrics.Scope, logger)
	serve(lc, logger, rc, webhook.MaxBodyBytes, "HUBSPOT_WEBHOOK_ADDRESS", cfg.Webhook.Address, "webhook receiver", "url", cfg.Webhook.URL)
}

// webhookRules are the events that concern a sync under these settings: the contact properties a
// sync reads, the associations that choose a contact's client, and the client checkboxes.
func webhookRules(cfg config.Worker, m mapping.File) webhook.Rules {
	h := cfg.HubSpot
	props := []string{h.SyncProperty}
	if h.DealResolver == "property" {
		props = append(props, h.DealIDProperty)
	}
	return webhook.Rules{
		ContactProperties: append(props, m.HubSpotProperties()...),
		DealAssociations:  h.DealResolver == "associations",
		CompanyClients:    h.ClientSource == "companies",
		DealCheckbox:      h.DealSyncProperty,
		CompanyCheckbox:   h.CompanySyncProperty,
		MaintainCheckbox:  cfg.Webhook.MaintainsCheckbox(),
	}
}
