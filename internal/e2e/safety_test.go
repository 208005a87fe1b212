package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/example"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/starting"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

// troubles sits in front of the ClientSuccess fake and makes some requests go wrong the ways real
// networks and APIs do: answered 500 (nothing happens), or applied with the answer cut off.
type troubles struct {
	mu    sync.Mutex
	rules []trouble
}

type trouble struct {
	method string
	path   *regexp.Regexp
	kind   string // "fail": 500, or "reject": 400, nothing applied; "cut": applied, answer truncated
	left   int    // how many more requests it hits; < 0 means every one
}

func (tr *troubles) add(method, path, kind string, times int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.rules = append(tr.rules, trouble{method: method, path: regexp.MustCompile("^" + path + "$"), kind: kind, left: times})
}

func (tr *troubles) clear() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.rules = nil
}

// hit returns the kind of trouble this request meets, if any.
func (tr *troubles) hit(r *http.Request) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for i := range tr.rules {
		t := &tr.rules[i]
		if t.left != 0 && t.method == r.Method && t.path.MatchString(r.URL.Path) {
			t.left--
			return t.kind
		}
	}
	return ""
}

func (tr *troubles) wrap(system string, h http.Handler) http.Handler {
	if system != "ClientSuccess" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch tr.hit(r) {
		case "fail":
			http.Error(w, "<html>maintenance</html>", http.StatusInternalServerError)
		case "reject":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"userMessage":"Unknown custom field 77"}`))
		case "cut":
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body[:len(body)/2])
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// csmFields are fields a CSM set on a ClientSuccess record, most of which the sync does not map.
var csmFields = map[string]any{
	"linkedinUrl": "https://www.linkedin.com/in/bhalligan", "note": "prefers email; renewal owner", "advocate": true,
	"starred": true, "preferredName": "Brian", "city": "Cambridge", "country": "US", "champion": true, "keyContact": true,
	"statusId": float64(2),
}

// briansRecord is contact 51's one record: it fails the test unless there is exactly one, on the
// given client.
func (s *stack) briansRecord(clientID int64) map[string]any {
	s.t.Helper()
	on := s.owned(example.ContactID)
	require.Len(s.t, on, 1, "exactly one record of the contact: %+v", on)
	require.Equal(s.t, clientID, on[0].ClientID)
	fields, ok := s.fakes.ClientSuccess.ContactFields(on[0].ID)
	require.True(s.t, ok)
	return fields
}

// requireCSMFields fails unless the record still holds what the CSM set.
func requireCSMFields(t *testing.T, fields map[string]any) {
	t.Helper()
	for k, v := range csmFields {
		require.Equal(t, v, fields[k], "field %s survived", k)
	}
}

// movingBrian seeds the example, syncs Brian onto his first client, has a CSM fill in his record,
// and moves his deal to the second client in HubSpot: the next sync moves him.
func movingBrian(t *testing.T, wrap func(string, http.Handler) http.Handler) *stack {
	s := newStackWrapped(t, wrap)
	s.seedExample()
	s.startWorker()
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	on := s.owned(example.ContactID)
	require.NoError(t, s.fakes.ClientSuccess.EditContactInUI(on[0].ID, csmFields))
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	return s
}

// Scenario 1: a CSM edits the synced record's email in ClientSuccess; later the deal changes. The
// sync still finds the old record (where the last sync left it), so the contact moves: one record.
func TestEmailEditedInClientSuccessThenDealChanges(t *testing.T) {
	s := movingBrian(t, nil)
	old := s.owned(example.ContactID)[0]
	require.NoError(t, s.fakes.ClientSuccess.EditContactInUI(old.ID, map[string]any{"email": "brian.personal@example.org"}))
	res := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Moved, res.Outcome, res.Reason)
	requireCSMFields(t, s.briansRecord(example.SecondClientID))
	require.Equal(t, syncplan.Unchanged, s.syncContact(example.ContactID).Outcome, "and stays put")
}

// A full batch finds a contact's records on any client by their externalId, whatever their email,
// even with no earlier sync to remember them by: the census lists every client.
func TestFullBatchFindsCopiesWhateverTheirEmail(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.fakes.ClientSuccess.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ClientID: example.FirstClientID, ExternalID: example.ContactID, Email: "edited@by-a-csm.com", FirstName: "Brian"},
		{ClientID: example.SecondClientID, ExternalID: example.ContactID, Email: "also-edited@example.org", FirstName: "Brian"},
	}})
	s.startWorker()
	res := s.batch(workflows.SyncContactsInput{})
	require.Zero(t, res.Counts[syncplan.Failed])
	s.briansRecord(example.FirstClientID) // his deal is still the first one
}

// Scenario 2: HubSpot merges two synced contacts into a new survivor. A full batch folds both
// records into one record owned by the survivor, on the survivor's client: no conflict, no copy.
func TestMergedContactsEndAsOneRecordOfTheSurvivor(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.fakes.HubSpot.Put("contacts", "52", map[string]string{"email": "brian@hubspot.com", "firstname": "Brian", "lastname": "H.",
		"sync_w_clientsuccess_contact": "true", "associated_deal_id": example.SecondDealID})
	s.startWorker()
	require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
	require.Equal(t, syncplan.Created, s.syncContact("52").Outcome)
	require.NoError(t, s.fakes.ClientSuccess.EditContactInUI(s.owned(example.ContactID)[0].ID, csmFields))

	survivor := s.fakes.HubSpot.Merge(example.ContactID, "52")
	res := s.batch(workflows.SyncContactsInput{})
	require.Zero(t, res.Counts[syncplan.Conflict]+res.Counts[syncplan.Failed], "%v", res.Counts)
	var records []clientsuccess.Contact
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID != "" {
			records = append(records, c)
		}
	}
	require.Len(t, records, 1, "one record for the merged person: %+v", records)
	require.Equal(t, survivor, records[0].ExternalID, "owned by the survivor's id")
	require.Equal(t, example.FirstClientID, records[0].ClientID, "the primary's deal wins")
	fields, _ := s.fakes.ClientSuccess.ContactFields(records[0].ID)
	requireCSMFields(t, fields)

	// The merged-away id's own sync says where its records went, and writes nothing.
	merged := s.syncContact("52")
	require.Equal(t, syncplan.Merged, merged.Outcome)
	require.Equal(t, survivor, merged.MergedInto)
}

// A single sync of a survivor, right after the merge, folds the merged-away ids' records too: it
// remembers where the earlier syncs of those ids put them.
func TestSurvivorsOwnSyncFoldsTheMergedRecords(t *testing.T) {
	s := newStack(t)
	s.seedExample()
	s.fakes.HubSpot.Put("contacts", "52", map[string]string{"email": "other@hubspot.com", "firstname": "Brian",
		"sync_w_clientsuccess_contact": "true", "associated_deal_id": example.SecondDealID})
	s.startWorker()
	s.syncContact(example.ContactID)
	s.syncContact("52")
	survivor := s.fakes.HubSpot.Merge("52", example.ContactID)
	res := s.syncContact(survivor)
	require.Contains(t, []syncplan.Outcome{syncplan.Updated, syncplan.Moved}, res.Outcome, res.Reason)
	s.requireOnlyRecord(survivor, example.SecondClientID) // 52 was the primary: its deal
}

// requireOnlyRecord checks that the one record the sync made, of any contact, is owner's, on client.
func (s *stack) requireOnlyRecord(owner string, client int64) {
	s.t.Helper()
	var ours []clientsuccess.Contact
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID != "" {
			ours = append(ours, c)
		}
	}
	require.Len(s.t, ours, 1, "%+v", ours)
	require.Equal(s.t, owner, ours[0].ExternalID)
	require.Equal(s.t, client, ours[0].ClientID)
}

// A contact deleted in HubSpot keeps its records (reported as an orphan) by default, or loses them
// with DELETED_CONTACTS=remove.
func TestDeletedContactsRecordsAreKeptOrRemoved(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(map[bool]string{false: "keep", true: "remove"}[remove], func(t *testing.T) {
			s := newStack(t)
			s.seedExample()
			if remove {
				s.cfg.HubSpot.DeletedContacts = "remove"
			}
			s.startWorker()
			require.Equal(t, syncplan.Created, s.syncContact(example.ContactID).Outcome)
			s.fakes.HubSpot.Delete("contacts", example.ContactID)
			res := s.batch(workflows.SyncContactsInput{})
			if remove {
				require.Empty(t, s.owned(example.ContactID))
				require.Empty(t, res.Orphans)
				return
			}
			s.briansRecord(example.FirstClientID)
			require.Equal(t, []string{example.ContactID}, res.Orphans)
			require.Equal(t, syncplan.Orphaned, s.syncContact(example.ContactID).Outcome)
		})
	}
}

// Scenario 3: the create on the new client lands but its answer is cut off. The sync looks, sees
// the record there, and finishes the move instead of leaving the contact on two clients.
func TestCreateWhoseAnswerIsLostStillMovesOnce(t *testing.T) {
	tr := &troubles{}
	s := movingBrian(t, tr.wrap)
	tr.add("POST", "/v1/clients/[0-9]+/contacts", "cut", 1)
	res := s.syncContact(example.ContactID)
	require.Equal(t, syncplan.Moved, res.Outcome, res.Reason)
	requireCSMFields(t, s.briansRecord(example.SecondClientID))
}

// Scenario 4: the create on the new client fails for good (a 400 on a custom field, with a twin
// typed by hand on the old client). Nothing is removed before the new record holds, so there is
// nothing to restore: the contact stays on its old client, whole, and the twin is untouched.
func TestFailedCreateLeavesTheContactWhereItWas(t *testing.T) {
	tr := &troubles{}
	s := movingBrian(t, tr.wrap)
	s.fakes.ClientSuccess.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		{ClientID: example.FirstClientID, Email: "bh@hubspot.com", FirstName: "Brian", Title: "typed by hand"}}})
	// What the old record carries makes every create fail with a 400.
	tr.add("POST", "/v1/clients/9002/contacts", "reject", -1)
	_, err := starting.SyncContact(context.Background(), s.client, s.cfg.Temporal.TaskQueue, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
	require.Error(t, err)
	require.Contains(t, err.Error(), "Unknown custom field")
	requireCSMFields(t, s.briansRecord(example.FirstClientID))
	twins := 0
	for _, c := range s.fakes.ClientSuccess.ContactsOf(example.FirstClientID) {
		if c.Title == "typed by hand" {
			twins++
		}
	}
	require.Equal(t, 1, twins, "the hand-made twin is untouched")
}

// Scenario 5: a move stuck on a ClientSuccess that keeps failing is cancelled. The sync looks at
// what landed, on a context the cancel does not reach, and leaves the contact on one client.
func TestCancellingAStuckMoveLeavesOneRecord(t *testing.T) {
	for _, c := range []struct{ name, method, path string }{
		{"stuck on the create", "POST", "/v1/clients/9002/contacts"},
		{"stuck on removing the old record", "DELETE", "/v1/clients/9001/contacts/[0-9]+"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &troubles{}
			s := movingBrian(t, tr.wrap)
			tr.add(c.method, c.path, "fail", -1)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ContactWorkflowID(example.ContactID),
				TaskQueue: s.cfg.Temporal.TaskQueue}, workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: example.ContactID})
			require.NoError(t, err)
			eventually(t, 30*time.Second, "the move to retry its stuck step", func() bool {
				d, err := s.client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
				return err == nil && len(d.PendingActivities) > 0 && d.PendingActivities[0].Attempt >= 2
			})
			require.NoError(t, s.client.CancelWorkflow(ctx, run.GetID(), run.GetRunID()))
			err = run.Get(ctx, nil)
			var canceled *temporal.CanceledError
			require.True(t, errors.As(err, &canceled), "the sync ends cancelled: %v", err)
			d, err := s.client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
			require.NoError(t, err)
			require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, d.WorkflowExecutionInfo.Status)
			requireCSMFields(t, s.briansRecord(example.FirstClientID))

			tr.clear()
			require.Equal(t, syncplan.Moved, s.syncContact(example.ContactID).Outcome, "the next sync moves him")
			requireCSMFields(t, s.briansRecord(example.SecondClientID))
		})
	}
}

// Scenario 6: ClientSuccess replaces a record on PUT. An update from HubSpot and a move both keep
// every field a CSM set, those the sync does not map included.
func TestUpdatesAndMovesKeepEveryField(t *testing.T) {
	s := movingBrian(t, nil)
	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.FirstDealID, "jobtitle": "Co-founder"})
	require.Equal(t, syncplan.Updated, s.syncContact(example.ContactID).Outcome)
	fields := s.briansRecord(example.FirstClientID)
	requireCSMFields(t, fields)
	require.Equal(t, "Co-founder", fields["title"])

	s.fakes.HubSpot.Put("contacts", example.ContactID, map[string]string{"associated_deal_id": example.SecondDealID})
	require.Equal(t, syncplan.Moved, s.syncContact(example.ContactID).Outcome)
	requireCSMFields(t, s.briansRecord(example.SecondClientID))
}

// batch runs a full batch to its end and returns its result.
func (s *stack) batch(in workflows.SyncContactsInput) workflows.SyncContactsResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := starting.StartBatch(ctx, s.client, s.cfg.Temporal.TaskQueue, in)
	require.NoError(s.t, err)
	var res workflows.SyncContactsResult
	require.NoError(s.t, run.Get(ctx, &res))
	return res
}
