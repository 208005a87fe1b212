package e2e

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// chromium finds a headless-capable Chromium. Missing, the browser check skips locally and fails
// in CI (CI=true), where .ci/run installs Debian's chromium.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("browser check: chromium is not installed (CI installs it in .ci/run: apt-get install -y chromium)")
	}
	t.Skip("browser check: chromium not found on PATH; install it (apt-get install -y chromium) to run this test")
	return ""
}

// artifactsDir is where the browser check leaves its screenshots: $ARTIFACTS_DIR, else a
// directory under the system temp dir that outlives the test.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "cssync-artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// browse loads a Web UI page in headless Chromium and returns the DOM once the app has rendered,
// saving a screenshot of the same page when screenshot is not empty.
func browse(t *testing.T, browser, page, screenshot string) string {
	t.Helper()
	args := func(extra ...string) []string {
		return append([]string{
			"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(),
			"--window-size=1600,1000", "--virtual-time-budget=15000",
		}, extra...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, args("--dump-dom", page)...).Output()
	require.NoError(t, err, "chromium --dump-dom %s", page)
	if screenshot != "" {
		cmd := exec.CommandContext(ctx, browser, args("--screenshot="+screenshot, page)...)
		msg, err := cmd.CombinedOutput()
		require.NoError(t, err, "chromium --screenshot: %s", msg)
		st, err := os.Stat(screenshot)
		require.NoError(t, err)
		require.Greater(t, st.Size(), int64(1000), "screenshot %s is empty", screenshot)
		t.Logf("screenshot: %s", screenshot)
	}
	return string(out)
}

// TestWebUIShowsTheSyncInWords runs the demo's three syncs, then opens the dev server's Web UI in
// headless Chromium: the contact's runs are listed by its search attribute, and the move reads in
// words, with its summary, outcome and client.
func TestWebUIShowsTheSyncInWords(t *testing.T) {
	browser := chromium(t)
	s := newStack(t)
	s.seedExample()
	s.startWorker()
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	require.Equal(t, syncplan.Moved, s.syncContact(example.ContactID).Outcome)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	moveRun, err := s.client.DescribeWorkflowExecution(ctx, workflows.ContactWorkflowID(example.ContactID), "")
	require.NoError(t, err)
	moveRunID := moveRun.WorkflowExecutionInfo.GetExecution().GetRunId()
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"sync_w_clientsuccess_contact": "false"})
	require.Equal(t, syncplan.NotChecked, s.syncContact(example.ContactID).Outcome)

	base := "http://127.0.0.1:" + uiPort + "/namespaces/default"
	dir := artifactsDir(t)

	// The list, filtered as an operator would: everything about contact 51 on this test's queue.
	query := fmt.Sprintf(`HubSpotContactId="51" AND TaskQueue="%s"`, s.cfg.Temporal.TaskQueue)
	list := base + "/workflows?query=" + url.QueryEscape(query)
	eventually(t, 20*time.Second, "visibility to list the three runs", func() bool {
		resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		return err == nil && resp.GetCount() == 3
	})
	dom := browse(t, browser, list, filepath.Join(dir, "webui-contact-51-list.png"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "webui-contact-51-list.html"), []byte(dom), 0o644))
	runs, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	require.NoError(t, err)
	require.Len(t, runs.Executions, 3)
	for _, r := range runs.Executions {
		require.Contains(t, dom, r.GetExecution().GetRunId(), "the list shows every run of the contact's sync")
	}
	require.Contains(t, dom, "SyncContact")

	// The move's history: the start's summary and each step in words, as the timeline shows them.
	run := fmt.Sprintf("%s/workflows/%s/%s", base, workflows.ContactWorkflowID(example.ContactID), moveRunID)
	dom = browse(t, browser, run+"/history", filepath.Join(dir, "webui-move-history.png"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "webui-move-history.html"), []byte(dom), 0o644))
	for _, want := range []string{
		"Summary sync HubSpot contact 51",
		"CreateContact • add Brian Halligan (51) to client Fake 2nd Test (9002)",
		"RemoveContact • remove Brian Halligan (51) from client Fake First Test (9001)",
		"find the ClientSuccess client of Brian Halligan (51) by its deal id property",
	} {
		require.Contains(t, visibleText(dom), want, "the move's history in the Web UI")
	}

	// The move's search attributes: the contact, its client and the outcome.
	dom = browse(t, browser, run+"/search-attributes", filepath.Join(dir, "webui-move-search-attributes.png"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "webui-move-search-attributes.html"), []byte(dom), 0o644))
	text := visibleText(dom)
	for name, value := range map[string]string{"HubSpotContactId": "51", "ClientSuccessClientId": "9002", "SyncOutcome": "moved"} {
		require.Regexp(t, `"`+name+`"\s*:\s*"`+value+`"`, text, "the move's search attributes in the Web UI")
	}
}

var (
	scriptsAndStyles = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>`)
	tags             = regexp.MustCompile(`<[^>]+>`)
	spaces           = regexp.MustCompile(`\s+`)
)

// visibleText is the DOM's text as a reader sees it: no markup, entities decoded, one space
// between words.
func visibleText(dom string) string {
	t := tags.ReplaceAllString(scriptsAndStyles.ReplaceAllString(dom, " "), " ")
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(t), " "))
}

// TestWebUIReadsWithoutClicks opens the Web UI as an operator who added the sync's search
// attributes as list columns (docs/cli.md): the list shows each run's outcome, a run started with
// the plain Temporal CLI says in its page what it is about and how it ended, and a running batch
// shows its progress in its details.
func TestWebUIReadsWithoutClicks(t *testing.T) {
	browser := chromium(t)
	s := newStack(t)
	s.seedExample()
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	cli, err := devstack.TemporalCLI()
	require.NoError(t, err)
	out, err := exec.CommandContext(ctx, cli, "workflow", "execute", "--address", devServer.FrontendHostPort(), "--namespace", "default",
		"--task-queue", s.cfg.Temporal.TaskQueue, "--type", "SyncContact", "--workflow-id", workflows.ContactWorkflowID(example.ContactID),
		"--input", `{"hubspotContactId":"51"}`).CombinedOutput()
	require.NoError(t, err, "temporal workflow execute: %s", out)
	cliRun, err := s.client.DescribeWorkflowExecution(ctx, workflows.ContactWorkflowID(example.ContactID), "")
	require.NoError(t, err)

	p := openPage(t, browser)
	base := "http://127.0.0.1:" + uiPort + "/namespaces/default"
	p.goTo(base + "/workflows")
	p.waitForText(30*time.Second, "the Web UI to load", "Workflows")
	columns := `{"default":[{"label":"Status","pinned":true},{"label":"Workflow ID","pinned":true},{"label":"Type","pinned":false},` +
		`{"label":"SyncOutcome","pinned":false},{"label":"HubSpotContactId","pinned":false},{"label":"Start","pinned":false}]}`
	p.eval(fmt.Sprintf(`localStorage.setItem("namespace-workflow-table-columns", %q)`, columns))

	query := fmt.Sprintf(`TaskQueue="%s"`, s.cfg.Temporal.TaskQueue)
	eventually(t, 20*time.Second, "visibility to list the CLI-started run", func() bool {
		resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query + ` AND SyncOutcome="created"`})
		return err == nil && resp.GetCount() == 1
	})
	p.goTo(base + "/workflows?query=" + url.QueryEscape(query))
	list := p.waitForText(30*time.Second, "the list to show the outcome column", "SyncOutcome", "sync-contact-51", "created")
	require.Contains(t, list, "HubSpotContactId")
	p.screenshot(filepath.Join(artifactsDir(t), "webui-list-with-outcomes.png"))

	// The run started with the plain CLI (no summary given) says what it is about and how it ended.
	runPage := fmt.Sprintf("%s/workflows/%s/%s", base, workflows.ContactWorkflowID(example.ContactID), cliRun.GetWorkflowExecutionInfo().GetExecution().GetRunId())
	p.goTo(runPage)
	p.waitForText(30*time.Second, "the run's outcome on its page", `"hubspotContactId": "51"`, `"outcome": "created"`,
		"created on client Fake First Test (9001)")
	p.screenshot(filepath.Join(artifactsDir(t), "webui-cli-run-details.png"))

	// A batch held on a write shows how far it is, without a query by hand.
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	hold := s.fakes.ClientSuccess.Faults().HoldNext("POST /v1/clients/{cid}/contacts")
	t.Cleanup(hold.Release) // a failed check must not leave the fake waiting on it
	batch, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactsInput{})
	require.NoError(t, err)
	<-hold.Arrived()
	p.goTo(fmt.Sprintf("%s/workflows/%s/%s/user-metadata", base, batch.GetID(), batch.GetRunID()))
	p.waitForTextPressing("r", 30*time.Second, "the batch's progress in its details", "Current Details", "0 of 1 contacts done, 1 in flight")
	p.screenshot(filepath.Join(artifactsDir(t), "webui-batch-progress.png"))
	hold.Release()
	require.NoError(t, batch.Get(ctx, nil))
}
