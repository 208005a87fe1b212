package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/devstack"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// canned is an answer the fakes never give by themselves, served instead of the fake for the
// next `times` requests matching system, method and path.
type canned struct {
	system, method, path string
	times                int
	status               int
	contentType          string
	body                 string
}

// interceptor serves canned answers in front of the fakes.
type interceptor struct {
	mu    sync.Mutex
	rules []*canned
}

func (ic *interceptor) add(c canned) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.rules = append(ic.rules, &c)
}

func (ic *interceptor) wrap(system string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ic.mu.Lock()
		var hit *canned
		for _, c := range ic.rules {
			if c.times > 0 && c.system == system && c.method == r.Method && c.path == r.URL.Path {
				c.times--
				hit = c
				break
			}
		}
		ic.mu.Unlock()
		if hit == nil {
			h.ServeHTTP(w, r)
			return
		}
		if hit.contentType != "" {
			w.Header().Set("Content-Type", hit.contentType)
		}
		w.WriteHeader(hit.status)
		_, _ = w.Write([]byte(hit.body))
	})
}

const (
	hsContactPath = "/crm/objects/2026-03/contacts/51"
	hsDealPath    = "/crm/objects/2026-03/deals/1001"
	csContacts1   = "/v1/clients/9001/contacts"
	csContacts2   = "/v1/clients/9002/contacts"
	htmlPage      = "<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>"
	htmlType      = "text/html; charset=utf-8"
	jsonType      = "application/json"
)

// badInput is one case of the corpus: a change to the example's data or to the APIs' answers,
// and the recorded outcome (or failure type) it must end in.
type badInput struct {
	name string
	// moving: the contact is first synced onto client 9001, then its deal changes to 1002, so the
	// case runs in the middle of a move.
	moving bool
	props  map[string]string // HubSpot contact 51 properties to set before the sync
	setup  func(s *stack, ic *interceptor)
	// afterStart runs once the worker polls (its preflight has passed).
	afterStart func(s *stack, ic *interceptor)
	input      string // HubSpot contact id given to the workflow; default 51

	want    syncplan.Outcome // the result's outcome, when the workflow completes
	wantErr string           // the ApplicationError type, when the workflow fails
	// wantOn is the client the contact must end on (exactly one record); 0 means on none.
	wantOn int64
	check  func(t *testing.T, s *stack, res workflows.SyncContactResult, err error)
}

func badInputCases() []badInput {
	huge := strings.Repeat("x", 2<<20)
	cut := `{"id":"51","properties":{"email":"bh@hubspot.com","firstn`
	return []badInput{
		// Deal id values.
		{name: "deal id 12abc", props: map[string]string{"associated_deal_id": "12abc"}, want: syncplan.InvalidDealID},
		{name: "deal id -1", props: map[string]string{"associated_deal_id": "-1"}, want: syncplan.InvalidDealID},
		{name: "deal id 40 digits", props: map[string]string{"associated_deal_id": strings.Repeat("9", 40)}, want: syncplan.InvalidDealID},
		{name: "deal id empty", props: map[string]string{"associated_deal_id": ""}, want: syncplan.NoDeal},
		{name: "deal id blanks", props: map[string]string{"associated_deal_id": "   "}, want: syncplan.NoDeal},
		{name: "deal id 0", props: map[string]string{"associated_deal_id": "0"}, want: syncplan.InvalidDealID},
		{name: "deal id +1001", props: map[string]string{"associated_deal_id": "+1001"}, want: syncplan.InvalidDealID},
		{name: "deal id 1e3", props: map[string]string{"associated_deal_id": "1e3"}, want: syncplan.InvalidDealID},
		{name: "deal id with markup", props: map[string]string{"associated_deal_id": "<b>1001</b>"}, want: syncplan.InvalidDealID},
		{name: "deal id 2 MB", props: map[string]string{"associated_deal_id": huge}, want: syncplan.InvalidDealID,
			check: func(t *testing.T, s *stack, res workflows.SyncContactResult, err error) {
				require.Less(t, len(res.Reason), 200, "the reason quotes a clipped value")
			}},
		{name: "deal id padded", props: map[string]string{"associated_deal_id": " 1001 "}, want: syncplan.Created, wantOn: example.FirstClientID},
		{name: "deleted deal", setup: func(s *stack, _ *interceptor) { s.fakes.HubSpot.Delete("deals", example.FirstDealID) }, want: syncplan.DealNotFound},
		{name: "deleted deal mid-move", moving: true, setup: func(s *stack, _ *interceptor) { s.fakes.HubSpot.Delete("deals", example.SecondDealID) },
			want: syncplan.DealNotFound, wantOn: example.FirstClientID},
		// Contact values.
		{name: "missing email", props: map[string]string{"email": ""}, want: syncplan.InvalidContact},
		{name: "invalid email", props: map[string]string{"email": "not-an-email"}, want: syncplan.InvalidContact},
		{name: "email with display name", props: map[string]string{"email": "Brian <bh@hubspot.com>"}, want: syncplan.InvalidContact},
		{name: "two emails", props: map[string]string{"email": "bh@hubspot.com, x@y.com"}, want: syncplan.InvalidContact},
		{name: "unicode email", props: map[string]string{"email": "jürgen@bücher.de"}, want: syncplan.Created, wantOn: example.FirstClientID,
			check: func(t *testing.T, s *stack, _ workflows.SyncContactResult, _ error) {
				require.Equal(t, "jürgen@bücher.de", s.owned(example.ContactID)[0].Email)
			}},
		{name: "invalid email mid-move", moving: true, props: map[string]string{"email": "@@"}, want: syncplan.InvalidContact, wantOn: example.FirstClientID},
		{name: "name with markup", props: map[string]string{"firstname": `<script>alert("x")</script>`, "lastname": "O'Brien & <b>Co</b>"},
			want: syncplan.Created, wantOn: example.FirstClientID,
			check: func(t *testing.T, s *stack, _ workflows.SyncContactResult, _ error) {
				c := s.owned(example.ContactID)[0]
				require.Equal(t, `<script>alert("x")</script>`, c.FirstName, "stored verbatim, not escaped twice")
				require.Equal(t, "O'Brien & <b>Co</b>", c.LastName)
			}},
		{name: "unicode name", props: map[string]string{"firstname": "Zoë 李", "lastname": "Ñúñez 👋"}, want: syncplan.Created, wantOn: example.FirstClientID},
		{name: "control characters in name", props: map[string]string{"lastname": "Halli\x00gan"}, want: syncplan.InvalidContact},
		{name: "2 MB first name", props: map[string]string{"firstname": huge}, want: syncplan.InvalidContact,
			check: func(t *testing.T, s *stack, res workflows.SyncContactResult, _ error) {
				require.Contains(t, res.Reason, "first name is")
				h := s.history(context.Background(), workflows.ContactWorkflowID(example.ContactID))
				size := 0
				for _, e := range h.Events {
					size += len(e.String())
				}
				require.Less(t, size, 200<<10, "the 2 MB value is not carried into workflow history")
			}},
		{name: "2 MB name mid-move", moving: true, props: map[string]string{"lastname": huge}, want: syncplan.InvalidContact, wantOn: example.FirstClientID},
		{name: "unchecked", props: map[string]string{"sync_w_clientsuccess_contact": "false"}, want: syncplan.NotChecked},
		{name: "checkbox odd value", props: map[string]string{"sync_w_clientsuccess_contact": "yes"}, want: syncplan.NotChecked},
		{name: "deleted contact", setup: func(s *stack, _ *interceptor) { s.fakes.HubSpot.Delete("contacts", example.ContactID) }, want: syncplan.ContactNotFound},
		{name: "workflow input id abc", input: "abc", wantErr: "InvalidInput"},
		{name: "workflow input id empty", input: " ", wantErr: "InvalidInput"},
		// API answers.
		{name: "HubSpot HTML maintenance page 503", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsContactPath, times: 2, status: 503, contentType: htmlType, body: htmlPage})
		}, want: syncplan.Created, wantOn: example.FirstClientID},
		{name: "HubSpot truncated JSON", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsContactPath, times: 1, status: 200, contentType: jsonType, body: cut})
		}, wantErr: "HubSpot.decode"},
		{name: "HubSpot null body", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsContactPath, times: 1, status: 200, contentType: jsonType, body: "null"})
		}, wantErr: "HubSpot.decode"},
		{name: "HubSpot empty body", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsDealPath, times: 1, status: 200, contentType: jsonType, body: ""})
		}, wantErr: "HubSpot.decode"},
		{name: "HubSpot HTML with 200", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsDealPath, times: 1, status: 200, contentType: htmlType, body: htmlPage})
		}, wantErr: "HubSpot.decode"},
		{name: "HubSpot expired token", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsContactPath, times: 1, status: 401, contentType: jsonType,
				body: `{"status":"error","message":"The OAuth token used to make this call expired 1 hour ago.","category":"EXPIRED_AUTHENTICATION"}`})
		}, wantErr: "HubSpot.auth"},
		// A wrong token at start stops the worker before it polls (TestWrongSettingsStopTheWorker);
		// one revoked while it runs fails the sync, not retried.
		{name: "HubSpot token revoked while running", afterStart: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "HubSpot", method: "GET", path: hsContactPath, times: 5, status: 401, contentType: jsonType,
				body: `{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`})
		}, wantErr: "HubSpot.auth"},
		{name: "ClientSuccess HTML maintenance page 503", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "GET", path: "/v1/clients", times: 2, status: 503, contentType: htmlType, body: htmlPage})
		}, want: syncplan.Created, wantOn: example.FirstClientID},
		{name: "ClientSuccess 429 then fine", setup: func(s *stack, _ *interceptor) {
			s.fakes.ClientSuccess.Faults().FailNth("POST /v1/clients/{cid}/contacts", 1, 429)
		}, want: syncplan.Created, wantOn: example.FirstClientID},
		{name: "ClientSuccess malformed JSON", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "GET", path: csContacts1, times: 1, status: 200, contentType: jsonType, body: `[{"id":1,`})
		}, wantErr: "ClientSuccess.decode"},
		{name: "ClientSuccess null client lookup", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "GET", path: "/v1/clients", times: 1, status: 200, contentType: jsonType, body: "null"})
		}, want: syncplan.WaitingClient},
		{name: "ClientSuccess null contact list", setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "GET", path: csContacts1, times: 1, status: 200, contentType: jsonType, body: "null"})
		}, wantErr: "ClientSuccess.decode"},
		{name: "ClientSuccess null search mid-move", moving: true, setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "GET", path: "/v1/contacts/search", times: 1, status: 200, contentType: jsonType, body: "null"})
		}, wantErr: "ClientSuccess.decode", wantOn: example.FirstClientID},
		{name: "ClientSuccess 503 on create mid-move", moving: true, setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "POST", path: csContacts2, times: 2, status: 503, contentType: htmlType, body: htmlPage})
		}, want: syncplan.Moved, wantOn: example.SecondClientID},
		{name: "ClientSuccess garbage answer to create mid-move", moving: true, setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "POST", path: csContacts2, times: 1, status: 200, contentType: jsonType, body: `{"id":`})
		}, wantErr: "ClientSuccess.decode", wantOn: example.FirstClientID},
		{name: "ClientSuccess rejects create mid-move", moving: true, setup: func(_ *stack, ic *interceptor) {
			ic.add(canned{system: "ClientSuccess", method: "POST", path: csContacts2, times: 1, status: 400, contentType: jsonType, body: `{"userMessage":"Invalid email"}`})
		}, wantErr: "ClientSuccess.validation", wantOn: example.FirstClientID},
		{name: "ClientSuccess client deleted mid-move", moving: true, setup: func(s *stack, _ *interceptor) {
			hold := s.fakes.ClientSuccess.Faults().HoldNext("DELETE /v1/clients/{cid}/contacts/{id}")
			go func() {
				<-hold.Arrived()
				s.fakes.ClientSuccess.DeleteClient(example.SecondClientID)
				hold.Release()
			}()
		}, wantErr: "MoveUndone", wantOn: example.FirstClientID},
		{name: "ClientSuccess old client deleted before move", moving: true, setup: func(s *stack, _ *interceptor) {
			s.fakes.ClientSuccess.DeleteClient(example.FirstClientID)
		}, want: syncplan.Created, wantOn: example.SecondClientID},
		{name: "ClientSuccess token expired mid-run", moving: true, setup: func(s *stack, _ *interceptor) {
			s.fakes.ClientSuccess.ExpireTokens()
		}, want: syncplan.Moved, wantOn: example.SecondClientID,
			check: func(t *testing.T, s *stack, _ workflows.SyncContactResult, _ error) {
				require.Equal(t, 2, s.fakes.ClientSuccess.Logins(), "logged in again once")
			}},
		// A wrong password at start stops the worker before it polls (TestWrongSettingsStopTheWorker);
		// one changed while it runs fails the sync, not retried.
		{name: "ClientSuccess password changed while running", afterStart: func(s *stack, ic *interceptor) {
			s.fakes.ClientSuccess.ExpireTokens()
			ic.add(canned{system: "ClientSuccess", method: "POST", path: "/v1/auth", times: 5, status: 401, contentType: jsonType,
				body: `{"code":"Unauthorized","message":""}`})
		}, wantErr: "ClientSuccess.auth"},
	}
}

// TestBadInputCorpus runs each case end to end on the dev server with the real worker wiring.
// Whatever the input, the sync ends in its recorded outcome or a named, non-retried failure, the
// contact is on exactly the expected client (a failed move is rolled back), and the record entered
// by hand in ClientSuccess is never touched.
func TestBadInputCorpus(t *testing.T) {
	for _, c := range badInputCases() {
		t.Run(c.name, func(t *testing.T) {
			ic := &interceptor{}
			s := newStackWrapped(t, ic.wrap)
			s.seedExample()
			manual := s.fakes.ClientSuccess.ContactsOf(example.FirstClientID)
			if c.moving {
				s.startWorker()
				require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
				s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
			}
			if c.props != nil {
				s.fakes.HubSpot.Put("contacts", example.ContactID, c.props)
			}
			if c.setup != nil {
				c.setup(s, ic)
			}
			if !c.moving {
				s.startWorker()
			}
			if c.afterStart != nil {
				c.afterStart(s, ic)
			}
			id := example.ContactID
			if c.input != "" {
				id = c.input
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := starting.SyncContact(ctx, s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: id})
			if c.wantErr != "" {
				var appErr *temporal.ApplicationError
				require.True(t, errors.As(err, &appErr), "want a %s failure, got %v (outcome %s)", c.wantErr, err, res.Outcome)
				require.Equal(t, c.wantErr, appErr.Type(), err.Error())
				require.True(t, appErr.NonRetryable(), "a %s failure is not retried", c.wantErr)
				if system, _, ok := strings.Cut(c.wantErr, "."); ok {
					require.Contains(t, err.Error(), system, "the failure names the system")
				}
			} else {
				require.NoError(t, err)
				require.Equal(t, c.want, res.Outcome, res.Reason)
			}
			for _, secret := range []string{devstack.FakeHubSpotToken, devstack.FakeCSPassword, "wrong-secret"} {
				if err != nil {
					require.NotContains(t, err.Error(), secret)
				}
				require.NotContains(t, res.Reason, secret)
			}

			on := s.owned(example.ContactID)
			if c.wantOn == 0 {
				require.Empty(t, on, "nothing written")
			} else {
				require.Len(t, on, 1, "exactly one record, never half-moved")
				require.Equal(t, c.wantOn, on[0].ClientID)
			}
			if _, ok := s.fakes.ClientSuccess.Client(example.FirstClientID); ok {
				var still []int64
				for _, m := range s.fakes.ClientSuccess.ContactsOf(example.FirstClientID) {
					if m.ExternalID == "" {
						still = append(still, m.ID)
						require.Equal(t, manual[0], m, "the record entered by hand is untouched")
					}
				}
				require.Equal(t, []int64{example.ManualContactID}, still)
			}
			if c.check != nil {
				c.check(t, s, res, err)
			}
		})
	}
}
