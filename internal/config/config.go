// Package config reads the worker's settings from the environment. Every setting has a documented
// default except credentials; a missing or malformed value fails start-up naming the variable.
package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v10"
)

// Temporal says where and how the worker and starter connect (docs/temporal-connection.md).
type Temporal struct {
	Address   string `env:"TEMPORAL_ADDRESS" envDefault:"localhost:7233"`
	Namespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	TaskQueue string `env:"TEMPORAL_TASK_QUEUE" envDefault:"clientsuccess-sync"`
	// TLS is "on" or "off"; empty means on as soon as any TEMPORAL_TLS_* file, the server name
	// or an API key is set (see UseTLS).
	TLS string `env:"TEMPORAL_TLS"`
	// TLSCAFile is a PEM bundle of the CAs that may sign the server's certificate; empty means
	// the system's roots (right for Temporal Cloud).
	TLSCAFile string `env:"TEMPORAL_TLS_CA_FILE"`
	// TLSServerName is the name the server's certificate must carry, when it is not the host
	// of TEMPORAL_ADDRESS (an IP address, a load balancer's name).
	TLSServerName string `env:"TEMPORAL_TLS_SERVER_NAME"`
	// TLSCertFile and TLSKeyFile are the client certificate and key for mTLS, both or neither.
	// They are read again when either file changes, so a rotated certificate needs no restart.
	TLSCertFile string `env:"TEMPORAL_TLS_CERT_FILE"`
	TLSKeyFile  string `env:"TEMPORAL_TLS_KEY_FILE"`
	// APIKey authenticates to Temporal Cloud (or any server taking bearer API keys); it implies
	// TLS. Unset from the process environment once read (LoadWorker: what that does not cover).
	APIKey string `env:"TEMPORAL_API_KEY,unset"`
	// PayloadCodecKeys, when set, encrypts every payload: "kid1:base64key,kid0:base64key", 32-byte
	// AES-256 keys, the first one encrypting. Unset from the process environment once read (see LoadWorker).
	PayloadCodecKeys string `env:"PAYLOAD_CODEC_KEYS,unset"`
	// PayloadCodecRequireEncryption ("true"/"false") makes decoding refuse payloads that are not
	// encrypted, in the worker, the starter and the codec server. Text, like WriteBackDealID.
	PayloadCodecRequireEncryption string `env:"PAYLOAD_CODEC_REQUIRE_ENCRYPTION" envDefault:"false"`
}

// UseTLS reports whether the connection to Temporal uses TLS: TEMPORAL_TLS when set, else
// whether anything that only makes sense over TLS is configured.
func (t Temporal) UseTLS() bool {
	if on, set := parseSwitch(t.TLS); set {
		return on
	}
	return t.TLSCAFile != "" || t.TLSServerName != "" || t.TLSCertFile != "" || t.TLSKeyFile != "" || t.APIKey != ""
}

// RequireEncryption reports whether PAYLOAD_CODEC_REQUIRE_ENCRYPTION is on (a malformed value
// fails validation).
func (t Temporal) RequireEncryption() bool {
	on, _ := strconv.ParseBool(t.PayloadCodecRequireEncryption)
	return on
}

// parseSwitch reads on/off/true/false (any case); set is false for an empty value.
func parseSwitch(v string) (on, set bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true":
		return true, true
	case "off", "false":
		return false, true
	}
	return false, false
}

func (t Temporal) validate() error {
	if strings.TrimSpace(t.TLS) != "" {
		if _, set := parseSwitch(t.TLS); !set {
			return fmt.Errorf("configuration: TEMPORAL_TLS must be on or off, got %q", t.TLS)
		}
	}
	if (t.TLSCertFile == "") != (t.TLSKeyFile == "") {
		set, missing := "TEMPORAL_TLS_CERT_FILE", "TEMPORAL_TLS_KEY_FILE"
		if t.TLSCertFile == "" {
			set, missing = missing, set
		}
		return fmt.Errorf("configuration: %s is set but %s is not; a client certificate needs both", set, missing)
	}
	if !t.UseTLS() {
		for _, s := range []struct{ name, value string }{
			{"TEMPORAL_TLS_CA_FILE", t.TLSCAFile}, {"TEMPORAL_TLS_SERVER_NAME", t.TLSServerName},
			{"TEMPORAL_TLS_CERT_FILE", t.TLSCertFile}, {"TEMPORAL_API_KEY", t.APIKey},
		} {
			if s.value != "" {
				// An API key over plain text would be readable by anyone on the network.
				return fmt.Errorf("configuration: TEMPORAL_TLS=off contradicts %s, which needs TLS", s.name)
			}
		}
	}
	if _, err := strconv.ParseBool(t.PayloadCodecRequireEncryption); err != nil {
		return fmt.Errorf("configuration: PAYLOAD_CODEC_REQUIRE_ENCRYPTION must be true or false, got %q", t.PayloadCodecRequireEncryption)
	}
	if t.RequireEncryption() && t.PayloadCodecKeys == "" {
		return errors.New("configuration: PAYLOAD_CODEC_REQUIRE_ENCRYPTION=true needs PAYLOAD_CODEC_KEYS")
	}
	return nil
}

// CodecServer serves the payload codec to the Temporal Web UI.
type CodecServer struct {
	// Address is where the codec server listens once Token turns it on; loopback by default, so
	// a container or another host reaching it is a deliberate choice (e.g. "0.0.0.0:8081").
	// Off in the environment turns it off; empty here means off.
	Address string `env:"CODEC_SERVER_ADDRESS" envDefault:"127.0.0.1:8081"`
	// Token is the bearer token the UI must send; setting it turns the codec server on. It is
	// unset from the process environment once read (see LoadWorker).
	Token string `env:"CODEC_SERVER_TOKEN,unset"`
	// MaxBodyBytes is the largest request body the codec server reads; larger ones get 413.
	// The default holds a payload at Temporal's default 2 MB limit, base64 in JSON.
	MaxBodyBytes int64 `env:"CODEC_SERVER_MAX_BODY_BYTES" envDefault:"4194304"`
	// CORSOrigin is the Web UI's origin, allowed to call the codec server from the browser.
	CORSOrigin string `env:"CODEC_CORS_ORIGIN" envDefault:"http://localhost:8233"`
}

// HubSpot holds the HubSpot connection and the contact properties the sync reads.
type HubSpot struct {
	BaseURL string `env:"HUBSPOT_BASE_URL" envDefault:"https://api.hubapi.com"`
	// Token is a private-app token or service key. Unset from the process environment once read (see LoadWorker).
	Token string `env:"HUBSPOT_TOKEN,required,notEmpty,unset"`
	// APIFamily picks the path family: "2026-03" (date-versioned) or "v3" (numbered).
	APIFamily string `env:"HUBSPOT_API_FAMILY" envDefault:"2026-03"`
	// SyncProperty is the contact single-checkbox property: checked means sync.
	SyncProperty string `env:"HUBSPOT_SYNC_PROPERTY" envDefault:"sync_w_clientsuccess_contact"`
	// DealIDProperty is the contact property that holds the one associated deal id.
	DealIDProperty string `env:"HUBSPOT_DEAL_ID_PROPERTY" envDefault:"associated_deal_id"`
	// RequestsPerSecond paces every HubSpot call of the task queue's workers together (or of this
	// process: APIPacing). The default stays under the smallest private-app limit (100 per 10 s);
	// Professional and Enterprise allow 190 per 10 s, the limit-increase add-on 250.
	RequestsPerSecond float64 `env:"HUBSPOT_REQUESTS_PER_SECOND" envDefault:"9"`
	// SearchRequestsPerSecond additionally paces search calls, which HubSpot limits to 5 per second.
	SearchRequestsPerSecond float64 `env:"HUBSPOT_SEARCH_REQUESTS_PER_SECOND" envDefault:"4"`
	// DealResolver picks how a contact's deal is found: "property" (the deal id property, the
	// classic way) or "associations" (the contact's associated deals, chosen by a fixed rule).
	DealResolver string `env:"DEAL_RESOLVER" envDefault:"property"`
	// DealPreference orders associated deals by createdate: "newest" or "oldest".
	DealPreference string `env:"DEAL_PREFERENCE" envDefault:"newest"`
	// WriteBackDealID ("true"/"false") writes the deal the associations resolver chose into
	// DealIDProperty. Kept as text so a malformed value is reported with the variable's name.
	WriteBackDealID string `env:"WRITE_BACK_DEAL_ID" envDefault:"false"`
	// DealSyncProperty is a deal single-checkbox; when set, MaintainContactCheckbox checks the
	// contacts of deals where it is checked. Empty (the default) turns the maintainer off.
	DealSyncProperty string `env:"HUBSPOT_DEAL_SYNC_PROPERTY"`
	// CompanySyncProperty is the same for companies.
	CompanySyncProperty string `env:"HUBSPOT_COMPANY_SYNC_PROPERTY"`
	// ClientSource says what a ClientSuccess client stands for: "deals" (the default) or
	// "companies". SyncClients turns the records of that type whose checkbox (DealSyncProperty
	// or CompanySyncProperty) is checked into clients; with "companies" a contact's client is
	// its primary company's.
	ClientSource string `env:"CLIENT_SOURCE" envDefault:"deals"`
	// ClientStatusProperty, when set, is a deal or company property (CLIENT_SOURCE) whose value
	// SyncClients writes as the client's ClientSuccess status, matched case-insensitively by
	// description, then code. Empty (the default) leaves client statuses alone.
	ClientStatusProperty string `env:"HUBSPOT_CLIENT_STATUS_PROPERTY"`
	// DeletedContacts says what happens to the ClientSuccess records of a contact deleted in
	// HubSpot: "keep" (the default: kept, and reported as orphans) or "remove".
	DeletedContacts string `env:"DELETED_CONTACTS" envDefault:"keep"`
}

// RemoveDeleted reports whether DELETED_CONTACTS=remove.
func (h HubSpot) RemoveDeleted() bool { return h.DeletedContacts == "remove" }

// WriteBack reports whether WRITE_BACK_DEAL_ID is on (a malformed value fails validation).
func (h HubSpot) WriteBack() bool {
	on, _ := strconv.ParseBool(h.WriteBackDealID)
	return on
}

// ClientSuccess holds the ClientSuccess connection.
type ClientSuccess struct {
	BaseURL  string `env:"CLIENTSUCCESS_BASE_URL" envDefault:"https://api.clientsuccess.com/v1"`
	Username string `env:"CLIENTSUCCESS_USERNAME,required,notEmpty"`
	// Password is unset from the process environment once read (see LoadWorker).
	Password string `env:"CLIENTSUCCESS_PASSWORD,required,notEmpty,unset"`
	// RequestsPerSecond paces every ClientSuccess call of the task queue's workers together (or of
	// this process: APIPacing); no limit is published: ask ClientSuccess what your account tolerates.
	RequestsPerSecond float64 `env:"CLIENTSUCCESS_REQUESTS_PER_SECOND" envDefault:"10"`
	// ClientCacheTTL is how long this worker process remembers the client found for a deal, so a
	// batch does not look it up once per contact; 0 turns the cache off.
	ClientCacheTTL time.Duration `env:"CLIENTSUCCESS_CLIENT_CACHE_TTL" envDefault:"1m"`
}

// Webhook is the receiver of HubSpot's webhooks (docs/webhooks.md): off unless both Address and
// Secret are set.
type Webhook struct {
	// Address is where the receiver listens, e.g. "0.0.0.0:8090"; empty or off means no receiver.
	Address string `env:"HUBSPOT_WEBHOOK_ADDRESS"`
	// Secret is the HubSpot app's client secret, the key of the signatures the receiver checks.
	// Unset from the process environment once read (see LoadWorker).
	Secret string `env:"HUBSPOT_APP_SECRET,unset"`
	// URL is the public URL HubSpot posts to (the app's target URL), which its signatures cover;
	// behind a proxy it differs from Address. Required when the receiver is on.
	URL string `env:"HUBSPOT_WEBHOOK_URL"`
	// MaintainCheckbox ("true"/"false") makes a deal or company checkbox event start
	// MaintainContactCheckbox too, which also unticks contacts its rule does not cover. Text, like
	// WriteBackDealID, so a malformed value is reported with the variable's name.
	MaintainCheckbox string `env:"HUBSPOT_WEBHOOK_MAINTAIN_CHECKBOX" envDefault:"false"`
}

// MaintainsCheckbox reports whether HUBSPOT_WEBHOOK_MAINTAIN_CHECKBOX is on (a malformed value
// fails validation).
func (w Webhook) MaintainsCheckbox() bool {
	on, _ := strconv.ParseBool(w.MaintainCheckbox)
	return on
}

// On reports whether the receiver runs.
func (w Webhook) On() bool { return w.Address != "" && w.Secret != "" }

func (w Webhook) validate() error {
	switch {
	case w.Address == "" && w.Secret == "" && w.URL == "":
		return nil
	case w.Address == "":
		return errors.New("configuration: HUBSPOT_APP_SECRET or HUBSPOT_WEBHOOK_URL is set but HUBSPOT_WEBHOOK_ADDRESS is not: " +
			"set the address the webhook receiver listens on, or unset them")
	case w.Secret == "":
		return errors.New("configuration: HUBSPOT_WEBHOOK_ADDRESS needs HUBSPOT_APP_SECRET, the app's client secret HubSpot signs webhooks with")
	case w.URL == "":
		return errors.New("configuration: HUBSPOT_WEBHOOK_ADDRESS needs HUBSPOT_WEBHOOK_URL, the public URL HubSpot posts to and signs")
	}
	if _, err := strconv.ParseBool(w.MaintainCheckbox); err != nil {
		return fmt.Errorf("configuration: HUBSPOT_WEBHOOK_MAINTAIN_CHECKBOX must be true or false, got %q", w.MaintainCheckbox)
	}
	return checkWebhookURL(w.URL)
}

// Worker is everything the worker process needs.
type Worker struct {
	Temporal      Temporal
	HubSpot       HubSpot
	ClientSuccess ClientSuccess
	CodecServer   CodecServer
	Webhook       Webhook
	Log           Log
	// HealthAddress serves /healthz and /readyz; Off in the environment (empty here) turns it off.
	// Loopback by default: an orchestrator probing from outside the container sets e.g. "0.0.0.0:8080".
	HealthAddress string `env:"HEALTH_ADDRESS" envDefault:"127.0.0.1:8080"`
	// MetricsAddress serves Prometheus metrics at /metrics; Off in the environment (empty here)
	// turns it off. Loopback by default, like HealthAddress.
	MetricsAddress string `env:"METRICS_ADDRESS" envDefault:"127.0.0.1:9090"`
	// APIPacing says whose calls the *_REQUESTS_PER_SECOND settings pace together: "task-queue"
	// (every worker process on TEMPORAL_TASK_QUEUE, through a schedule held in Temporal: the
	// APIs' limits are per account) or "process" (each worker process on its own).
	APIPacing string `env:"API_PACING" envDefault:"task-queue"`
	// FieldMappingFile is a YAML field mapping (see internal/mapping); empty means the built-in
	// mapping. It is read, and checked against HubSpot and ClientSuccess, at start-up.
	FieldMappingFile string `env:"FIELD_MAPPING_FILE"`
}

// PacingProcess is the API_PACING value that paces each worker process on its own.
const PacingProcess = "process"

// SharedPacing reports whether the workers of the task queue pace their API calls together
// (API_PACING=task-queue, the default; empty counts as the default).
func (c Worker) SharedPacing() bool { return c.APIPacing != PacingProcess }

// Off is the address value that turns an endpoint off. An empty variable cannot: the
// environment parser treats it as unset and applies the default.
const Off = "off"

// LoadWorker reads the worker configuration from the environment.
//
// Secrets (the `unset` tag) are removed from this process's environment once read: later
// os.Getenv calls and child processes do not see them. That is all it does. /proc/<pid>/environ
// keeps the environment the process was started with (unsetenv does not touch the kernel's
// copy), readable by the same user and by root, and the container's or service's definition
// (docker inspect, the pod spec, the unit file) still holds the values; docs/security.md.
func LoadWorker() (Worker, error) {
	// Each group is parsed on its own first, so a parse error can name its variable; all read
	// one snapshot, because secrets are unset from the process environment once read.
	environ := env.ToMap(os.Environ())
	var c Worker
	for _, part := range []any{&c.Temporal, &c.HubSpot, &c.ClientSuccess, &c.CodecServer, &c.Webhook, &c.Log, &c} {
		if err := parse(part, environ); err != nil {
			return Worker{}, err
		}
	}
	for _, addr := range []*string{&c.HealthAddress, &c.MetricsAddress, &c.CodecServer.Address, &c.Webhook.Address} {
		if strings.EqualFold(strings.TrimSpace(*addr), Off) {
			*addr = ""
		}
	}
	// The codec server's default address applies once a token turns it on; an address set
	// without a token is a mistake validate reports.
	if environ["CODEC_SERVER_ADDRESS"] == "" && c.CodecServer.Token == "" {
		c.CodecServer.Address = ""
	}
	return c, c.validate()
}

// EnvAddress renders an address for the environment: empty (off) becomes Off.
func EnvAddress(addr string) string {
	if addr == "" {
		return Off
	}
	return addr
}

// LoadTemporal reads only the Temporal connection, for the starter.
func LoadTemporal() (Temporal, error) {
	var t Temporal
	if err := parse(&t, env.ToMap(os.Environ())); err != nil {
		return Temporal{}, err
	}
	return t, t.validate()
}

// parse reads one flat struct, naming the environment variable when a value does not parse
// (the env library names only the Go field).
func parse(v any, environ map[string]string) error {
	err := env.ParseWithOptions(v, env.Options{Environment: environ})
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	msgs := make([]string, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := reflect.TypeOf(v).Elem().FieldByName(pe.Name); ok {
				name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
				e = fmt.Errorf("%s: %v", name, pe.Err)
			}
		}
		msgs = append(msgs, e.Error())
	}
	return fmt.Errorf("configuration: %s", strings.Join(msgs, "; "))
}

func (c Worker) validate() error {
	for _, err := range []error{
		c.Temporal.validate(),
		checkBaseURL("HUBSPOT_BASE_URL", c.HubSpot.BaseURL),
		checkBaseURL("CLIENTSUCCESS_BASE_URL", c.ClientSuccess.BaseURL),
		c.Webhook.validate(),
		c.Log.validate(),
	} {
		if err != nil {
			return err
		}
	}
	switch c.APIPacing {
	case "task-queue", PacingProcess:
	default:
		return fmt.Errorf("configuration: API_PACING must be \"task-queue\" or \"process\", got %q", c.APIPacing)
	}
	switch c.HubSpot.APIFamily {
	case "2026-03", "v3":
	default:
		return fmt.Errorf("configuration: HUBSPOT_API_FAMILY must be \"2026-03\" or \"v3\", got %q", c.HubSpot.APIFamily)
	}
	switch c.HubSpot.DealResolver {
	case "property", "associations":
	default:
		return fmt.Errorf("configuration: DEAL_RESOLVER must be \"property\" or \"associations\", got %q", c.HubSpot.DealResolver)
	}
	switch c.HubSpot.DeletedContacts {
	case "keep", "remove":
	default:
		return fmt.Errorf("configuration: DELETED_CONTACTS must be \"keep\" or \"remove\", got %q", c.HubSpot.DeletedContacts)
	}
	switch c.HubSpot.DealPreference {
	case "newest", "oldest":
	default:
		return fmt.Errorf("configuration: DEAL_PREFERENCE must be \"newest\" or \"oldest\", got %q", c.HubSpot.DealPreference)
	}
	if _, err := strconv.ParseBool(c.HubSpot.WriteBackDealID); err != nil {
		return fmt.Errorf("configuration: WRITE_BACK_DEAL_ID must be true or false, got %q", c.HubSpot.WriteBackDealID)
	}
	if c.HubSpot.WriteBack() && c.HubSpot.DealResolver != "associations" {
		return fmt.Errorf("configuration: WRITE_BACK_DEAL_ID=true needs DEAL_RESOLVER=associations (with DEAL_RESOLVER=property the property is the source)")
	}
	for _, s := range []struct{ name, value string }{
		{"HUBSPOT_DEAL_SYNC_PROPERTY", c.HubSpot.DealSyncProperty},
		{"HUBSPOT_COMPANY_SYNC_PROPERTY", c.HubSpot.CompanySyncProperty},
		{"HUBSPOT_CLIENT_STATUS_PROPERTY", c.HubSpot.ClientStatusProperty},
	} {
		if s.value != strings.TrimSpace(s.value) {
			return fmt.Errorf("configuration: %s must not have leading or trailing spaces, got %q", s.name, s.value)
		}
	}
	switch c.HubSpot.ClientSource {
	case "deals":
	case "companies":
		// Companies mode exists for client sync, so its checkbox is required; the deal resolver
		// settings would be silently ignored, so they are refused.
		if c.HubSpot.CompanySyncProperty == "" {
			return errors.New("configuration: CLIENT_SOURCE=companies needs HUBSPOT_COMPANY_SYNC_PROPERTY (the company checkbox that makes a company a client)")
		}
		if c.HubSpot.DealResolver != "property" {
			return fmt.Errorf("configuration: CLIENT_SOURCE=companies finds a contact's client through its primary company; DEAL_RESOLVER=%s does not apply", c.HubSpot.DealResolver)
		}
	default:
		return fmt.Errorf("configuration: CLIENT_SOURCE must be \"deals\" or \"companies\", got %q", c.HubSpot.ClientSource)
	}
	if c.CodecServer.Address != "" && (c.Temporal.PayloadCodecKeys == "" || c.CodecServer.Token == "") {
		return fmt.Errorf("configuration: the codec server (CODEC_SERVER_ADDRESS=%s) needs PAYLOAD_CODEC_KEYS and CODEC_SERVER_TOKEN",
			c.CodecServer.Address)
	}
	if c.CodecServer.MaxBodyBytes <= 0 {
		return fmt.Errorf("configuration: CODEC_SERVER_MAX_BODY_BYTES must be positive, got %d", c.CodecServer.MaxBodyBytes)
	}
	for _, s := range []struct{ name, value string }{
		{"HUBSPOT_SYNC_PROPERTY", c.HubSpot.SyncProperty},
		{"HUBSPOT_DEAL_ID_PROPERTY", c.HubSpot.DealIDProperty},
		{"TEMPORAL_TASK_QUEUE", c.Temporal.TaskQueue},
	} {
		if strings.TrimSpace(s.value) == "" {
			return fmt.Errorf("configuration: %s must not be empty", s.name)
		}
	}
	for _, r := range []struct {
		name  string
		value float64
	}{
		{"HUBSPOT_REQUESTS_PER_SECOND", c.HubSpot.RequestsPerSecond},
		{"HUBSPOT_SEARCH_REQUESTS_PER_SECOND", c.HubSpot.SearchRequestsPerSecond},
		{"CLIENTSUCCESS_REQUESTS_PER_SECOND", c.ClientSuccess.RequestsPerSecond},
	} {
		if r.value < 0 {
			return fmt.Errorf("configuration: %s must be positive (0 turns pacing off), got %v", r.name, r.value)
		}
	}
	if c.ClientSuccess.ClientCacheTTL < 0 {
		return fmt.Errorf("configuration: CLIENTSUCCESS_CLIENT_CACHE_TTL must not be negative (0 turns the cache off), got %v", c.ClientSuccess.ClientCacheTTL)
	}
	return nil
}
