package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/workflows"
)

// person is one human behind one or more HubSpot ids: the ids merged into its survivor, and the
// note a CSM left on its ClientSuccess record, which must survive whatever happens.
type person struct {
	ids     []string // every HubSpot id it ever had; the last is the live one
	notes   []string // the CSM notes of its records before merges: the survivor keeps one
	deleted bool     // deleted in HubSpot: its record is kept where it is (DELETED_CONTACTS=keep)
}

func (p *person) id() string { return p.ids[len(p.ids)-1] }

// lossyAnswers applies some ClientSuccess writes and cuts their answer off, as a dropped
// connection would: the sync cannot tell whether they landed.
type lossyAnswers struct {
	mu   sync.Mutex
	rng  *rand.Rand
	rate float64
}

func (l *lossyAnswers) wrap(system string, h http.Handler) http.Handler {
	if system != "ClientSuccess" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		cut := r.Method != http.MethodGet && l.rng.Float64() < l.rate
		l.mu.Unlock()
		if !cut {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
	})
}

func (l *lossyAnswers) set(rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = rate
}

// TestRandomEditsFaultsAndCancelsNeverLoseOrDoubleAContact interleaves, over 200 synced contacts,
// deal moves, email edits on both sides, HubSpot merges and deletions with batches and single
// syncs, while ClientSuccess answers some calls with 5xx and 429, applies some writes but loses
// their answers, and syncs are cancelled at random moments. A final full batch then leaves every
// person with exactly one record, on its deal's client, still holding its CSM note; a deleted
// contact's record is kept where it was; no record the sync does not own has changed.
func TestRandomEditsFaultsAndCancelsNeverLoseOrDoubleAContact(t *testing.T) {
	const n, deals, rounds = 200, 12, 3
	seed := time.Now().UnixNano()
	if v := os.Getenv("INTERLEAVE_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("interleaving: %d contacts, seed %d (INTERLEAVE_SEED to repeat)", n, seed)
	lossy := &lossyAnswers{rng: rand.New(rand.NewSource(seed + 1))}
	s := newStackWrapped(t, lossy.wrap)

	deal := func(d int) string { return strconv.Itoa(7001 + d) }
	clientOf := func(d int) int64 { return int64(6001 + d) }
	var hs hubspotfake.Fixture
	var cs struct {
		clients  []clientsuccess.Client
		contacts []clientsuccess.Contact
	}
	for d := range deals {
		hs.Deals = append(hs.Deals, hubspotfake.Record{ID: deal(d), Properties: map[string]string{"dealname": "Deal " + deal(d)}})
		cs.clients = append(cs.clients, clientsuccess.Client{ID: clientOf(d), Name: "Client " + deal(d), ExternalID: deal(d), Active: true})
	}
	// A client no deal stands for, holding hand-made twins of some contacts: never a target.
	cs.clients = append(cs.clients, clientsuccess.Client{ID: 6999, Name: "Hand-made", Active: true})
	people := map[string]*person{}
	dealOf := map[string]int{}
	for i := range n {
		id := strconv.Itoa(300001 + i)
		d := rng.Intn(deals)
		dealOf[id] = d
		email := fmt.Sprintf("person%d@example.com", i)
		hs.Contacts = append(hs.Contacts, hubspotfake.Record{ID: id, Properties: map[string]string{
			"email": email, "firstname": "Person", "lastname": strconv.Itoa(i), "sync_w_clientsuccess_contact": "true", "associated_deal_id": deal(d)}})
		note := "CSM note for " + id
		cs.contacts = append(cs.contacts, clientsuccess.Contact{ClientID: clientOf(d), ExternalID: id, Email: email, FirstName: "Person",
			LastName: strconv.Itoa(i), Extra: map[string]json.RawMessage{"note": json.RawMessage(strconv.Quote(note))}})
		if i%10 == 0 {
			cs.contacts = append(cs.contacts, clientsuccess.Contact{ClientID: 6999, Email: email, FirstName: "Typed", LastName: "By hand"})
		}
		people[id] = &person{ids: []string{id}, notes: []string{note}}
	}
	s.fakes.HubSpot.Seed(hs)
	s.fakes.ClientSuccess.Seed(csfake.Fixture{Clients: cs.clients, Contacts: cs.contacts})
	unowned := map[int64]map[string]any{}
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID == "" {
			unowned[c.ID], _ = s.fakes.ClientSuccess.ContactFields(c.ID)
		}
	}
	s.startWorker()

	live := func() []string {
		var ids []string
		for _, p := range people {
			if !p.deleted {
				ids = append(ids, p.id())
			}
		}
		slices.Sort(ids)
		return ids
	}
	pick := func() string { ids := live(); return ids[rng.Intn(len(ids))] }
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	merges, deletes, cancels, csEdits := 0, 0, 0, 0
	for round := range rounds {
		for range n / 5 { // a HubSpot workflow moves deals
			id := pick()
			d := rng.Intn(deals)
			dealOf[id] = d
			s.fakes.HubSpot.Put("contacts", id, map[string]string{"associated_deal_id": deal(d)})
		}
		for range n / 10 { // HubSpot emails change
			s.fakes.HubSpot.Put("contacts", pick(), map[string]string{"email": fmt.Sprintf("new%d@example.net", rng.Int63())})
		}
		for _, c := range s.fakes.ClientSuccess.Contacts() { // CSMs edit emails in ClientSuccess
			if c.ExternalID != "" && rng.Intn(10) == 0 {
				require.NoError(t, s.fakes.ClientSuccess.EditContactInUI(c.ID, map[string]any{"email": fmt.Sprintf("csm%d@example.org", rng.Int63())}))
				csEdits++
			}
		}
		for range 3 { // HubSpot merges duplicates
			a, b := pick(), pick()
			if a == b {
				continue
			}
			survivor := s.fakes.HubSpot.Merge(a, b)
			pa, pb := people[a], people[b]
			merged := &person{ids: append(append(slices.Clone(pa.ids), pb.ids...), survivor), notes: append(slices.Clone(pa.notes), pb.notes...)}
			delete(people, a)
			delete(people, b)
			people[survivor] = merged
			dealOf[survivor] = dealOf[a] // the primary's values win
			merges++
		}
		if round > 0 { // and a contact is deleted
			id := pick()
			s.fakes.HubSpot.Delete("contacts", id)
			people[id].deleted = true
			deletes++
		}

		// Faults while the syncs run.
		for i, f := range []*faults.Injector{s.fakes.HubSpot.Faults(), s.fakes.ClientSuccess.Faults()} {
			f.Set(faults.Config{ErrorRate: 0.05, TooManyRate: 0.03, Seed: seed + int64(10*round+i)})
		}
		lossy.set(0.05)
		batch, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("interleave-batch-%d", round),
			TaskQueue: s.cfg.Temporal.TaskQueue}, workflows.SyncContacts, workflows.SyncContactsInput{Concurrency: 20, RetryFor: 30 * time.Second})
		require.NoError(t, err)
		var singles sync.WaitGroup
		for range 15 { // single syncs at once, some cancelled mid-flight
			id := pick()
			run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ContactWorkflowID(id), TaskQueue: s.cfg.Temporal.TaskQueue,
				WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
				workflows.SyncContact, workflows.SyncContactInput{HubSpotContactID: id, RetryFor: 30 * time.Second})
			require.NoError(t, err)
			if rng.Intn(2) == 0 {
				cancels++
				delay := time.Duration(rng.Intn(400)) * time.Millisecond
				singles.Add(1)
				go func() {
					defer singles.Done()
					time.Sleep(delay) // a person cancelling at a random moment, not a wait for a condition
					_ = s.client.CancelWorkflow(ctx, run.GetID(), run.GetRunID())
				}()
			}
		}
		singles.Wait()
		_ = batch.Get(ctx, nil) // a batch may end failed under faults; the final one must not
	}

	// The faults stop; one full batch repairs whatever the rounds left.
	s.fakes.HubSpot.Faults().Set(faults.Config{})
	s.fakes.ClientSuccess.Faults().Set(faults.Config{})
	lossy.set(0)
	terminateOpen(s.client, s.cfg.Temporal.TaskQueue) // singles still retrying under their 30 s bound
	res := s.batch(workflows.SyncContactsInput{Concurrency: 20})
	require.Zero(t, res.Counts["failed"], "the final batch: %v %+v", res.Counts, res.Attention)

	owners := map[string][]clientsuccess.Contact{}
	for _, c := range s.fakes.ClientSuccess.Contacts() {
		if c.ExternalID != "" {
			owners[c.ExternalID] = append(owners[c.ExternalID], c)
		}
	}
	lost, doubled, misplaced, notesLost := 0, 0, 0, 0
	for _, p := range people {
		var records []clientsuccess.Contact
		for _, id := range p.ids {
			records = append(records, owners[id]...)
		}
		switch {
		case len(records) == 0:
			lost++
			t.Errorf("person %v lost", p.ids)
			continue
		case len(records) > 1 && !p.deleted: // a deleted contact's records are left as they are
			doubled++
			t.Errorf("person %v has %d records: %+v", p.ids, len(records), records)
			continue
		}
		r := records[0]
		if !p.deleted && (r.ExternalID != p.id() || r.ClientID != clientOf(dealOf[p.id()])) {
			misplaced++
			t.Errorf("person %v: record %d (externalId %s) on client %d, belongs on %d as %s", p.ids, r.ID, r.ExternalID, r.ClientID,
				clientOf(dealOf[p.id()]), p.id())
		}
		fields, _ := s.fakes.ClientSuccess.ContactFields(r.ID)
		if !slices.Contains(p.notes, fmt.Sprint(fields["note"])) {
			notesLost++
			t.Errorf("person %v: the CSM note is %q, want one of %q", p.ids, fields["note"], p.notes)
		}
	}
	changed := 0
	for id, was := range unowned {
		now, ok := s.fakes.ClientSuccess.ContactFields(id)
		if !ok || fmt.Sprint(now) != fmt.Sprint(was) {
			changed++
			t.Errorf("unowned record %d changed: %v -> %v", id, was, now)
		}
	}
	fmt.Printf("interleaving: %d people after %d merges, %d deleted, %d email edits in ClientSuccess, %d cancels; "+
		"lost %d, on two clients %d, misplaced %d, notes lost %d, unowned records changed %d\n",
		len(people), merges, deletes, csEdits, cancels, lost, doubled, misplaced, notesLost, changed)
}
