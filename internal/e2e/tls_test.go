package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/testcerts"
	"github.com/cssync/cssync/workflows"
)

// tlsProxy terminates TLS in front of the dev server's plain frontend, as a load balancer in front
// of a cluster would (the Temporal CLI dev server does not serve TLS itself). It counts the
// handshakes that succeed, so a test can tell its clients really came through it.
type tlsProxy struct {
	addr       string
	handshakes atomic.Int32
}

func startTLSProxy(t *testing.T, backend string, cfg *tls.Config) *tlsProxy {
	t.Helper()
	cfg.NextProtos = []string{"h2"} // gRPC clients insist on ALPN
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	p := &tlsProxy{addr: ln.Addr().String()}
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	track := func(c net.Conn, on bool) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			open[c] = true
		} else {
			delete(open, c)
		}
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for c := range open {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c.(*tls.Conn), backend, track)
		}
	}()
	return p
}

func (p *tlsProxy) relay(front *tls.Conn, backend string, track func(net.Conn, bool)) {
	defer front.Close()
	if front.Handshake() != nil {
		return // refused: the client sees the TLS alert
	}
	p.handshakes.Add(1)
	back, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer back.Close()
	track(front, true)
	track(back, true)
	defer track(front, false)
	defer track(back, false)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(back, front); done <- struct{}{} }()
	go func() { _, _ = io.Copy(front, back); done <- struct{}{} }()
	<-done
}

// clusterCerts is a throwaway CA, the proxy's certificate (for a name that is not the address's
// host, so TEMPORAL_TLS_SERVER_NAME matters) and the CA's file for clients.
type clusterCerts struct {
	ca     *testcerts.CA
	server tls.Certificate
	caFile string
	dir    string
}

const clusterName = "temporal.cluster.internal"

func newClusterCerts(t *testing.T) clusterCerts {
	ca := testcerts.NewCA(t, "e2e cluster CA")
	dir := t.TempDir()
	return clusterCerts{ca: ca, server: ca.Server(t, clusterName).TLS(t), caFile: testcerts.Write(t, dir, "ca.pem", ca.PEM), dir: dir}
}

// clientFiles writes a client certificate the CA signs and returns its cert and key files.
func (c clusterCerts) clientFiles(t *testing.T, name string) (certFile, keyFile string) {
	pair := c.ca.Client(t, name)
	return testcerts.Write(t, c.dir, name+"-cert.pem", pair.CertPEM), testcerts.Write(t, c.dir, name+"-key.pem", pair.KeyPEM)
}

// runStarter runs the starter binary with tc as its environment and returns what it printed.
func runStarter(t *testing.T, tc config.Temporal, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, starterBin.get(t), args...)
	cmd.Env = append(os.Environ(), devstack.TemporalEnv(tc)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// starterSync runs `starter contact ID` and returns the result it printed.
func starterSync(t *testing.T, tc config.Temporal, id string) workflows.SyncContactResult {
	t.Helper()
	stdout, stderr, err := runStarter(t, tc, "contact", id)
	require.NoError(t, err, stderr)
	var res workflows.SyncContactResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	return res
}

// TestWorkerAndStarterOverTLS runs the worker and starter binaries against the dev server
// behind a TLS proxy, verifying the server against the test's CA under a name that is not the
// address's host, and completes the help article's move.
func TestWorkerAndStarterOverTLS(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	certs := newClusterCerts(t)
	proxy := startTLSProxy(t, devServer.FrontendHostPort(), &tls.Config{Certificates: []tls.Certificate{certs.server}})
	s.cfg.Temporal.Address = proxy.addr
	s.cfg.Temporal.TLSCAFile, s.cfg.Temporal.TLSServerName = certs.caFile, clusterName
	s.startWorkerProcess()

	first := starterSync(t, s.cfg.Temporal, example.ContactID)
	require.Equal(t, syncplan.Created, first.Outcome, first.Reason)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	moved := starterSync(t, s.cfg.Temporal, example.ContactID)
	require.Equal(t, syncplan.Moved, moved.Outcome, moved.Reason)
	on := s.owned(example.ContactID)
	require.Len(t, on, 1)
	require.Equal(t, example.SecondClientID, on[0].ClientID)
	require.GreaterOrEqual(t, int(proxy.handshakes.Load()), 3, "the worker and both starter runs came through TLS")

	plain := s.cfg.Temporal
	plain.TLSCAFile, plain.TLSServerName = "", ""
	_, stderr, err := runStarter(t, plain, "contact", example.ContactID)
	require.Error(t, err, "a plain client gets nowhere at a TLS port")
	require.Contains(t, stderr, "set TEMPORAL_TLS=on")
}

// TestMTLSRequiredRefusesClientWithoutCertificate puts the proxy in mTLS mode: the worker and
// the starter without a client certificate stop with a message naming the TLS problem and the
// settings; with one the CA signed, the starter's sync goes through.
func TestMTLSRequiredRefusesClientWithoutCertificate(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	certs := newClusterCerts(t)
	proxy := startTLSProxy(t, devServer.FrontendHostPort(), certs.ca.MTLSServer(t, clusterName))
	s.cfg.Temporal.Address = proxy.addr
	s.cfg.Temporal.TLSCAFile, s.cfg.Temporal.TLSServerName = certs.caFile, clusterName
	const refusal = "TLS: Temporal requires a client certificate (mTLS); set TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE"

	_, stderr, err := runStarter(t, s.cfg.Temporal, "contact", example.ContactID)
	require.Error(t, err)
	require.Contains(t, stderr, "starter: "+refusal, "the cause first")
	require.Contains(t, stderr, "connecting to Temporal at "+proxy.addr)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	worker := exec.CommandContext(ctx, workerBinary(t))
	worker.Env = append(os.Environ(), devstack.Env(s.cfg)...)
	worker.Env = append(worker.Env, "HEALTH_ADDRESS=off", "METRICS_ADDRESS=off")
	out, err := worker.CombinedOutput()
	require.Error(t, err, "the worker stops at start-up")
	require.Contains(t, string(out), refusal)
	require.Zero(t, proxy.handshakes.Load(), "no client without a certificate got through")

	s.cfg.Temporal.TLSCertFile, s.cfg.Temporal.TLSKeyFile = certs.clientFiles(t, "worker")
	s.startWorkerProcess()
	res := starterSync(t, s.cfg.Temporal, example.ContactID)
	require.Equal(t, syncplan.Created, res.Outcome, res.Reason)
	require.Len(t, s.owned(example.ContactID), 1)
}
