package workerapp

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/testcerts"
)

// grpcServer answers every call with PermissionDenied after noting its authorization header.
type grpcServer struct {
	addr string
	mu   sync.Mutex
	auth []string
}

func startGRPC(t *testing.T, cfg *tls.Config) *grpcServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &grpcServer{addr: ln.Addr().String()}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(stream.Context())
		s.mu.Lock()
		s.auth = append(s.auth, md.Get("authorization")...)
		s.mu.Unlock()
		return status.Error(codes.PermissionDenied, "request unauthorized")
	}))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return s
}

func (s *grpcServer) authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

func TestAPIKeyIsSentOverTLSAndNeverShown(t *testing.T) {
	ca := testcerts.NewCA(t, "CA")
	srv := startGRPC(t, &tls.Config{Certificates: []tls.Certificate{ca.Server(t, "temporal.internal").TLS(t)}})
	var logs bytes.Buffer
	tc := config.Temporal{Address: srv.addr, Namespace: "ns.acct", TLSServerName: "temporal.internal",
		TLSCAFile: testcerts.Write(t, t.TempDir(), "ca.pem", ca.PEM), APIKey: "temporal-api-key-secret"}
	_, err := Dial(tc, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.ErrorContains(t, err, "request unauthorized", "the call reached the server over TLS")
	require.Contains(t, srv.authorizations(), "Bearer temporal-api-key-secret")
	require.NotContains(t, err.Error(), "temporal-api-key-secret")
	require.NotContains(t, logs.String(), "temporal-api-key-secret")
}

func TestMTLSRefusalIsExplained(t *testing.T) {
	ca := testcerts.NewCA(t, "CA")
	srv := startGRPC(t, ca.MTLSServer(t, "127.0.0.1"))
	dir := t.TempDir()
	tc := config.Temporal{Address: srv.addr, Namespace: "default", TLSCAFile: testcerts.Write(t, dir, "ca.pem", ca.PEM)}
	_, err := Dial(tc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.ErrorContains(t, err, "connecting to Temporal at "+srv.addr)
	require.ErrorContains(t, err, "requires a client certificate (mTLS); set TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE")
	require.Empty(t, srv.authorizations(), "no call got past the handshake")

	stranger := testcerts.NewCA(t, "another CA").Client(t, "worker")
	tc.TLSCertFile = testcerts.Write(t, dir, "cert.pem", stranger.CertPEM)
	tc.TLSKeyFile = testcerts.Write(t, dir, "key.pem", stranger.KeyPEM)
	_, err = Dial(tc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.ErrorContains(t, err, "refused the client certificate in TEMPORAL_TLS_CERT_FILE")

	mine := ca.Client(t, "worker")
	tc.TLSCertFile = testcerts.Write(t, dir, "cert.pem", mine.CertPEM)
	tc.TLSKeyFile = testcerts.Write(t, dir, "key.pem", mine.KeyPEM)
	_, err = Dial(tc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.ErrorContains(t, err, "request unauthorized", "with a certificate the CA signed, the call reaches the server")
}
