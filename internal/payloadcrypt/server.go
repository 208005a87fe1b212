package payloadcrypt

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"

	"go.temporal.io/sdk/converter"
)

// Handler serves the codec's /encode and /decode endpoints (under any prefix, such as
// /{namespace}) as the Temporal Web UI and CLI expect them. Every request but a CORS preflight
// needs "Authorization: Bearer <token>". allowOrigin, when set, is the UI's origin allowed to call
// it from the browser. A body over maxBody bytes is answered 413 after reading at most that much.
func Handler(c *Codec, token, allowOrigin string, maxBody int64) http.Handler {
	codec := converter.NewPayloadCodecHTTPHandler(c)
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allowOrigin != "" && r.Header.Get("Origin") == allowOrigin {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", allowOrigin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		if token == "" || subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "codec server: missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "codec server: POST only", http.StatusMethodNotAllowed)
			return
		}
		if !readBody(w, r, maxBody) {
			return
		}
		codec.ServeHTTP(w, r)
	})
}

// readBody replaces r.Body with its content, read up to maxBody bytes; a longer body (declared
// or sent) is answered 413 and false. The SDK's handler would turn a read error into a 400.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) bool {
	tooLarge := func() {
		http.Error(w, fmt.Sprintf("codec server: request body over %d bytes", maxBody), http.StatusRequestEntityTooLarge)
	}
	if r.ContentLength > maxBody {
		tooLarge()
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLong *http.MaxBytesError
	switch {
	case errors.As(err, &tooLong):
		tooLarge()
		return false
	case err != nil:
		http.Error(w, "codec server: reading the request body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}
