// Command demo runs the help article's example end to end on the embedded default: a Temporal dev
// server with its Web UI, both API fakes seeded with Brian Halligan's story, the real worker with
// its webhook receiver, and three syncs — first placement (a starter call), then the move after
// his deal id changes and the unchecked box, each started by the HubSpot fake's webhook alone.
//
// While attached to a terminal it keeps everything running for the Web UI until Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/workflows"
)

func main() {
	address := flag.String("temporal", "127.0.0.1:7233", "dev server frontend address")
	uiPort := flag.String("ui-port", "8233", "dev server Web UI port")
	hold := flag.Bool("hold", isTerminal(os.Stdin), "keep running for the Web UI until Ctrl-C (default: when run from a terminal)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *address, *uiPort, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, address, uiPort string, hold bool) error {
	fmt.Printf("starting the Temporal dev server on %s (Web UI on port %s)…\n", address, uiPort)
	srv, err := devstack.StartDevServer(ctx, devstack.DevServerOptions{Address: address, UI: true, UIPort: uiPort})
	if err != nil {
		return err
	}
	defer srv.Stop()

	fakes := devstack.StartFakes()
	defer fakes.Close()
	fakes.HubSpot.Seed(example.HubSpot())
	fakes.ClientSuccess.Seed(example.ClientSuccess())
	fmt.Printf("HubSpot fake:       %s\nClientSuccess fake: %s\n", fakes.HubSpotURL, fakes.ClientSuccessURL)

	cfg := fakes.WorkerConfig(config.Temporal{Address: address, Namespace: "default", TaskQueue: "clientsuccess-sync"})
	// The fake posts a signed webhook for every change, as HubSpot does, to the worker's receiver.
	if err := fakes.ConnectWebhooks(&cfg, hubspotfake.WebhookOptions{}); err != nil {
		return err
	}
	fmt.Printf("webhook receiver:   %s\n", cfg.Webhook.URL)
	stopWorker, err := devstack.StartWorker(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer stopWorker()
	c := srv.Client()

	step := func(title string) error {
		fmt.Printf("\n== %s\n", title)
		res, err := starting.SyncContact(ctx, c, cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
		if err != nil {
			return err
		}
		fmt.Printf("outcome: %s — %s\n", res.Outcome, res.Reason)
		for _, ch := range res.Changes {
			fmt.Printf("  %s contact %d on client %d\n", ch.Action, ch.ContactID, ch.ClientID)
		}
		fmt.Printf("Brian Halligan is now on: %s\n", placement(fakes))
		return nil
	}
	// A change in HubSpot needs no command: its webhook starts the sync.
	changed := func(title string, props map[string]string) error {
		fmt.Printf("\n== %s\n", title)
		fakes.HubSpot.Put("contacts", example.ContactID, props)
		if err := fakes.HubSpot.WaitWebhooks(ctx); err != nil {
			return err
		}
		st := fakes.HubSpot.WebhookStats()
		fmt.Printf("webhook: HubSpot fake → worker, %d event(s) so far in %d signed POST(s) the receiver accepted\n", st.Events, st.Accepted)
		runs, err := starting.AwaitChain(ctx, c, workflows.ContactWorkflowID(example.ContactID))
		if err != nil {
			return err
		}
		for i, r := range runs {
			if i == 0 {
				fmt.Printf("outcome: %s — sync started by the webhook (%s, memo %s=%s)\n", r.Outcome, r.Event, workflows.StartedByMemo, r.StartedBy)
				continue
			}
			fmt.Printf("then:    %s — the sync read HubSpot once more, as the event came within seconds of its first read\n", r.Outcome)
		}
		fmt.Printf("Brian Halligan is now on: %s\n", placement(fakes))
		return nil
	}
	if err := step("1. Associated Deal ID = 1001 (Fake First Test): first sync, started with the starter"); err != nil {
		return err
	}
	if err := changed("2. a HubSpot workflow sets Associated Deal ID = 1002 (Fake 2nd Test): the webhook starts the sync, which moves him",
		map[string]string{"associated_deal_id": example.SecondDealID}); err != nil {
		return err
	}
	if err := changed("3. his Sync w/ClientSuccess Contact box is unchecked: the webhook's sync writes nothing, deletes nothing",
		map[string]string{"sync_w_clientsuccess_contact": "false"}); err != nil {
		return err
	}

	ui := fmt.Sprintf("http://localhost:%s/namespaces/default/workflows", uiPort)
	fmt.Printf("\nTemporal Web UI: %s\n", ui)
	fmt.Printf("Brian's moves:   %s?query=%s\n", ui, url.QueryEscape(`HubSpotContactId="51" AND SyncOutcome="moved"`))
	fmt.Printf("workflow %s holds every run; open it to read each step (the webhook's carry the memo %s).\n",
		workflows.ContactWorkflowID(example.ContactID), workflows.StartedByMemo)
	if !hold {
		return nil
	}
	fmt.Println("Everything keeps running so you can browse the Web UI. Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

// placement lists the clients holding a record owned by Brian's HubSpot id.
func placement(f *devstack.Fakes) string {
	var where []string
	for _, ct := range f.ClientSuccess.Contacts() {
		if ct.ExternalID == example.ContactID {
			cl, _ := f.ClientSuccess.Client(ct.ClientID)
			where = append(where, fmt.Sprintf("%s (client %d, contact %d)", cl.Name, cl.ID, ct.ID))
		}
	}
	if len(where) == 0 {
		return "no client"
	}
	return strings.Join(where, ", ")
}

// isTerminal asks the terminal driver, since /dev/null is a character device too.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
