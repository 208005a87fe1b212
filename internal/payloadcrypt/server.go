package payloadcrypt

import (
	"crypto/subtle"
	"net/http"

	"go.temporal.io/sdk/converter"
)

// Handler serves the codec's /encode and /decode endpoints (under any prefix, such as
// /{namespace}) as the Temporal Web UI and CLI expect them. Every request but a CORS preflight
// needs "Authorization: Bearer <token>". allowOrigin, when set, is the UI's origin allowed to call
// it from the browser.
func Handler(c *Codec, token, allowOrigin string) http.Handler {
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
		codec.ServeHTTP(w, r)
	})
}
