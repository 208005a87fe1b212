package preflight_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/logging"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/preflight"
	"github.com/cssync/cssync/workflows"
)

// temporalStub answers the three calls the checks make.
type temporalStub struct {
	describeErr error
	attrs       map[string]enumspb.IndexedValueType
	listErr     error
	addErr      error
	added       map[string]enumspb.IndexedValueType
}

type workflowStub struct {
	workflowservice.WorkflowServiceClient
	s *temporalStub
}

type operatorStub struct {
	operatorservice.OperatorServiceClient
	s *temporalStub
}

func (s *temporalStub) WorkflowService() workflowservice.WorkflowServiceClient {
	return workflowStub{s: s}
}
func (s *temporalStub) OperatorService() operatorservice.OperatorServiceClient {
	return operatorStub{s: s}
}

func (w workflowStub) DescribeNamespace(context.Context, *workflowservice.DescribeNamespaceRequest, ...grpc.CallOption) (
	*workflowservice.DescribeNamespaceResponse, error) {
	return &workflowservice.DescribeNamespaceResponse{}, w.s.describeErr
}

func (o operatorStub) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (
	*operatorservice.ListSearchAttributesResponse, error) {
	return &operatorservice.ListSearchAttributesResponse{CustomAttributes: o.s.attrs}, o.s.listErr
}

func (o operatorStub) AddSearchAttributes(_ context.Context, req *operatorservice.AddSearchAttributesRequest, _ ...grpc.CallOption) (
	*operatorservice.AddSearchAttributesResponse, error) {
	if o.s.addErr != nil {
		return nil, o.s.addErr
	}
	o.s.added = req.GetSearchAttributes()
	return &operatorservice.AddSearchAttributesResponse{}, nil
}

// setup is the example's portal on both fakes, a namespace with the search attributes, and the
// settings that work with them.
type setup struct {
	fakes    *devstack.Fakes
	cfg      config.Worker
	temporal *temporalStub
	mapping  mapping.File
	// wrap, when set, answers HubSpot requests in front of the fake.
	wrap func(w http.ResponseWriter, r *http.Request) bool
}

func newSetup(t *testing.T) *setup {
	s := &setup{temporal: &temporalStub{attrs: workflows.SearchAttributeTypes()}, mapping: mapping.Default()}
	s.fakes = devstack.StartFakesWrapped(func(system string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if system == "HubSpot" && s.wrap != nil && s.wrap(w, r) {
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	t.Cleanup(s.fakes.Close)
	s.fakes.HubSpot.Seed(example.HubSpot())
	s.fakes.ClientSuccess.Seed(example.ClientSuccess())
	s.cfg = s.fakes.WorkerConfig(config.Temporal{Address: "127.0.0.1:7233", Namespace: "default", TaskQueue: "q"})
	return s
}

func (s *setup) check() preflight.Report {
	return preflight.Check(context.Background(), s.deps())
}

func (s *setup) deps() preflight.Deps {
	h, c := s.cfg.HubSpot, s.cfg.ClientSuccess
	return preflight.Deps{
		Config:        s.cfg,
		HubSpot:       hubspot.New(hubspot.Config{BaseURL: h.BaseURL, Token: h.Token, PathFamily: h.APIFamily}),
		ClientSuccess: clientsuccess.New(clientsuccess.Config{BaseURL: c.BaseURL, Username: c.Username, Password: c.Password}),
		Temporal:      s.temporal,
		Mapping:       s.mapping,
	}
}

func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	return "http://" + ln.Addr().String()
}

func TestAPortalSetUpForTheSyncPasses(t *testing.T) {
	r := newSetup(t).check()
	assert.True(t, r.OK(), "%v", r.Problems)
	assert.Empty(t, r.Notes)
}

// Each wrong setting is one problem naming it; definite ones are not worth waiting for.
func TestEachWrongSettingIsOneProblemNamingIt(t *testing.T) {
	for _, c := range []struct {
		name      string
		change    func(t *testing.T, s *setup)
		setting   string
		says      string
		transient bool
	}{
		{"ClientSuccess base URL without /v1", func(_ *testing.T, s *setup) {
			s.cfg.ClientSuccess.BaseURL = strings.TrimSuffix(s.cfg.ClientSuccess.BaseURL, "/v1")
		}, "CLIENTSUCCESS_BASE_URL", "answers 404 to the login (POST /auth): wrong base URL; does it end in /v1?", false},
		{"HubSpot base URL ending in /api", func(_ *testing.T, s *setup) { s.cfg.HubSpot.BaseURL += "/api" },
			"HUBSPOT_BASE_URL", "/api answers 404 to POST /api/crm/objects/2026-03/contacts/search: it is not HubSpot's API root", false},
		{"wrong HubSpot token", func(_ *testing.T, s *setup) { s.cfg.HubSpot.Token = "pat-na1-wrong" },
			"HUBSPOT_TOKEN", "HubSpot rejected the token (HTTP 401)", false},
		{"wrong ClientSuccess password", func(_ *testing.T, s *setup) { s.cfg.ClientSuccess.Password = "wrong-secret" },
			"CLIENTSUCCESS_PASSWORD", "ClientSuccess refused the login: check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD", false},
		{"token without the deals scope", func(_ *testing.T, s *setup) {
			s.wrap = func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.Contains(r.URL.Path, "/deals/") {
					return false
				}
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"status":"error","message":"This app hasn't been granted all required scopes","category":"MISSING_SCOPES"}`))
				return true
			}
		}, "HUBSPOT_TOKEN", "the token may not read deals (scope crm.objects.deals.read): This app hasn't been granted", false},
		{"sync property that does not exist", func(_ *testing.T, s *setup) { s.cfg.HubSpot.SyncProperty = "sync_cs" },
			"HUBSPOT_SYNC_PROPERTY", `HubSpot contact property "sync_cs" does not exist`, false},
		{"sync property that is no checkbox", func(_ *testing.T, s *setup) { s.cfg.HubSpot.SyncProperty = "associated_deal_id" },
			"HUBSPOT_SYNC_PROPERTY", `HubSpot contact property "associated_deal_id" is of type string (text), not a single checkbox`, false},
		{"deal id property that is a checkbox", func(_ *testing.T, s *setup) { s.cfg.HubSpot.DealIDProperty = "sync_w_clientsuccess_contact" },
			"HUBSPOT_DEAL_ID_PROPERTY", "is of type bool; it must hold a deal id", false},
		{"deal checkbox that does not exist", func(_ *testing.T, s *setup) { s.cfg.HubSpot.DealSyncProperty = "sync_deal" },
			"HUBSPOT_DEAL_SYNC_PROPERTY", `HubSpot deal property "sync_deal" does not exist`, false},
		{"company checkbox that does not exist", func(_ *testing.T, s *setup) { s.cfg.HubSpot.CompanySyncProperty = "sync_company" },
			"HUBSPOT_COMPANY_SYNC_PROPERTY", `HubSpot company property "sync_company" does not exist`, false},
		{"HubSpot base URL that redirects", func(_ *testing.T, s *setup) {
			s.wrap = func(w http.ResponseWriter, _ *http.Request) bool {
				http.Redirect(w, &http.Request{}, "https://api.hubapi.com/crm?x=1", http.StatusMovedPermanently)
				return true
			}
		}, "HUBSPOT_BASE_URL", "redirected to https://api.hubapi.com; redirects are not followed", false},
		{"HubSpot unreachable", func(t *testing.T, s *setup) { s.cfg.HubSpot.BaseURL = closedURL(t) },
			"HUBSPOT_BASE_URL", "cannot reach HubSpot at http://127.0.0.1:", true},
		{"ClientSuccess unreachable", func(t *testing.T, s *setup) { s.cfg.ClientSuccess.BaseURL = closedURL(t) + "/v1" },
			"CLIENTSUCCESS_BASE_URL", "cannot reach ClientSuccess at http://127.0.0.1:", true},
		{"HubSpot in maintenance", func(_ *testing.T, s *setup) {
			s.wrap = func(w http.ResponseWriter, _ *http.Request) bool {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("<html><body>Down for maintenance</body></html>"))
				return true
			}
		}, "HUBSPOT_BASE_URL", "is not answering normally", true},
		{"namespace that does not exist", func(_ *testing.T, s *setup) {
			s.temporal.describeErr = serviceerror.NewNamespaceNotFound("default")
		}, "TEMPORAL_NAMESPACE", "namespace default does not exist on 127.0.0.1:7233", false},
		{"Temporal unreachable", func(_ *testing.T, s *setup) {
			s.temporal.describeErr = serviceerror.NewUnavailable("connection error: dial tcp 127.0.0.1:7233: connect: connection refused")
		}, "TEMPORAL_ADDRESS", "cannot reach Temporal at 127.0.0.1:7233: connection refused", true},
		{"search attribute of the wrong type", func(_ *testing.T, s *setup) {
			s.temporal.attrs = map[string]enumspb.IndexedValueType{"HubSpotContactId": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
				"ClientSuccessClientId": enumspb.INDEXED_VALUE_TYPE_KEYWORD, "SyncOutcome": enumspb.INDEXED_VALUE_TYPE_TEXT}
		}, "TEMPORAL_NAMESPACE", "has search attribute SyncOutcome of type Text; the workflows need Keyword", false},
		{"search attributes missing, and the worker may not add them", func(_ *testing.T, s *setup) {
			s.temporal.attrs = map[string]enumspb.IndexedValueType{"HubSpotContactId": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
			s.temporal.addErr = serviceerror.NewPermissionDenied("request unauthorized", "")
		}, "TEMPORAL_NAMESPACE", "create them: temporal operator search-attribute create --address 127.0.0.1:7233 --namespace default " +
			"--name ClientSuccessClientId --type Keyword --name ClientSuccessRecords --type KeywordList --name SyncOutcome --type Keyword", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSetup(t)
			c.change(t, s)
			r := s.check()
			require.Len(t, r.Problems, 1, "%v", r.Problems)
			p := r.Problems[0]
			assert.Equal(t, c.setting, p.Setting)
			assert.Contains(t, p.String(), c.setting+": ")
			assert.Contains(t, p.Message, c.says)
			assert.Equal(t, c.transient, p.Transient)
			assert.Equal(t, c.transient, r.Transient())
			assert.NotContains(t, p.String(), "\n")
			for _, secret := range []string{devstack.FakeHubSpotToken, devstack.FakeCSPassword, "wrong-secret", "x=1"} {
				assert.NotContains(t, p.String(), secret)
			}
		})
	}
}

func TestMissingSearchAttributesAreRegistered(t *testing.T) {
	s := newSetup(t)
	s.temporal.attrs = map[string]enumspb.IndexedValueType{"HubSpotContactId": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	r := s.check()
	require.True(t, r.OK(), "%v", r.Problems)
	assert.Equal(t, []string{"registered the search attributes ClientSuccessClientId, ClientSuccessRecords, SyncOutcome on namespace default"}, r.Notes)
	assert.Equal(t, map[string]enumspb.IndexedValueType{"ClientSuccessClientId": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"ClientSuccessRecords": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST, "SyncOutcome": enumspb.INDEXED_VALUE_TYPE_KEYWORD}, s.temporal.added)

	s.temporal.listErr = serviceerror.NewPermissionDenied("not allowed", "")
	r = s.check()
	require.True(t, r.OK(), "a cluster that hides them is not a misconfiguration: %v", r.Problems)
	require.Len(t, r.Notes, 1)
	assert.Contains(t, r.Notes[0],
		"temporal operator search-attribute create --address 127.0.0.1:7233 --namespace default --name ClientSuccessClientId")
}

// Several wrong settings at once are reported together, one problem each.
func TestSeveralProblemsAtOnce(t *testing.T) {
	s := newSetup(t)
	s.cfg.HubSpot.Token = "pat-na1-wrong"
	s.cfg.ClientSuccess.Password = "wrong-secret"
	s.temporal.describeErr = serviceerror.NewNamespaceNotFound("default")
	var settings []string
	for _, p := range s.check().Problems {
		settings = append(settings, p.Setting)
	}
	assert.Equal(t, []string{"HUBSPOT_TOKEN", "CLIENTSUCCESS_PASSWORD", "TEMPORAL_NAMESPACE"}, settings)
}

func TestRunWaitsForTransientProblemsVisibly(t *testing.T) {
	defer func(b []time.Duration) { preflight.Backoff = b }(preflight.Backoff)
	preflight.Backoff = []time.Duration{time.Millisecond}
	s := newSetup(t)
	down := 2
	s.wrap = func(w http.ResponseWriter, _ *http.Request) bool {
		if down == 0 {
			return false
		}
		down--
		w.WriteHeader(http.StatusBadGateway)
		return true
	}
	var logs bytes.Buffer
	var statuses []string
	err := preflight.Run(context.Background(), s.deps(), logging.New(config.Log{Level: "info", Format: "text"}, &logs),
		func(st string) { statuses = append(statuses, st) })
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(logs.String(), "HUBSPOT_BASE_URL: HubSpot at "), logs.String())
	assert.Contains(t, logs.String(), "retrying in 1ms (attempt 2)")
	assert.Contains(t, logs.String(), "preflight passed: HubSpot at http://127.0.0.1:")
	require.Len(t, statuses, 2)
	assert.Contains(t, statuses[0], "preflight: HUBSPOT_BASE_URL: ")
	assert.Equal(t, 1, s.fakes.ClientSuccess.Logins(), "a round asks again only what did not answer")
}

func TestRunStopsAtAMisconfiguration(t *testing.T) {
	s := newSetup(t)
	s.cfg.ClientSuccess.Password = "wrong-secret"
	s.cfg.HubSpot.BaseURL = closedURL(t) // transient, but the password will not fix itself
	var logs bytes.Buffer
	start := time.Now()
	err := preflight.Run(context.Background(), s.deps(), logging.New(config.Log{Level: "info", Format: "text"}, &logs), func(string) {})
	require.True(t, preflight.IsFailed(err), "%v", err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, "CLIENTSUCCESS_PASSWORD: ClientSuccess refused the login: check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD",
		err.Error())
	assert.Equal(t, 2, strings.Count(logs.String(), "level=ERROR"), "one line per problem, the transient one too: %s", logs.String())
}

// entry is one line of a mapping file's fields list.
func entry(yaml string) string { return "  - " + yaml + "\n" }

// baseMapping feeds the standard fields, the first name from a nickname; the cases add to it.
var (
	baseMapping = "fields:\n" +
		entry("{hubspot: email, clientsuccess: email, direction: to_clientsuccess}") +
		entry("{hubspot: nickname, clientsuccess: firstName, direction: to_clientsuccess}") +
		entry("{hubspot: lastname, clientsuccess: lastName, direction: to_clientsuccess}") +
		entry("{hubspot: phone, clientsuccess: phone, direction: to_clientsuccess}") +
		entry("{hubspot: mobilephone, clientsuccess: mobile, direction: to_clientsuccess}")
	titleMapping = entry("{hubspot: jobtitle, clientsuccess: title, direction: to_clientsuccess}")
)

// The field mapping is checked against both systems' definitions: each mismatch is a
// FIELD_MAPPING_FILE problem naming the entry and the reason.
func TestMappingFileIsCheckedAgainstTheDefinitions(t *testing.T) {
	s := newSetup(t)
	active := []hubspotfake.Option{{Label: "Active", Value: "active"}}
	s.fakes.HubSpot.Seed(hubspotfake.Fixture{Properties: map[string][]hubspotfake.Property{"contacts": {
		{Name: "nickname", Label: "Nickname", Type: "string", FieldType: "text"},
		{Name: "birthday", Label: "Birthday", Type: "date", FieldType: "date"},
		{Name: "cs_status", Label: "CS Status", Type: "enumeration", FieldType: "select", Options: active},
		{Name: "seats", Label: "Seats", Type: "number", FieldType: "number"},
		{Name: "full_name", Label: "Full name", Type: "string", FieldType: "calculation_equation", Calculated: true},
		{Name: "cs_tags", Label: "CS Tags", Type: "enumeration", FieldType: "checkbox", Options: active},
	}}})
	seats := clientsuccess.CustomField{ID: 10, Name: "seats", Label: "Seats", Type: "INTEGER"}
	s.fakes.ClientSuccess.Seed(csfake.Fixture{ContactCustomFields: []clientsuccess.CustomField{seats}})
	check := func(t *testing.T, body string) (string, []preflight.Problem) {
		m, err := mapping.Parse([]byte(body))
		require.NoError(t, err)
		s.cfg.FieldMappingFile, s.mapping = "/etc/cssync/mapping.yaml", m
		return s.cfg.FieldMappingFile, s.check().Problems
	}
	for name, body := range map[string]string{
		"valid":                   baseMapping + titleMapping,
		"status onto enumeration": baseMapping + titleMapping + "status: {hubspot: cs_status, direction: to_hubspot}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, problems := check(t, body)
			assert.Empty(t, problems)
		})
	}
	for _, c := range []struct{ name, body, want string }{
		{"status onto a non-enumeration", baseMapping + titleMapping + "status: {hubspot: nickname, direction: to_hubspot}\n",
			`status: HubSpot contact property "nickname" is of type string, not enumeration`},
		{"unknown property", baseMapping + "  - {hubspot: no_such_prop, clientsuccess: title, direction: to_clientsuccess}\n",
			`HubSpot contact property "no_such_prop" does not exist (mapped to ClientSuccess field "title")`},
		{"type mismatch", baseMapping + "  - {hubspot: birthday, clientsuccess: title, direction: to_clientsuccess}\n",
			`HubSpot contact property "birthday" is of type date`},
		{"unknown custom label", baseMapping + "  - {hubspot: seats, custom: Licences, direction: to_clientsuccess}\n",
			`fields[5]: ClientSuccess custom field "Licences" does not exist; contact custom fields are: "Seats"`},
		{"a write into a calculated property", baseMapping + "  - {hubspot: full_name, clientsuccess: title, direction: to_hubspot}\n",
			`fields[5]: HubSpot contact property "full_name" is read-only (HubSpot sets or calculates it), so direction to_hubspot cannot write it`},
		{"a status of several checkboxes", baseMapping + titleMapping + "status: {hubspot: cs_tags, direction: to_clientsuccess}\n",
			`status: HubSpot contact property "cs_tags" is a multiple checkboxes property`},
		{"custom type mismatch", baseMapping + "  - {hubspot: nickname, custom: seats, direction: to_hubspot}\n",
			`HubSpot contact property "nickname" is of type string, which cannot carry ClientSuccess custom field "seats" of type INTEGER`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, problems := check(t, c.body)
			require.Len(t, problems, 1)
			assert.Equal(t, "FIELD_MAPPING_FILE", problems[0].Setting)
			assert.Contains(t, problems[0].Message, path+": ")
			assert.Contains(t, problems[0].Message, c.want)
		})
	}
}
