package temporaltls

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// keyPair is a client certificate and key kept in step with their files: each TLS handshake
// that asks for a client certificate first checks whether either file changed (modification
// time or size) and, if so, reads the pair again. A pair that does not load (a rotation caught
// between writing the certificate and the key) is logged and the previous one kept, so a
// reconnect during rotation still presents a valid certificate.
//
// Established connections keep the certificate of their handshake; the new one is used from
// the next connection on.
type keyPair struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu     sync.Mutex
	stamps [2]stamp
	cert   *tls.Certificate
}

type stamp struct {
	modified time.Time
	size     int64
}

// newKeyPair loads the pair once, so a missing or malformed file fails at start-up.
func newKeyPair(certFile, keyFile string, logger *slog.Logger) (*keyPair, error) {
	kp := &keyPair{certFile: certFile, keyFile: keyFile, logger: logger}
	stamps, err := kp.stat()
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	cert, err := kp.load()
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	kp.stamps, kp.cert = stamps, cert
	return kp, nil
}

func (kp *keyPair) clientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	stamps, err := kp.stat()
	if err == nil && stamps == kp.stamps {
		return kp.cert, nil
	}
	if err == nil {
		var cert *tls.Certificate
		if cert, err = kp.load(); err == nil {
			kp.stamps, kp.cert = stamps, cert
			kp.logger.Info("Temporal client certificate reloaded", "certFile", kp.certFile, "notAfter", cert.Leaf.NotAfter)
			return kp.cert, nil
		}
	}
	kp.logger.Warn("Temporal client certificate files changed but do not load; keeping the previous certificate", "error", err)
	return kp.cert, nil
}

func (kp *keyPair) stat() ([2]stamp, error) {
	var out [2]stamp
	for i, f := range []struct{ name, path string }{{"TEMPORAL_TLS_CERT_FILE", kp.certFile}, {"TEMPORAL_TLS_KEY_FILE", kp.keyFile}} {
		st, err := os.Stat(f.path)
		if err != nil {
			return out, fmt.Errorf("%s: %w", f.name, err)
		}
		out[i] = stamp{st.ModTime(), st.Size()}
	}
	return out, nil
}

// load reads the pair; errors name the settings, never the key material.
func (kp *keyPair) load() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(kp.certFile, kp.keyFile)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_TLS_CERT_FILE=%s with TEMPORAL_TLS_KEY_FILE=%s: %w", kp.certFile, kp.keyFile, err)
	}
	return &cert, nil
}
