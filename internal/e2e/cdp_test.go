package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/websocket"
)

// page is one tab of a headless Chromium driven over the DevTools protocol: it can set what a user
// sets in the Web UI (its columns live in localStorage), load pages and read what they show.
type page struct {
	t    *testing.T
	ws   *websocket.Conn
	next atomic.Int64
}

// openPage starts headless Chromium with remote debugging and attaches to its first tab.
func openPage(t *testing.T, browser string) *page {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still be writing there as the test ends.
	dir, err := os.MkdirTemp("", "cssync-chromium-")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+dir, "--window-size=1600,1000", "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers too, to end them all
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir) // best effort: a helper that outlived the kill may still hold a file
	})

	var port string
	eventually(t, 30*time.Second, "Chromium to open its debugging port", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		port, _, _ = strings.Cut(string(b), "\n")
		return err == nil && port != ""
	})
	var targets []struct{ Type, WebSocketDebuggerURL string }
	eventually(t, 30*time.Second, "Chromium's first tab", func() bool {
		resp, err := http.Get("http://127.0.0.1:" + port + "/json/list")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		targets = nil
		return json.NewDecoder(resp.Body).Decode(&targets) == nil && len(targets) > 0 && targets[0].Type == "page"
	})
	ws, err := websocket.Dial(targets[0].WebSocketDebuggerURL, "", "http://127.0.0.1/")
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return &page{t: t, ws: ws}
}

// call sends one DevTools command and returns its result, skipping the events in between.
func (p *page) call(method string, params any) json.RawMessage {
	p.t.Helper()
	id := p.next.Add(1)
	require.NoError(p.t, websocket.JSON.Send(p.ws, map[string]any{"id": id, "method": method, "params": params}))
	require.NoError(p.t, p.ws.SetReadDeadline(time.Now().Add(30*time.Second)))
	for {
		var msg struct {
			ID     int64           `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		require.NoError(p.t, websocket.JSON.Receive(p.ws, &msg), "DevTools %s", method)
		if msg.ID != id {
			continue // an event, or an earlier answer
		}
		require.Nil(p.t, msg.Error, "DevTools %s", method)
		return msg.Result
	}
}

// goTo loads a page.
func (p *page) goTo(url string) { p.call("Page.navigate", map[string]any{"url": url}) }

// eval runs JavaScript in the page and returns its value as a string.
func (p *page) eval(js string) string {
	var res struct {
		Result struct{ Value any } `json:"result"`
	}
	require.NoError(p.t, json.Unmarshal(p.call("Runtime.evaluate", map[string]any{"expression": js, "returnByValue": true}), &res))
	return fmt.Sprint(res.Result.Value)
}

// press types one key, as a user at the keyboard would (the Web UI refreshes a run's details on R).
func (p *page) press(key string) {
	for _, typ := range []string{"keyDown", "keyUp"} {
		p.call("Input.dispatchKeyEvent", map[string]any{"type": typ, "key": key, "text": key})
	}
}

// text is what the page shows, as a reader sees it, with what its frames show (the Web UI renders
// a run's summary and details, which are Markdown, in sandboxed frames).
func (p *page) text() string {
	return p.eval(`[document.body ? document.body.innerText : ""].concat(Array.from(document.querySelectorAll("iframe")).map(f => {
		try { return f.contentDocument.body.innerText } catch (e) { return f.srcdoc || "" }
	})).join("\n")`)
}

// waitForText polls what the page shows until it holds every one of want, and returns it.
func (p *page) waitForText(within time.Duration, what string, want ...string) string {
	p.t.Helper()
	return p.waitForTextPressing("", within, what, want...)
}

// waitForTextPressing is waitForText pressing key before each look (empty: none), for a page
// whose data is refreshed by a key.
func (p *page) waitForTextPressing(key string, within time.Duration, what string, want ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if key != "" {
			p.press(key)
		}
		text := p.text()
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return text
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %s waiting for %s: %q is not on the page, which shows:\n%s", within, what, missing, text)
		}
		<-tick.C
	}
}

// screenshot saves what the page shows as a PNG.
func (p *page) screenshot(path string) {
	var res struct{ Data []byte }
	require.NoError(p.t, json.Unmarshal(p.call("Page.captureScreenshot", map[string]any{"format": "png"}), &res))
	require.NoError(p.t, os.WriteFile(path, res.Data, 0o644))
	p.t.Logf("screenshot: %s", path)
}
