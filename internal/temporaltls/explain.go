package temporaltls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/config"
)

// Explain puts in front of a failed connection's error what the TLS problem is and which
// setting addresses it. gRPC reports handshake failures as a status holding only the text of
// the TLS error, and with TLS 1.3 a server refusing the client certificate says so after the
// handshake, so gRPC often reports just a broken pipe; then one more handshake, made here with
// the same configuration, reads the server's answer. err is returned as it is when no TLS
// problem is found.
func Explain(err error, t config.Temporal, c *tls.Config) error {
	if err == nil {
		return nil
	}
	if hint := explain(err.Error(), t); hint != "" {
		return &diagnosed{hint: hint, err: err}
	}
	if c == nil {
		return err
	}
	if perr := probe(t.Address, c); perr != nil {
		if hint := explain(perr.Error(), t); hint != "" {
			return &diagnosed{hint: fmt.Sprintf("%s (%v)", hint, perr), err: err}
		}
	}
	return err
}

// diagnosed is a connection failure explained: the explanation names the problem and the setting
// to change, and is what a log line shows first (see logging.Line); the original error stays in
// the chain and in the text.
type diagnosed struct {
	hint string
	err  error
}

func (d *diagnosed) Error() string     { return d.hint + ": " + d.err.Error() }
func (d *diagnosed) Unwrap() error     { return d.err }
func (d *diagnosed) Diagnosis() string { return d.hint }

// probe makes one TLS connection to address and waits briefly for the server's first words: a
// server that refuses the client's certificate sends its alert then.
func probe(address string, c *tls.Config) error {
	c = c.Clone()
	c.NextProtos = []string{"h2"}
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 3 * time.Second}, Config: c}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := dialer.DialContext(ctx, "tcp", address)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return nil
}

func explain(msg string, t config.Temporal) string {
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(msg, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has("tls: certificate required") && t.TLSCertFile == "":
		return "TLS: Temporal requires a client certificate (mTLS); set TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE"
	case has("tls: certificate required", "tls: bad certificate", "tls: unknown certificate authority", "tls: certificate expired",
		"tls: certificate revoked", "tls: unsupported certificate", "tls: access denied"):
		return "TLS: Temporal refused the client certificate in TEMPORAL_TLS_CERT_FILE (not signed by a CA it trusts, expired, or revoked)"
	case has("x509: certificate signed by unknown authority"):
		if t.TLSCAFile == "" {
			return "TLS: Temporal's certificate is not signed by a CA this system trusts; set TEMPORAL_TLS_CA_FILE to its CA bundle"
		}
		return "TLS: Temporal's certificate is not signed by a CA in TEMPORAL_TLS_CA_FILE"
	case has("x509: certificate is valid for", "x509: cannot validate certificate for"):
		return "TLS: Temporal's certificate does not name the host it was reached at; " +
			"set TEMPORAL_TLS_SERVER_NAME to a name the certificate carries (see the rest of this message)"
	case has("x509: certificate has expired or is not yet valid"):
		return "TLS: Temporal's certificate has expired or is not valid yet"
	case has("first record does not look like a TLS handshake"):
		return "TLS: Temporal does not speak TLS at " + t.Address + "; use its TLS port, or TEMPORAL_TLS=off for a plain connection"
	case !t.UseTLS() && (has("error reading server preface: EOF", "context deadline exceeded") ||
		has("error reading server preface") && has("connection reset by peer")):
		return "no answer over a plain connection; if Temporal at " + t.Address + " expects TLS, set TEMPORAL_TLS=on (and TEMPORAL_TLS_CA_FILE)"
	}
	return ""
}
