// Command fakeapis serves the HubSpot and ClientSuccess fakes standalone, seeded with the help
// article's example or with fixture files, so a worker can be pointed at them by hand:
//
//	go run ./internal/fakes/fakeapis -hubspot-addr :8081 -clientsuccess-addr :8082
//
// It prints the environment a worker needs to use them. With -webhook-url (or HUBSPOT_WEBHOOK_URL)
// and HUBSPOT_APP_SECRET the HubSpot fake also sends webhooks there when its records change.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

func main() {
	hsAddr := flag.String("hubspot-addr", "127.0.0.1:8081", "listen address of the HubSpot fake")
	csAddr := flag.String("clientsuccess-addr", "127.0.0.1:8082", "listen address of the ClientSuccess fake")
	hsFixture := flag.String("hubspot-fixture", "", "JSON fixture for HubSpot (default: the example)")
	csFixture := flag.String("clientsuccess-fixture", "", "JSON fixture for ClientSuccess (default: the example)")
	hsLimit := flag.Int("hubspot-limit", 0, "HubSpot requests per rolling 10 s (0: unlimited; 190 is Professional)")
	searchLimit := flag.Int("hubspot-search-limit", 0, "HubSpot search requests per second (0: unlimited; 5 is HubSpot's)")
	csLimit := flag.Int("clientsuccess-limit", 0, "ClientSuccess requests per second (0: unlimited)")
	latency := flag.Duration("latency", 0, "latency added to every request of both fakes")
	errorRate := flag.Float64("error-rate", 0, "fraction of requests answered 503")
	hooks := webhookFlags()
	flag.Parse()

	hs := hubspotfake.New(hubspotfake.Options{Token: devstack.FakeHubSpotToken, TenSecondLimit: *hsLimit, SearchPerSecond: *searchLimit})
	cs := csfake.New(csfake.Options{Username: devstack.FakeCSUsername, Password: devstack.FakeCSPassword, RequestsPerSecond: *csLimit})
	if err := seed(hs, cs, *hsFixture, *csFixture); err != nil {
		fmt.Fprintln(os.Stderr, "fakeapis:", err)
		os.Exit(1)
	}
	for _, inj := range []*faults.Injector{hs.Faults(), cs.Faults()} {
		inj.Set(faults.Config{Latency: *latency, ErrorRate: *errorRate})
	}
	if err := hooks.start(hs); err != nil {
		fmt.Fprintln(os.Stderr, "fakeapis:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errs := make(chan error, 2)
	hsURL, err := serve(ctx, *hsAddr, hs, errs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeapis:", err)
		os.Exit(1)
	}
	csURL, err := serve(ctx, *csAddr, cs, errs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeapis:", err)
		os.Exit(1)
	}
	csURL += "/v1"
	fmt.Printf("HubSpot fake on %s, ClientSuccess fake on %s. A worker uses them with:\n", hsURL, csURL)
	fmt.Printf("  export HUBSPOT_BASE_URL=%s HUBSPOT_TOKEN=%s\n", hsURL, devstack.FakeHubSpotToken)
	fmt.Printf("  export CLIENTSUCCESS_BASE_URL=%s CLIENTSUCCESS_USERNAME=%s CLIENTSUCCESS_PASSWORD=%s\n", csURL, devstack.FakeCSUsername, devstack.FakeCSPassword)
	select {
	case <-ctx.Done():
	case err := <-errs:
		fmt.Fprintln(os.Stderr, "fakeapis:", err)
		os.Exit(1)
	}
}

func seed(hs *hubspotfake.Server, cs *csfake.Server, hsPath, csPath string) error {
	hsFix, csFix := example.HubSpot(), example.ClientSuccess()
	var err error
	if hsPath != "" {
		if hsFix, err = hubspotfake.LoadFixture(hsPath); err != nil {
			return err
		}
	}
	if csPath != "" {
		if csFix, err = csfake.LoadFixture(csPath); err != nil {
			return err
		}
	}
	hs.Seed(hsFix)
	cs.Seed(csFix)
	return nil
}

// serve listens on addr and returns the base URL; later serving errors arrive on errs.
func serve(ctx context.Context, addr string, h http.Handler, errs chan<- error) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}
