package payloadcrypt

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

func TestRoundTripAndRotation(t *testing.T) {
	old, err := ParseKeys("k0:" + key(1))
	require.NoError(t, err)
	plain := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"email":"bh@hubspot.com"}`)}}
	enc, err := old.Encode(plain)
	require.NoError(t, err)
	require.NotContains(t, enc[0].String(), "bh@hubspot.com")
	require.Equal(t, "k0", string(enc[0].Metadata[MetadataKeyID]))
	again, err := old.Encode(enc)
	require.NoError(t, err)
	require.Equal(t, enc[0].Data, again[0].Data, "encoding twice is harmless")

	rotated, err := ParseKeys("k1:" + key(2) + ", k0:" + key(1))
	require.NoError(t, err)
	require.Equal(t, "k1", rotated.ActiveKeyID())
	dec, err := rotated.Decode(enc)
	require.NoError(t, err, "an old payload decrypts after rotation")
	require.Equal(t, plain[0].Data, dec[0].Data)
	require.Equal(t, "json/plain", string(dec[0].Metadata["encoding"]))

	newOnly, err := ParseKeys("k1:" + key(2))
	require.NoError(t, err)
	_, err = newOnly.Decode(enc)
	require.ErrorContains(t, err, `"k0"`)
	enc[0].Data[len(enc[0].Data)-1] ^= 1
	_, err = old.Decode(enc)
	require.Error(t, err, "tampering is detected")
	pass, err := old.Decode(plain)
	require.NoError(t, err)
	require.Equal(t, plain, pass, "unencrypted payloads pass through")
}

func TestParseKeysErrorsNameTheKeyNotItsValue(t *testing.T) {
	for _, spec := range []string{"", "k0", ":" + key(1), "k0:short", "k0:" + key(1) + ",k0:" + key(2), "k0:!!!"} {
		_, err := ParseKeys(spec)
		require.Error(t, err, spec)
		require.Contains(t, err.Error(), "PAYLOAD_CODEC_KEYS")
		require.NotContains(t, err.Error(), key(1))
	}
}

func TestHandler(t *testing.T) {
	c, err := ParseKeys("k0:" + key(1))
	require.NoError(t, err)
	srv := httptest.NewServer(Handler(c, "codec-token", "http://localhost:8233", 1<<20))
	defer srv.Close()
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"Brian"`)}})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: enc})
	require.NoError(t, err)

	post := func(token string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/default/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://localhost:8233")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}
	resp := post("")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = post("wrong")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = post("codec-token")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	var out commonpb.Payloads
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	require.NoError(t, protojson.Unmarshal(buf.Bytes(), &out))
	require.Equal(t, `"Brian"`, string(out.Payloads[0].Data))

	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/default/decode", nil)
	req.Header.Set("Origin", "http://localhost:8233")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "preflight needs no token")
	require.True(t, strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization"))

	req, _ = http.NewRequest(http.MethodOptions, srv.URL+"/default/decode", nil)
	req.Header.Set("Origin", "http://evil.example")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "other origins get no CORS grant")
}

func TestRefuseUnencrypted(t *testing.T) {
	c, err := ParseKeys("k0:" + key(1))
	require.NoError(t, err)
	strict := c.RefuseUnencrypted()
	plain := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"email":"bh@hubspot.com"}`)}}
	_, err = strict.Decode(plain)
	require.ErrorContains(t, err, `refused a payload that is not encrypted (encoding "json/plain"): PAYLOAD_CODEC_REQUIRE_ENCRYPTION=true`)
	require.NotContains(t, err.Error(), "bh@hubspot.com", "the refusal does not echo the payload")
	pass, err := c.Decode(plain)
	require.NoError(t, err, "the codec it was made from still passes plain payloads through")
	require.Equal(t, plain, pass)

	enc, err := strict.Encode(plain)
	require.NoError(t, err)
	dec, err := strict.Decode(enc)
	require.NoError(t, err, "encrypted payloads still decode")
	require.Equal(t, plain[0].Data, dec[0].Data)
}

func decodeRequest(t *testing.T, url string, payloads []*commonpb.Payload) *http.Response {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url+"/default/decode", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer codec-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHandlerRequiringEncryptionRefusesPlainPayloads(t *testing.T) {
	c, err := ParseKeys("k0:" + key(1))
	require.NoError(t, err)
	srv := httptest.NewServer(Handler(c.RefuseUnencrypted(), "codec-token", "", 1<<20))
	defer srv.Close()
	plain := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"Brian"`)}}

	resp := decodeRequest(t, srv.URL, plain)
	msg, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(msg), "not encrypted")
	require.Contains(t, string(msg), "PAYLOAD_CODEC_REQUIRE_ENCRYPTION=true")

	enc, err := c.Encode(plain)
	require.NoError(t, err)
	resp = decodeRequest(t, srv.URL, enc)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out commonpb.Payloads
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, protojson.Unmarshal(raw, &out))
	require.Equal(t, `"Brian"`, string(out.Payloads[0].Data))
}

// zeros is an endless body that costs no memory to send.
type zeros struct{ left int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > z.left {
		n = z.left
	}
	clear(p[:n])
	z.left -= n
	return int(n), nil
}

// TestHandlerBodyLimit sends bodies far over the limit, with and without a declared length: both
// are answered 413, and the process allocates a small part of what was sent.
func TestHandlerBodyLimit(t *testing.T) {
	c, err := ParseKeys("k0:" + key(1))
	require.NoError(t, err)
	const limit, sent = 64 << 10, 64 << 20
	srv := httptest.NewServer(Handler(c, "codec-token", "", limit))
	defer srv.Close()
	for _, declared := range []bool{true, false} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/default/decode", io.NopCloser(&zeros{left: sent}))
		require.NoError(t, err)
		if declared {
			req.ContentLength = sent
		} // else: chunked, so only reading tells the size
		req.Header.Set("Authorization", "Bearer codec-token")
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, "declared length %v", declared)
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		runtime.ReadMemStats(&after)
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "declared length %v: %s", declared, msg)
		require.Contains(t, string(msg), "request body over 65536 bytes")
		allocated := after.TotalAlloc - before.TotalAlloc
		require.Less(t, allocated, uint64(sent/8), "declared length %v: allocated %d bytes for a %d-byte body", declared, allocated, sent)
	}
}
