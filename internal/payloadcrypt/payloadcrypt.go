// Package payloadcrypt encrypts every Temporal payload the worker and starter write (workflow and
// activity inputs and results, failure messages, step summaries) with AES-256-GCM, so contact
// emails and names are not stored in plain text in workflow history. Keys carry an id, written in
// each payload's metadata, so keys can be rotated: the first key encrypts, every key decrypts.
//
// Handler serves the codec over HTTP for the Temporal Web UI ("codec endpoint"), behind a bearer
// token and with CORS for the UI's origin.
package payloadcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

const (
	// Encoding marks an encrypted payload.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key a payload was encrypted with.
	MetadataKeyID = "encryption-key-id"
)

// Codec is a converter.PayloadCodec. The zero value is not usable; call ParseKeys.
type Codec struct {
	activeID string
	keys     map[string]cipher.AEAD
	// refuseUnencrypted makes Decode fail on payloads without the encryption metadata.
	refuseUnencrypted bool
}

// RefuseUnencrypted is the same codec, except that Decode fails on a payload that is not
// encrypted instead of passing it through (PAYLOAD_CODEC_REQUIRE_ENCRYPTION): no one who can
// write to Temporal, but does not hold a key, can feed the worker or the Web UI plain data.
func (c *Codec) RefuseUnencrypted() *Codec {
	refusing := *c
	refusing.refuseUnencrypted = true
	return &refusing
}

// ParseKeys reads "kid1:base64key,kid0:base64key": 32-byte keys (standard or URL base64), the
// first one active. Errors name the key id, never the key.
func ParseKeys(spec string) (*Codec, error) {
	c := &Codec{keys: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		id = strings.TrimSpace(id)
		if !ok || id == "" {
			return nil, errors.New("PAYLOAD_CODEC_KEYS: each key must be written id:base64key")
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			key, err = base64.URLEncoding.DecodeString(strings.TrimSpace(b64))
		}
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("PAYLOAD_CODEC_KEYS: key %q must be 32 bytes in base64", id)
		}
		if _, dup := c.keys[id]; dup {
			return nil, fmt.Errorf("PAYLOAD_CODEC_KEYS: key id %q appears twice", id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("PAYLOAD_CODEC_KEYS: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("PAYLOAD_CODEC_KEYS: key %q: %w", id, err)
		}
		if c.activeID == "" {
			c.activeID = id
		}
		c.keys[id] = aead
	}
	if c.activeID == "" {
		return nil, errors.New("PAYLOAD_CODEC_KEYS: no key given")
	}
	return c, nil
}

// ActiveKeyID is the id of the key new payloads are encrypted with.
func (c *Codec) ActiveKeyID() string { return c.activeID }

// Encode encrypts each payload (the whole payload, metadata included) with the active key.
// Payloads already encrypted are left as they are, so encoding twice is harmless.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.keys[c.activeID]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if isEncrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payloadcrypt: encoding a payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("payloadcrypt: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(Encoding), MetadataKeyID: []byte(c.activeID)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.activeID)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads with the key they name and passes others through, or
// refuses them (RefuseUnencrypted).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !isEncrypted(p) {
			if c.refuseUnencrypted && p != nil {
				return nil, fmt.Errorf("payloadcrypt: refused a payload that is not encrypted (encoding %q): PAYLOAD_CODEC_REQUIRE_ENCRYPTION=true",
					p.Metadata[converter.MetadataEncoding])
			}
			out[i] = p
			continue
		}
		id := string(p.Metadata[MetadataKeyID])
		aead, ok := c.keys[id]
		if !ok {
			return nil, fmt.Errorf("payloadcrypt: payload encrypted with key %q, which is not in PAYLOAD_CODEC_KEYS", id)
		}
		if len(p.Data) < aead.NonceSize() {
			return nil, errors.New("payloadcrypt: encrypted payload too short")
		}
		nonce, sealed := p.Data[:aead.NonceSize()], p.Data[aead.NonceSize():]
		plain, err := aead.Open(nil, nonce, sealed, []byte(id))
		if err != nil {
			return nil, fmt.Errorf("payloadcrypt: payload encrypted with key %q does not decrypt: %w", id, err)
		}
		var dec commonpb.Payload
		if err := proto.Unmarshal(plain, &dec); err != nil {
			return nil, fmt.Errorf("payloadcrypt: decrypted payload: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

func isEncrypted(p *commonpb.Payload) bool {
	return p != nil && string(p.Metadata[converter.MetadataEncoding]) == Encoding
}

// DataConverter is the SDK's default converter with this codec applied to every payload.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}
