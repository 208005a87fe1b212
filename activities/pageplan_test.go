package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/faults"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

func (f *fixture) planPage(t *testing.T, in PagePlanInput) PlannedPage {
	t.Helper()
	return run[PlannedPage](t, f, f.acts.PlanContactsPage, in)
}

// seedPlanFixture: clients 1 (deal 11) and 2 (deal 22); deal 33 has no client. Each contact is a
// case the page plan must get right; only 201 is in line.
func seedPlanFixture(f *fixture) {
	contact := func(id, sync, deal, email string) hubspotfake.Record {
		return hubspotfake.Record{ID: id, Properties: map[string]string{"sync": sync, "deal": deal,
			"email": email, "firstname": "P", "lastname": id}}
	}
	f.hs.Seed(hubspotfake.Fixture{
		Deals: []hubspotfake.Record{{ID: "11"}, {ID: "22"}, {ID: "33"}},
		Contacts: []hubspotfake.Record{
			contact("201", "true", "11", "a@x.com"),    // on client 1 as HubSpot has it: in line
			contact("202", "true", "22", "b@x.com"),    // on client 1, deal now 22: a move
			contact("203", "true", "11", "c@x.com"),    // on client 1 with another title: an update
			contact("204", "true", "12abc", "d@x.com"), // a bad deal id: an outcome to record
			contact("205", "true", "99", "e@x.com"),    // no such deal
			contact("206", "true", "33", "f@x.com"),    // a deal without a client
			contact("207", "true", "11", "g@x.com"),    // on no client yet: a create
			contact("208", "true", "11", "h@x.com"),    // a twin typed by hand: a conflict
			contact("209", "false", "11", "a@x.com"),   // unchecked: not listed at all
		},
	})
	rec := func(id, email, title string) clientsuccess.Contact {
		return clientsuccess.Contact{ClientID: 1, ExternalID: id, Email: email, FirstName: "P", LastName: id, Title: title}
	}
	twin := rec("", "H@x.com", "")
	twin.LastName = "208"
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{
		rec("201", "a@x.com", ""), rec("202", "b@x.com", ""), rec("203", "c@x.com", "CEO"), twin,
	}})
}

func TestPlanContactsPageSkipsOnlyContactsInLine(t *testing.T) {
	f := newFixture(t)
	seedPlanFixture(f)
	f.hs.ResetCounters()
	p := f.planPage(t, PagePlanInput{Limit: 100})
	require.Equal(t, []InLineContact{{ID: "201", DealID: "11", ClientID: 1, ClientName: "Old"}}, p.InLine)
	require.Equal(t, []string{"202", "203", "204", "205", "206", "207", "208"}, p.ToSync)
	require.Empty(t, p.LastID, "a short page is the last")
	require.Nil(t, p.Deals, "the property resolver prefetches no deals")
	require.Equal(t, 2, f.hs.Calls(), "one search and one batch read of the deals for the whole page")
	require.Equal(t, 0, f.cs.Writes())
	require.Equal(t, 0, f.hs.Writes())

	// Pages anchor on the last id, as the listing does.
	first := f.planPage(t, PagePlanInput{Limit: 3})
	require.Equal(t, "203", first.LastID)
	require.Equal(t, 3, first.Listed())
	next := f.planPage(t, PagePlanInput{AfterID: first.LastID, Limit: 3})
	require.Equal(t, []string{"204", "205", "206"}, next.ToSync)
	exact := f.planPage(t, PagePlanInput{AfterID: next.LastID, Limit: 2})
	require.Equal(t, 2, exact.Listed())
	require.Empty(t, exact.LastID, "a full page that ends the set is the last: no extra, empty search")
}

// A read that fails only sends the contacts it concerns to their own sync; the page still plans.
func TestPlanContactsPageSurvivesFailedReads(t *testing.T) {
	f := newFixture(t)
	seedPlanFixture(f)
	f.cs.Faults().FailNext("GET /v1/clients/{cid}/contacts", 3, 503) // client 1's list: 201 is on it
	p := f.planPage(t, PagePlanInput{Limit: 100})
	require.Empty(t, p.InLine, "201 could not be judged")
	require.Len(t, p.ToSync, 8)

	f.hs.Faults().FailNth(hubspotfake.RouteBatchReadObjects, 1, 503)
	p = f.planPage(t, PagePlanInput{Limit: 100})
	require.Empty(t, p.InLine, "no deal could be checked")
	require.Len(t, p.ToSync, 8)

	p = f.planPage(t, PagePlanInput{Limit: 100})
	require.Len(t, p.InLine, 1, "with the APIs back, 201 is in line again")

	f.hs.Faults().FailNth(hubspotfake.RouteSearch, 1, 503)
	_, err := f.env.ExecuteActivity(f.acts.PlanContactsPage, PagePlanInput{Limit: 100})
	require.ErrorContains(t, err, "HubSpot.server", "without the listing there is no page: retried")
}

func TestPlanContactsPageReadsEachDealOncePerCacheTTL(t *testing.T) {
	f := newFixture(t)
	seedPlanFixture(f)
	f.hs.Delete("contacts", "205") // its deal 99 does not exist, and absent deals are read every time
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	f.acts.Clients = &ClientCache{TTL: time.Minute, Now: func() time.Time { return now }}
	first := f.planPage(t, PagePlanInput{Limit: 100})
	f.hs.ResetCounters()
	again := f.planPage(t, PagePlanInput{Limit: 100})
	require.Equal(t, first, again)
	require.Equal(t, 1, f.hs.Calls(), "the deals were seen within the TTL: only the search")

	now = now.Add(time.Minute)
	f.hs.ResetCounters()
	f.planPage(t, PagePlanInput{Limit: 100})
	require.Equal(t, 2, f.hs.Calls(), "after the TTL the deals are read again")
}

func TestPlanContactsPageLeavesStatusAndExtendedMappingsToSyncContact(t *testing.T) {
	status := mapping.Default()
	status.Status = &mapping.StatusMapping{HubSpot: "cs_status", Direction: mapping.ToClientSuccess}
	partial := mapping.Default()
	partial.Fields = partial.Fields[:3] // title, phone and mobile keep their ClientSuccess values
	for name, m := range map[string]mapping.File{"status read from HubSpot": status, "partial mapping": partial} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			seedPlanFixture(f)
			f.acts.Mapping = m
			p := f.planPage(t, PagePlanInput{Limit: 100})
			require.Empty(t, p.InLine, "judged by SyncContact")
			require.Len(t, p.ToSync, 8)
		})
	}
}

// With a status written back to HubSpot, a contact is in line only when HubSpot's property
// already holds the exact option value PushContactStatus would write.
func TestPlanContactsPageJudgesAStatusWrittenBack(t *testing.T) {
	f := newFixture(t)
	f.acts.Mapping = mapping.Default()
	f.acts.Mapping.Status = &mapping.StatusMapping{HubSpot: "cs_status", Direction: mapping.ToHubSpot}
	contact := func(id, status string) hubspotfake.Record {
		return hubspotfake.Record{ID: id, Properties: map[string]string{"sync": "true", "deal": "11",
			"email": id + "@x.com", "firstname": "P", "lastname": id, "cs_status": status}}
	}
	f.hs.Seed(hubspotfake.Fixture{
		Properties: map[string][]hubspotfake.Property{"contacts": {
			{Name: "sync", Type: "bool", FieldType: "booleancheckbox"}, {Name: "deal", Type: "string", FieldType: "text"},
			{Name: "cs_status", Type: "enumeration", FieldType: "select", Options: []hubspotfake.Option{{Label: "Active", Value: "active"}, {Label: "Trial", Value: "trial"}}},
		}},
		Deals: []hubspotfake.Record{{ID: "11"}},
		Contacts: []hubspotfake.Record{
			contact("501", "active"), // ClientSuccess Active: in line
			contact("502", "Active"), // the same word, not the option's value: a write to make
			contact("503", ""),       // no status on either side: in line
			contact("504", "trial"),  // ClientSuccess Terminated has no option: a problem to record
		},
	})
	status := func(id int) *int { return &id }
	rec := func(id string, statusID *int) clientsuccess.Contact {
		return clientsuccess.Contact{ClientID: 1, ExternalID: id, Email: id + "@x.com", FirstName: "P", LastName: id, StatusID: statusID}
	}
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{rec("501", status(1)), rec("502", status(1)), rec("503", nil), rec("504", status(4))}})

	p := f.planPage(t, PagePlanInput{Limit: 100})
	require.Equal(t, []InLineContact{{ID: "501", DealID: "11", ClientID: 1, ClientName: "Old"}, {ID: "503", DealID: "11", ClientID: 1, ClientName: "Old"}}, p.InLine)
	require.Equal(t, []string{"502", "504"}, p.ToSync)

	f.acts.Definitions = nil // read the options again: this time HubSpot fails
	f.hs.Faults().FailNext(hubspotfake.RouteGetProperty, 3, 503)
	p = f.planPage(t, PagePlanInput{Limit: 100})
	require.Empty(t, p.InLine, "without the options no status can be judged")
	require.Len(t, p.ToSync, 4)
}

// In companies mode the client comes from the primary company, read for the whole page in one
// batch: the deal property counts for nothing, and only the primary association does.
func TestPlanContactsPageInCompaniesMode(t *testing.T) {
	f := newFixture(t)
	seedPlanFixture(f)
	f.acts.ClientSource = ClientSourceCompanies
	f.hs.Put("companies", "11", map[string]string{"name": "Old"})
	f.hs.Put("companies", "22", map[string]string{"name": "New"})
	primary := func(contact, company string) {
		f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: contact, ToType: "companies", ToID: company, TypeID: 1})
	}
	primary("201", "11")                                                                                    // on company 11's client as HubSpot has it: in line
	f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "202", ToType: "companies", ToID: "11"}) // not primary: no company
	primary("203", "11")                                                                                    // another title there: an update
	primary("207", "22")                                                                                    // on client 1 by its deal property, but its company is 22's
	f.hs.ResetCounters()
	p := f.planPage(t, PagePlanInput{Limit: 100})
	require.Equal(t, []InLineContact{{ID: "201", CompanyID: "11", ClientID: 1, ClientName: "Old"}}, p.InLine)
	require.Equal(t, []string{"202", "203", "204", "205", "206", "207", "208"}, p.ToSync)
	require.Equal(t, 2, f.hs.Calls(), "one search and one batch read of the associations for the whole page")

	f.hs.Faults().FailNth(hubspotfake.RouteBatchReadAssociations, 1, 503)
	p = f.planPage(t, PagePlanInput{Limit: 100})
	require.Empty(t, p.InLine, "without the associations nothing is judged")
	require.Len(t, p.ToSync, 8)
}

func TestPlanContactsPageWithAssociations(t *testing.T) {
	f := newFixture(t)
	f.acts.Resolver = DealResolver{Mode: ResolverAssociations, Preference: syncplan.PreferNewest}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	props := func(id string) map[string]string {
		return map[string]string{"sync": "true", "email": id + "@x.com", "firstname": "P", "lastname": id}
	}
	f.hs.Seed(hubspotfake.Fixture{
		Deals:    []hubspotfake.Record{{ID: "11", CreatedAt: jan}, {ID: "22", CreatedAt: jan.AddDate(0, 1, 0)}},
		Contacts: []hubspotfake.Record{{ID: "301", Properties: props("301")}, {ID: "302", Properties: props("302")}},
	})
	f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "301", ToType: "deals", ToID: "11"})
	f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "302", ToType: "deals", ToID: "11"})
	f.hs.Associate(hubspotfake.Assoc{FromType: "contacts", FromID: "302", ToType: "deals", ToID: "22"})
	rec := func(id string) clientsuccess.Contact {
		return clientsuccess.Contact{ClientID: 1, ExternalID: id, Email: id + "@x.com", FirstName: "P", LastName: id}
	}
	f.cs.Seed(csfake.Fixture{Contacts: []clientsuccess.Contact{rec("301"), rec("302")}})

	p := f.planPage(t, PagePlanInput{Limit: 100})
	require.Equal(t, []InLineContact{{ID: "301", DealID: "11", ClientID: 1, ClientName: "Old"}}, p.InLine)
	require.Equal(t, []string{"302"}, p.ToSync, "302's newer deal 22 has client 2: a move")
	require.Equal(t, map[string][]string{"302": {"11", "22"}}, p.Deals)

	// With write-back on, a contact whose deal id property differs has a write to make.
	f.acts.Resolver.WriteBack = true
	p = f.planPage(t, PagePlanInput{Limit: 100})
	require.Empty(t, p.InLine)
}

// An incremental page also lists the contacts of clients just created, edited or not; when their
// contacts cannot be named in a search, every checked contact.
func TestPlanContactsPageListsTheContactsOfNewClients(t *testing.T) {
	f := newFixture(t)
	old := "2026-01-01T00:00:00.000Z"
	contact := func(id, deal, modified string) hubspotfake.Record {
		props := map[string]string{"sync": "true", "deal": deal, "email": id + "@x.com", "firstname": "P", "lastname": id}
		if modified != "" {
			props["lastmodifieddate"] = modified
		}
		return hubspotfake.Record{ID: id, Properties: props}
	}
	f.hs.Seed(hubspotfake.Fixture{
		Deals: []hubspotfake.Record{{ID: "11"}, {ID: "22"}, {ID: "33"}},
		Contacts: []hubspotfake.Record{
			contact("401", "11", old), // untouched, old client
			contact("402", "22", old), // untouched, its deal's client was just created
			contact("403", "11", ""),  // edited recently
		},
	})
	since := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	listed := func(p PlannedPage) []string {
		ids := append([]string{}, p.ToSync...)
		for _, c := range p.InLine {
			ids = append(ids, c.ID)
		}
		return ids
	}
	require.ElementsMatch(t, []string{"403"}, listed(f.planPage(t, PagePlanInput{Since: since, Limit: 100})))
	require.ElementsMatch(t, []string{"402", "403"}, listed(f.planPage(t, PagePlanInput{Since: since, NewClients: []string{"22"}, Limit: 100})))
	changed := run[CheckedPage](t, f, f.acts.ListChangedContacts, ChangedContactsInput{Since: since, NewClients: []string{"22"}, Limit: 100})
	require.ElementsMatch(t, []string{"402", "403"}, changed.IDs, "a batch listing ids only (checkEveryContact) lists them too")

	f.acts.Resolver = DealResolver{Mode: ResolverAssociations, Preference: syncplan.PreferNewest}
	require.ElementsMatch(t, []string{"401", "402", "403"}, listed(f.planPage(t, PagePlanInput{Since: since, NewClients: []string{"22"}, Limit: 100})),
		"with associations a contact's new client cannot be searched for: every checked contact")
}

// A page plan that runs out of time answers in time with what it judged; the rest go to their
// own sync.
func TestPlanContactsPageAnswersWithinItsDeadline(t *testing.T) {
	f := newFixture(t)
	seedPlanFixture(f)
	f.cs.Faults().Set(faults.Config{Latency: 400 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	p, err := f.acts.PlanContactsPage(ctx, PagePlanInput{Limit: 100})
	require.NoError(t, err)
	require.Less(t, time.Since(start), time.Second, "answered before the deadline")
	require.Empty(t, p.InLine, "the client look-ups did not finish in time")
	require.Len(t, p.ToSync, 8)
}
