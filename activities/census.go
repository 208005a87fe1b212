package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/syncplan"
)

// A census is every ClientSuccess record that may be the sync's (its externalId is a HubSpot
// record id), read once per full batch run by listing every client, with the clients by external
// id. A full run judges every contact against it, so it finds a contact's records wherever they
// are and whatever their emails say, and lists each client once however many pages need it. It
// lives in the memory of the worker that took it; the batch runs its page steps in a Temporal
// session on that worker, and takes it again should that worker go away.
type census struct {
	records recordIndex            // by externalId
	clients map[string]ClientRef   // by lower-cased client externalId (a deal or company id)
	deals   map[string]bool        // deal ids (clients' external ids) HubSpot has
	listed  int                    // clients listed
	count   int                    // records kept
	all     []clientsuccess.Client // every client, while the census is being taken

	mu   sync.Mutex
	seen []bool // by the position of an id's first record: the ids a page accounted for
}

// ownRecords are the census's records of a contact (under its id or an id merged into it), as the
// planner sees them, with their statuses; it marks them accounted for.
func (c *census) ownRecords(owner syncplan.Owner) ([]syncplan.Record, map[int64]*int) {
	var out []syncplan.Record
	status := map[int64]*int{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range owner.IDs() {
		first, recs := c.records.of(id)
		if len(recs) > 0 {
			c.seen[first] = true
		}
		for _, r := range recs {
			out = append(out, syncplan.Record{ClientID: r.client, ContactID: r.contact, ExternalID: id, Fields: unpackFields(r.fields)})
			status[r.contact] = r.statusID()
		}
	}
	return out, status
}

// unseen are the externalIds no page accounted for, in id order, each with its records.
func (c *census) unseen() map[string][]Location {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]Location{}
	c.records.each(func(first int, id string, recs []indexEntry) {
		if c.seen[first] {
			return
		}
		for _, r := range recs {
			out[id] = append(out[id], Location{ClientID: r.client, ContactID: r.contact})
		}
	})
	return out
}

// CensusInput names the batch run a census is for.
type CensusInput struct {
	// Run identifies the batch run (its workflow id and start), so every page of the run, and
	// only they, share the census.
	Run string `json:"run"`
}

// CensusSummary is what TakeCensus found.
type CensusSummary struct {
	Clients int `json:"clients"`
	Records int `json:"records"` // records whose externalId is a HubSpot record id
}

// censusTTL is how long a census is kept after its last use; a batch that stops using it (done,
// cancelled) leaves it to expire.
const censusTTL = time.Hour

// Censuses holds the censuses this worker took, by batch run. The zero value is ready.
type Censuses struct {
	m        expiring[*census] // complete censuses
	partials expiring[*census] // censuses being taken
	// ListsInFlight is how many client lists a census makes at once; 0 means defaultListsInFlight.
	ListsInFlight int
}

// defaultListsInFlight keeps a census at the API's pace at up to a few hundred milliseconds a call;
// more calls than the pace allows only wait for their turn.
const defaultListsInFlight = 8

func (cs *Censuses) listsInFlight() int { return cmp.Or(cs.ListsInFlight, defaultListsInFlight) }

// partial is a census an earlier attempt of this run started on this worker and did not finish.
func (cs *Censuses) partial(run string) (*census, bool) {
	c, ok := cs.partials.get(run, time.Now())
	return c, ok && c.all != nil
}

// keepPartial keeps a census being taken; it first forgets the censuses whose time is up, which
// nothing else would (their runs never ask again), so a worker holds the censuses of the last hour only.
func (cs *Censuses) keepPartial(run string, c *census) {
	now := time.Now()
	cs.m.dropExpired(now)
	cs.partials.dropExpired(now)
	cs.partials.put(run, c, now.Add(censusTTL))
}

// keep keeps a complete census, no longer a partial one.
func (cs *Censuses) keep(run string, c *census) {
	cs.partials.dropIf(func(p *census) bool { return p == c })
	cs.m.put(run, c, time.Now().Add(censusTTL))
}

func (cs *Censuses) get(run string) (*census, bool) {
	if cs == nil || run == "" {
		return nil, false
	}
	c, ok := cs.m.get(run, time.Now())
	if ok {
		cs.m.put(run, c, time.Now().Add(censusTTL)) // in use: keep it
	}
	return c, ok
}

// TakeCensus lists every ClientSuccess client and every client's contacts, once, and keeps what
// the batch run's pages need in this worker's memory: the records that may be the sync's, the
// clients by external id, and (with the deal id property) which of the clients' deals HubSpot
// has. It only reads. A census is hundreds of calls: a call answered with a passing failure is
// tried again here, and an attempt that fails anyway resumes, on this worker, where the last one
// stopped.
func (a *Activities) TakeCensus(ctx context.Context, in CensusInput) (CensusSummary, error) {
	if a.Censuses == nil {
		return CensusSummary{}, fmt.Errorf("this worker keeps no censuses")
	}
	c, resumed := a.Censuses.partial(in.Run)
	if !resumed {
		clients, err := retried(ctx, func() ([]clientsuccess.Client, error) { return a.ClientSuccess.ListClients(ctx, false) })
		if err != nil {
			return CensusSummary{}, toTemporal(err)
		}
		slices.SortFunc(clients, func(x, y clientsuccess.Client) int { return cmp.Compare(x.ID, y.ID) })
		c = &census{clients: map[string]ClientRef{}, all: clients}
		for _, cl := range clients {
			if ext := strings.ToLower(strings.TrimSpace(cl.ExternalID)); ext != "" {
				if _, dup := c.clients[ext]; !dup { // ClientSuccess answers the lowest id for an externalId
					c.clients[ext] = ClientRef{Found: true, ID: cl.ID, Name: syncplan.Clip(cl.Name, maxClientName)}
				}
			}
		}
		a.Censuses.keepPartial(in.Run, c)
	}
	if err := a.listClients(ctx, c); err != nil {
		return CensusSummary{}, toTemporal(err)
	}
	if c.deals == nil && a.resolver().mode() == ResolverProperty {
		deals, err := retried(ctx, func() (map[string]bool, error) { return a.dealsOfClients(ctx, c.clients) })
		if err != nil {
			return CensusSummary{}, err
		}
		c.deals = deals
	}
	c.all = nil
	c.records.seal()
	c.seen = make([]bool, len(c.records.entries))
	a.Censuses.keep(in.Run, c)
	return CensusSummary{Clients: c.listed, Records: c.count}, nil
}

// listClients lists the contacts of the census's clients from where the last attempt stopped, a few
// at once: a list takes the API's latency, so one at a time could not reach the API's rate. Lists are
// added in client order, so an attempt that fails resumes after the last client added.
func (a *Activities) listClients(ctx context.Context, c *census) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type clientList struct {
		at   int
		list []clientsuccess.Contact
		err  error
	}
	done := make(chan clientList)
	ahead := map[int]clientList{} // lists that came back before an earlier client's
	next, inFlight := c.listed, 0
	var failed error
	for {
		for ; failed == nil && inFlight < a.Censuses.listsInFlight() && next < len(c.all); next, inFlight = next+1, inFlight+1 {
			go func(at int, clientID int64) {
				list, err := retried(ctx, func() ([]clientsuccess.Contact, error) { return a.ClientSuccess.ListContacts(ctx, clientID) })
				done <- clientList{at: at, list: list, err: err}
			}(next, c.all[next].ID)
		}
		if inFlight == 0 {
			return failed
		}
		r := <-done
		inFlight--
		if r.err != nil && !apierr.Is(r.err, apierr.NotFound) { // not found: deleted since it was listed
			failed = cmp.Or(failed, r.err)
			cancel()
			continue
		}
		ahead[r.at] = r
		for first, ok := ahead[c.listed]; ok; first, ok = ahead[c.listed] {
			delete(ahead, c.listed)
			c.add(c.all[c.listed].ID, first.list)
			c.listed++
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, c.listed)
			}
		}
	}
}

// add keeps the records of a client's list whose externalId is a HubSpot id (any other is never the sync's).
func (c *census) add(clientID int64, list []clientsuccess.Contact) {
	for _, r := range list {
		if id, err := syncplan.ParseDealID(r.ExternalID); err == nil {
			c.records.add(id, newCensusRecord(clientID, r.ID, r.StatusID, fieldsOf(r)))
			c.count++
		}
	}
}

// callTries bounds how often one call of a long step is tried when its failures are passing ones.
const callTries = 5

// retried makes a call, trying it again after a passing failure (429, 5xx, network), waiting as
// the API asked or a little longer each time. Steps that make hundreds of calls use it, so one
// passing failure does not throw their work away; their own retry policy is the backstop.
func retried[T any](ctx context.Context, call func() (T, error)) (T, error) {
	var v T
	var err error
	for try := 1; ; try++ {
		if v, err = call(); err == nil || try == callTries || !passing(err) {
			return v, err
		}
		wait := time.Duration(try) * 500 * time.Millisecond
		var e *apierr.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return v, err
		}
	}
}

// passing reports whether trying the call again later can succeed.
func passing(err error) bool {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Retryable()
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return !appErr.NonRetryable()
	}
	return true // network errors, timeouts
}

// dealsOfClients reads, in batches of a hundred, which of the clients' external ids are deals
// HubSpot has, so the page plan checks no deal on its own.
func (a *Activities) dealsOfClients(ctx context.Context, clients map[string]ClientRef) (map[string]bool, error) {
	ids := make([]string, 0, len(clients))
	for ext := range clients {
		if id, err := syncplan.ParseDealID(ext); err == nil {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareIDs)
	found, _, err := a.HubSpot.BatchReadObjects(ctx, "deals", ids, []string{"hs_object_id"})
	if err != nil {
		return nil, toTemporal(err)
	}
	deals := make(map[string]bool, len(found))
	for _, d := range found {
		deals[d.ID] = true
	}
	return deals, nil
}

// censusKey is how a census travels with a page step's context, so the client and deal look-ups
// of the resolvers answer from it instead of asking ClientSuccess and HubSpot again.
type censusKey struct{}

func withCensus(ctx context.Context, c *census) context.Context {
	return context.WithValue(ctx, censusKey{}, c)
}

func censusOf(ctx context.Context) *census {
	c, _ := ctx.Value(censusKey{}).(*census)
	return c
}
