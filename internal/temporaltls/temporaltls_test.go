package temporaltls

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/testcerts"
)

// server accepts TLS connections with cfg and answers each completed handshake with the client
// certificate's common name ("-" without one), then hangs up.
func server(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := c.(*tls.Conn)
				if tc.Handshake() != nil {
					return
				}
				cn := "-"
				if peers := tc.ConnectionState().PeerCertificates; len(peers) > 0 {
					cn = peers[0].Subject.CommonName
				}
				_, _ = c.Write([]byte(cn + "\n"))
			}()
		}
	}()
	return ln.Addr().String()
}

// handshake connects with cfg and returns the name the server saw, or the handshake's error.
func handshake(addr string, cfg *tls.Config) (string, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return string(bytes.TrimSpace([]byte(line))), err
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestPlainConnectionHasNoTLSConfig(t *testing.T) {
	c, err := Config(config.Temporal{Address: "localhost:7233"}, quiet())
	require.NoError(t, err)
	require.Nil(t, c)
	c, err = Config(config.Temporal{Address: "x.tmprl.cloud:7233", APIKey: "k"}, quiet())
	require.NoError(t, err)
	require.NotNil(t, c, "an API key implies TLS")
	require.Nil(t, c.RootCAs, "the system's roots verify Temporal Cloud")
}

func TestServerIsVerifiedAgainstTheCAAndName(t *testing.T) {
	ca := testcerts.NewCA(t, "cluster CA")
	addr := server(t, &tls.Config{Certificates: []tls.Certificate{ca.Server(t, "temporal.internal").TLS(t)}})
	dir := t.TempDir()
	caFile := testcerts.Write(t, dir, "ca.pem", ca.PEM)
	otherCA := testcerts.Write(t, dir, "other.pem", testcerts.NewCA(t, "other CA").PEM)

	for _, c := range []struct {
		name    string
		t       config.Temporal
		wantErr string
	}{
		{"CA and server name", config.Temporal{TLSCAFile: caFile, TLSServerName: "temporal.internal"}, ""},
		{"the address's host is not on the certificate", config.Temporal{TLSCAFile: caFile}, "127.0.0.1"},
		{"another CA", config.Temporal{TLSCAFile: otherCA, TLSServerName: "temporal.internal"}, "unknown authority"},
		{"system roots", config.Temporal{TLS: "on", TLSServerName: "temporal.internal"}, "unknown authority"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Config(c.t, quiet())
			require.NoError(t, err)
			got, err := handshake(addr, cfg)
			if c.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, "-", got)
				return
			}
			require.ErrorContains(t, err, c.wantErr)
		})
	}
}

func TestBadFilesNameTheSetting(t *testing.T) {
	ca := testcerts.NewCA(t, "CA")
	dir := t.TempDir()
	pair, other := ca.Client(t, "worker"), ca.Client(t, "other")
	cert := testcerts.Write(t, dir, "cert.pem", pair.CertPEM)
	key := testcerts.Write(t, dir, "key.pem", pair.KeyPEM)
	otherKey := testcerts.Write(t, dir, "other-key.pem", other.KeyPEM)
	notPEM := testcerts.Write(t, dir, "not.pem", []byte("not a certificate"))
	missing := dir + "/missing.pem"
	for _, c := range []struct {
		name string
		t    config.Temporal
		want string
	}{
		{"CA file missing", config.Temporal{TLSCAFile: missing}, "TEMPORAL_TLS_CA_FILE"},
		{"CA file not PEM", config.Temporal{TLSCAFile: notPEM}, "TEMPORAL_TLS_CA_FILE=" + notPEM + " holds no PEM certificate"},
		{"cert file missing", config.Temporal{TLSCertFile: missing, TLSKeyFile: key}, "TEMPORAL_TLS_CERT_FILE"},
		{"key file missing", config.Temporal{TLSCertFile: cert, TLSKeyFile: missing}, "TEMPORAL_TLS_KEY_FILE"},
		{"key of another certificate", config.Temporal{TLSCertFile: cert, TLSKeyFile: otherKey}, "does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Config(c.t, quiet())
			require.ErrorContains(t, err, c.want)
			require.ErrorContains(t, err, "configuration:")
			require.NotContains(t, err.Error(), "PRIVATE KEY", "no key material in errors")
		})
	}
}

// TestClientCertificateFollowsItsFiles rotates the client certificate under a running client:
// the next handshake presents the new one, and a half-written rotation keeps the previous one.
func TestClientCertificateFollowsItsFiles(t *testing.T) {
	ca := testcerts.NewCA(t, "CA")
	addr := server(t, ca.MTLSServer(t, "127.0.0.1"))
	dir := t.TempDir()
	first := ca.Client(t, "first")
	certFile := testcerts.Write(t, dir, "cert.pem", first.CertPEM)
	keyFile := testcerts.Write(t, dir, "key.pem", first.KeyPEM)
	var logs bytes.Buffer
	cfg, err := Config(config.Temporal{TLSCAFile: testcerts.Write(t, dir, "ca.pem", ca.PEM), TLSCertFile: certFile, TLSKeyFile: keyFile},
		slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	got, err := handshake(addr, cfg)
	require.NoError(t, err)
	require.Equal(t, "first", got)

	// Modification times can be coarse; each write is stamped a minute later than the last.
	stampAt := time.Now()
	write := func(path string, data []byte) {
		require.NoError(t, os.WriteFile(path, data, 0o600))
		stampAt = stampAt.Add(time.Minute)
		require.NoError(t, os.Chtimes(path, stampAt, stampAt))
	}
	second := ca.Client(t, "second")
	write(certFile, second.CertPEM)
	write(keyFile, second.KeyPEM)
	got, err = handshake(addr, cfg)
	require.NoError(t, err)
	require.Equal(t, "second", got, "the rotated certificate is used without a restart")
	require.Contains(t, logs.String(), "Temporal client certificate reloaded")

	third := ca.Client(t, "third")
	write(certFile, third.CertPEM) // the key is not written yet
	got, err = handshake(addr, cfg)
	require.NoError(t, err)
	require.Equal(t, "second", got, "a half-written rotation keeps the previous certificate")
	require.Contains(t, logs.String(), "keeping the previous certificate")
	write(keyFile, third.KeyPEM)
	got, err = handshake(addr, cfg)
	require.NoError(t, err)
	require.Equal(t, "third", got)
}

func TestExplainNamesTheProblemAndTheSetting(t *testing.T) {
	const grpcPrefix = "failed reaching server: connection error: desc = "
	for _, c := range []struct {
		name, msg string
		t         config.Temporal
		want      string
	}{
		{"no client certificate", `"error reading server preface: remote error: tls: certificate required"`,
			config.Temporal{TLS: "on"}, "requires a client certificate (mTLS); set TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE"},
		{"client certificate refused", `"remote error: tls: unknown certificate authority"`,
			config.Temporal{TLSCertFile: "c", TLSKeyFile: "k"}, "refused the client certificate in TEMPORAL_TLS_CERT_FILE"},
		{"unknown server CA, system roots", `"tls: failed to verify certificate: x509: certificate signed by unknown authority"`,
			config.Temporal{TLS: "on"}, "set TEMPORAL_TLS_CA_FILE"},
		{"unknown server CA, own bundle", `"x509: certificate signed by unknown authority"`,
			config.Temporal{TLSCAFile: "ca.pem"}, "not signed by a CA in TEMPORAL_TLS_CA_FILE"},
		{"name mismatch", `"x509: certificate is valid for temporal.internal, not localhost"`,
			config.Temporal{TLS: "on"}, "TEMPORAL_TLS_SERVER_NAME"},
		{"plain server", `"transport: authentication handshake failed: tls: first record does not look like a TLS handshake"`,
			config.Temporal{TLS: "on", Address: "h:7233"}, "does not speak TLS at h:7233"},
		{"TLS server, plain client", "context deadline exceeded while waiting for connections to become ready",
			config.Temporal{Address: "h:7233"}, "set TEMPORAL_TLS=on"},
		{"TLS server hangs up on a plain client", `"error reading server preface: EOF"`,
			config.Temporal{Address: "h:7233"}, "if Temporal at h:7233 expects TLS, set TEMPORAL_TLS=on"},
		{"TLS server resets a plain client", `"error reading server preface: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"`,
			config.Temporal{Address: "h:7233"}, "if Temporal at h:7233 expects TLS, set TEMPORAL_TLS=on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cause := errors.New(grpcPrefix + c.msg)
			err := Explain(cause, c.t, nil)
			require.ErrorContains(t, err, c.want)
			require.ErrorIs(t, err, cause, "the original error is kept")
		})
	}
	other := errors.New("namespace default not found")
	require.Equal(t, other, Explain(other, config.Temporal{TLS: "on"}, nil), "other errors pass unchanged")
	require.NoError(t, Explain(nil, config.Temporal{}, nil))
}

// TestExplainAsksTheServerWhenGRPCSaysLittle: with TLS 1.3 the refusal of a missing client
// certificate can reach gRPC as a bare broken pipe; Explain then asks the server itself.
func TestExplainAsksTheServerWhenGRPCSaysLittle(t *testing.T) {
	ca := testcerts.NewCA(t, "CA")
	addr := server(t, ca.MTLSServer(t, "127.0.0.1"))
	tc := config.Temporal{Address: addr, TLSCAFile: testcerts.Write(t, t.TempDir(), "ca.pem", ca.PEM)}
	cfg, err := Config(tc, quiet())
	require.NoError(t, err)
	pipe := errors.New("failed reaching server: write tcp 127.0.0.1:1->" + addr + ": write: broken pipe")
	err = Explain(pipe, tc, cfg)
	require.ErrorContains(t, err, "requires a client certificate (mTLS); set TEMPORAL_TLS_CERT_FILE")
	require.ErrorContains(t, err, "tls: certificate required", "the server's own words")
	require.ErrorIs(t, err, pipe)

	mine := ca.Client(t, "worker")
	dir := t.TempDir()
	tc.TLSCertFile, tc.TLSKeyFile = testcerts.Write(t, dir, "c.pem", mine.CertPEM), testcerts.Write(t, dir, "k.pem", mine.KeyPEM)
	cfg, err = Config(tc, quiet())
	require.NoError(t, err)
	require.Equal(t, pipe, Explain(pipe, tc, cfg), "a server that accepts the handshake is not blamed")
}
