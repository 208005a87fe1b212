// Package temporaltls builds the TLS side of the connection to Temporal from the TEMPORAL_TLS_*
// settings: the server verified against a CA bundle (or the system's roots) and, for mTLS, a
// client certificate read again whenever its files change, so rotating it needs no restart.
package temporaltls

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/cssync/cssync/internal/config"
)

// Config is the TLS configuration for t, or nil when the connection is plain (t.UseTLS false).
// Errors name the setting whose file is missing or malformed.
func Config(t config.Temporal, logger *slog.Logger) (*tls.Config, error) {
	if !t.UseTLS() {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.TLSServerName}
	if t.TLSCAFile != "" {
		pem, err := os.ReadFile(t.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("configuration: TEMPORAL_TLS_CA_FILE: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("configuration: TEMPORAL_TLS_CA_FILE=%s holds no PEM certificate", t.TLSCAFile)
		}
	}
	if t.TLSCertFile != "" {
		kp, err := newKeyPair(t.TLSCertFile, t.TLSKeyFile, logger)
		if err != nil {
			return nil, err
		}
		c.GetClientCertificate = kp.clientCertificate
	}
	return c, nil
}
