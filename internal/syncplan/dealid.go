// Package syncplan holds the pure decisions of a contact sync: which deal a contact points at,
// whether its fields are fit to write, and which ClientSuccess records to remove, create or update.
// It does no I/O, so workflows can call it directly and tests can cover every case in tables.
package syncplan

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseDealID checks the raw "Associated Deal ID" value. HubSpot record ids are positive integers
// that fit in 64 bits; anything else is reported with the reason, so the outcome can name it.
func ParseDealID(raw string) (string, error) {
	id := strings.TrimSpace(raw)
	if id == "" {
		return "", ErrNoDeal
	}
	n, err := strconv.ParseUint(id, 10, 63)
	if err != nil || n == 0 || strings.HasPrefix(id, "+") {
		return "", fmt.Errorf("%w: %q is not a positive whole number of at most 19 digits", ErrInvalidDealID, Clip(id, 40))
	}
	return strconv.FormatUint(n, 10), nil
}

// Clip shortens s to at most n runes, for quoting user data in messages.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
