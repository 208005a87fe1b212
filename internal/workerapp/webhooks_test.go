package workerapp

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/webhook"
)

func TestWebhookRulesFollowTheSettings(t *testing.T) {
	cfg := config.Worker{HubSpot: config.HubSpot{SyncProperty: "sync_box", DealIDProperty: "deal_id", DealResolver: "property",
		ClientSource: "deals", DealSyncProperty: "sync_deal"}, Webhook: config.Webhook{MaintainCheckbox: "true"}}
	require.Equal(t, webhook.Rules{
		ContactProperties: []string{"sync_box", "deal_id", "email", "firstname", "lastname", "jobtitle", "phone", "mobilephone"},
		DealCheckbox:      "sync_deal", MaintainCheckbox: true,
	}, webhookRules(cfg, mapping.Default()))

	cfg.HubSpot.DealResolver = "associations"
	r := webhookRules(cfg, mapping.File{Fields: []mapping.Field{{HubSpot: "email"}}})
	require.Equal(t, []string{"sync_box", "email"}, r.ContactProperties, "the deal id is the sync's own write-back here")
	require.True(t, r.DealAssociations)
}
