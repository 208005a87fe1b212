package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// checkBaseURL refuses an API base URL a credential should not be sent to: it must be an
// absolute https URL, plain http only to a loopback host (the fakes, tests), with no
// credentials, query or fragment of its own. The message names the variable.
func checkBaseURL(name, raw string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("configuration: "+name+" "+format, args...)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fail("must be an absolute URL starting with https:// (http:// only for a loopback host), got %q", withoutUserinfo(raw))
	case u.User != nil:
		return fail("must not carry credentials (user:password@): the API clients send their own")
	case u.RawQuery != "" || u.Fragment != "":
		return fail("must not have a query or fragment, got %q", u.Redacted())
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return fail("must use https: credentials would cross the network in clear text "+
			"(plain http is allowed only to loopback hosts: 127.0.0.0/8, ::1, localhost), got %q", u.Redacted())
	}
	return nil
}

// IsLoopback reports whether host (without port) is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withoutUserinfo drops anything up to an "@" after the scheme, so a value that does not parse
// is quoted without a password it may hold.
func withoutUserinfo(raw string) string {
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		scheme, _, hasScheme := strings.Cut(raw, "://")
		if hasScheme {
			return scheme + "://…@" + raw[at+1:]
		}
		return "…@" + raw[at+1:]
	}
	return raw
}

// checkWebhookURL refuses a HUBSPOT_WEBHOOK_URL HubSpot could not call or sign as written: an
// absolute https URL (plain http only to a loopback host), without credentials or fragment. A
// query is fine: HubSpot signs it with the rest.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("configuration: HUBSPOT_WEBHOOK_URL must be the absolute https:// URL HubSpot posts to, got %q", withoutUserinfo(raw))
	case u.User != nil || u.Fragment != "":
		return fmt.Errorf("configuration: HUBSPOT_WEBHOOK_URL must not carry credentials or a fragment, got %q", u.Redacted())
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return fmt.Errorf("configuration: HUBSPOT_WEBHOOK_URL must use https (HubSpot calls https targets only; "+
			"plain http is allowed to loopback hosts, for the fakes), got %q", u.Redacted())
	}
	return nil
}
