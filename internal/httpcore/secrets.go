package httpcore

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
)

// Redacted replaces a secret in any text that leaves a client.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest text scrubbed as a secret: a one- or two-letter "password" would
// turn every message into confetti and protects nothing.
const minSecretLen = 4

// Secrets are texts that must never leave a client in an error: tokens, passwords, usernames.
// Every text taken from an answer is scrubbed first and clipped after, so a cut can never leave
// part of a secret behind.
type Secrets []string

// Scrub replaces every secret in s.
func (s Secrets) Scrub(text string) string {
	for _, secret := range s {
		if len(secret) >= minSecretLen && strings.Contains(text, secret) {
			text = strings.ReplaceAll(text, secret, Redacted)
		}
	}
	return text
}

// Clean is API text ready for an error: scrubbed, trimmed, then clipped to n runes.
func (s Secrets) Clean(text string, n int) string {
	return apierr.Clip(strings.TrimSpace(s.Scrub(text)), n)
}

// Snippet is apierr.Snippet with the secrets scrubbed before the clip.
func (s Secrets) Snippet(body []byte) string {
	return apierr.Clip(s.Scrub(apierr.Text(s.scrubBytes(body))), apierr.MaxSnippetRunes)
}

// scrubBytes replaces every secret in a body, as it is and as JSON escapes it (a password with
// a quote or an angle bracket is echoed escaped), before anything reads or cuts the body.
func (s Secrets) scrubBytes(body []byte) []byte {
	for _, secret := range s {
		if len(secret) < minSecretLen {
			continue
		}
		forms := [][]byte{[]byte(secret)}
		if quoted, err := json.Marshal(secret); err == nil {
			if escaped := quoted[1 : len(quoted)-1]; !bytes.Equal(escaped, forms[0]) {
				forms = append(forms, escaped)
			}
		}
		for _, f := range forms {
			if bytes.Contains(body, f) {
				body = bytes.ReplaceAll(body, f, []byte(Redacted))
			}
		}
	}
	return body
}
