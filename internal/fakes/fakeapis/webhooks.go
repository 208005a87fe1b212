package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

// hookFlags configure the HubSpot fake's webhooks. The target and the secret default to the
// worker's own settings, so one environment serves both.
type hookFlags struct {
	url, signedURL   *string
	delay            *time.Duration
	duplicate, order *bool
}

func webhookFlags() hookFlags {
	return hookFlags{
		url: flag.String("webhook-url", os.Getenv("HUBSPOT_WEBHOOK_URL"),
			"POST webhooks here when records change (default $HUBSPOT_WEBHOOK_URL; empty: none)"),
		signedURL: flag.String("webhook-signed-url", "", "the URL the signature covers, when -webhook-url is the address behind a proxy"),
		delay:     flag.Duration("webhook-delay", 0, "hold every webhook POST this long"),
		duplicate: flag.Bool("webhook-duplicate", false, "send every webhook POST twice"),
		order:     flag.Bool("webhook-reorder", false, "reverse the events of each POST, and send POSTs last first"),
	}
}

// start turns the webhooks on when a target is set; the secret comes from HUBSPOT_APP_SECRET only,
// never a flag, so it stays out of process listings.
func (f hookFlags) start(hs *hubspotfake.Server) error {
	if *f.url == "" {
		return nil
	}
	secret := os.Getenv("HUBSPOT_APP_SECRET")
	if secret == "" {
		return errors.New("-webhook-url needs HUBSPOT_APP_SECRET, the secret the worker checks signatures with")
	}
	hs.SendWebhooks(hubspotfake.WebhookOptions{URL: *f.url, SignedURL: *f.signedURL, Secret: secret,
		Delay: *f.delay, Duplicate: *f.duplicate, Reorder: *f.order})
	fmt.Printf("HubSpot fake sends webhooks to %s\n", *f.url)
	return nil
}
