package devstack

import (
	"fmt"
	"net"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

// FakeAppSecret is the HubSpot app secret the fake signs its webhooks with, in tests and the demo.
const FakeAppSecret = "fake-app-secret-0000"

// ConnectWebhooks turns the worker's webhook receiver on, on a free loopback port, and points the
// HubSpot fake's webhooks at it with o's delivery options (duplicates, delays, order). Call it
// before the worker starts.
func (f *Fakes) ConnectWebhooks(cfg *config.Worker, o hubspotfake.WebhookOptions) error {
	addr, err := FreeAddress()
	if err != nil {
		return err
	}
	cfg.Webhook = config.Webhook{Address: addr, Secret: FakeAppSecret, URL: "http://" + addr + "/hubspot/webhooks",
		MaintainCheckbox: "false"}
	o.URL, o.Secret = cfg.Webhook.URL, cfg.Webhook.Secret
	f.HubSpot.SendWebhooks(o)
	return nil
}

// FreeAddress is a loopback address with a port free right now.
func FreeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
