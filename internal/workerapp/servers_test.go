package workerapp

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cssync/cssync/internal/config"
)

func TestServersHaveTimeoutsAndABodyLimit(t *testing.T) {
	var read atomic.Int64
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		read.Store(n)
	}), noBody)
	require.Positive(t, srv.ReadHeaderTimeout)
	require.Positive(t, srv.ReadTimeout, "a slow body cannot hold the connection")
	require.Positive(t, srv.WriteTimeout)
	require.Positive(t, srv.IdleTimeout, "idle keep-alive connections are closed")
	require.Positive(t, srv.MaxHeaderBytes)

	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv
	ts.Start()
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/healthz", "text/plain", bytes.NewReader(make([]byte, 1<<20)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, int64(noBody), read.Load(), "the handler could read no more than the limit")
}

// TestCodecServerWiring starts the codec server as the worker does: on the configured address,
// with the configured body limit, refusing unencrypted payloads when required.
func TestCodecServerWiring(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var cfg config.Worker
	cfg.Temporal.PayloadCodecKeys = "k0:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	cfg.Temporal.PayloadCodecRequireEncryption = "true"
	cfg.CodecServer = config.CodecServer{Address: addr, Token: "codec-token", MaxBodyBytes: 2048}
	app := fxtest.New(t, fx.Supply(cfg, slog.New(slog.DiscardHandler)), fx.Invoke(startCodecServer))
	app.RequireStart()
	defer app.RequireStop()

	post := func(body []byte) (int, string) {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/default/decode", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer codec-token")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(msg)
	}
	plain, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{
		{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}}})
	require.NoError(t, err)
	status, msg := post(plain)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, msg, "PAYLOAD_CODEC_REQUIRE_ENCRYPTION=true")
	status, _ = post([]byte(`{"payloads":[{"data":"` + strings.Repeat("A", 4096) + `"}]}`))
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
}
