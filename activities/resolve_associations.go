package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/syncplan"
)

// maxDealsPerContact bounds the associated deals (or companies) one resolution reads: more than
// this many on one contact is not a customer contact, and the rest would only fill history.
const maxDealsPerContact = 1000

// dealProperties are what the associations rule reads of a deal.
var dealProperties = []string{"dealname", "createdate"}

// associationsResolver finds a contact's client through its HubSpot deal associations: among the
// deals that exist as ClientSuccess clients, the newest (or oldest) by createdate, then the lowest
// id (syncplan.ChooseDeal). The same associations always give the same answer.
type associationsResolver struct{ a *Activities }

func (associationsResolver) mode() string { return ResolverAssociations }

func (r associationsResolver) resolve(ctx context.Context, in ResolveInput) (Target, error) {
	var ids []string
	if in.DealIDs != nil {
		ids = *in.DealIDs
	} else {
		var err error
		if ids, err = r.a.associatedIDs(ctx, in.HubSpotContactID, "deals"); err != nil {
			return Target{}, toTemporal(err)
		}
	}
	if len(ids) == 0 {
		return noClient(Target{}, syncplan.NoDeal, "the contact is associated with no deal; nothing written"), nil
	}
	deals, _, err := r.a.HubSpot.BatchReadObjects(ctx, "deals", ids, dealProperties)
	if err != nil {
		return Target{}, toTemporal(err)
	}
	if len(deals) == 0 {
		return noClient(Target{}, syncplan.DealNotFound,
			fmt.Sprintf("none of the contact's %d associated deals exists in HubSpot; nothing written", len(ids))), nil
	}
	return r.choose(ctx, deals, in)
}

// choose applies the associations rule to the contact's deals HubSpot still has and finds the
// chosen deal's client, asking ClientSuccess in the rule's order and stopping at the first deal
// with a client: the rule's answer, with as few look-ups as possible.
func (r associationsResolver) choose(ctx context.Context, deals []hubspot.Object, in ResolveInput) (Target, error) {
	names := map[string]string{}
	cands := make([]syncplan.DealCandidate, 0, len(deals))
	for _, d := range deals {
		names[d.ID] = syncplan.Clip(d.Properties["dealname"], maxClientName)
		cands = append(cands, syncplan.DealCandidate{ID: d.ID, CreatedAt: createdAt(d)})
	}
	pref := r.a.Resolver.Preference
	var looked []syncplan.DealCandidate
	clients := map[string]ClientRef{}
	for _, c := range syncplan.OrderDeals(cands, pref) {
		ref, err := r.a.findClient(ctx, c.ID)
		if err != nil {
			return Target{}, err
		}
		if !ref.Found && in.pending(c.ID) {
			ref = PendingClient("deal", names[c.ID], c.ID)
		}
		c.HasClient = ref.Found
		clients[c.ID] = ref
		looked = append(looked, c)
		if ref.Found {
			break
		}
	}
	chosen, ok := syncplan.ChooseDeal(looked, pref)
	if !ok {
		return noClient(Target{}, syncplan.WaitingClient,
			fmt.Sprintf("client not in ClientSuccess: none of the contact's %d associated deals has a client; nothing removed", len(deals))), nil
	}
	t := Target{DealID: chosen.ID, Client: clients[chosen.ID]}
	if r.a.Resolver.WriteBack && strings.TrimSpace(in.DealIDValue) != chosen.ID {
		t.WriteDealID = chosen.ID
	}
	return t, nil
}

// resolvePage reads the page's deals once and applies the rule to each contact. A contact whose
// deal id property would be written back is left to its own sync.
func (r associationsResolver) resolvePage(ctx context.Context, contacts []Contact, assocs map[string][]string) map[string]Target {
	var all []string
	for _, c := range contacts {
		all = append(all, assocs[c.ID]...)
	}
	if len(all) == 0 {
		return nil
	}
	found, _, err := r.a.HubSpot.BatchReadObjects(ctx, "deals", all, dealProperties)
	if err != nil {
		planWarn(ctx, "reading the page's deals", err)
		return nil
	}
	byID := make(map[string]hubspot.Object, len(found))
	for _, d := range found {
		byID[d.ID] = d
	}
	out := map[string]Target{}
	for _, c := range contacts {
		if ctx.Err() != nil {
			break
		}
		var existing []hubspot.Object
		for _, id := range assocs[c.ID] {
			if d, ok := byID[id]; ok {
				existing = append(existing, d)
			}
		}
		if len(existing) == 0 {
			continue
		}
		t, err := r.choose(ctx, existing, ResolveInput{HubSpotContactID: c.ID, DealIDValue: c.DealIDValue})
		if err != nil {
			planWarn(ctx, "resolving the deal of contact "+c.ID, err)
			continue
		}
		if t.Client.Found && t.WriteDealID == "" {
			out[c.ID] = t
		}
	}
	return out
}

// prefetch reads the page's contacts' associated deal ids with one batch call.
func (r associationsResolver) prefetch(ctx context.Context, ids []string) (map[string][]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	assocs, err := r.a.HubSpot.BatchReadAssociations(ctx, "contacts", "deals", ids)
	if err != nil {
		return nil, toTemporal(err)
	}
	deals := make(map[string][]string, len(ids))
	for _, id := range ids {
		deals[id] = associatedIDs(assocs[id])
	}
	return deals, nil
}

// associatedIDs reads every page of a contact's associations of one type, as record ids.
func (a *Activities) associatedIDs(ctx context.Context, contactID, toType string) ([]string, error) {
	assocs, err := a.associations(ctx, contactID, toType)
	return associatedIDs(assocs), err
}

// associations reads every page of a contact's associations of one type, bounded.
func (a *Activities) associations(ctx context.Context, contactID, toType string) ([]hubspot.Association, error) {
	var all []hubspot.Association
	after := ""
	for {
		page, next, err := a.HubSpot.ListAssociations(ctx, "contacts", contactID, toType, after)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" || len(all) >= maxDealsPerContact {
			return all, nil
		}
		after = next
	}
}

// associatedIDs lists the records an association list points at, without repeats, bounded.
func associatedIDs(assocs []hubspot.Association) []string {
	ids := make([]string, 0, len(assocs))
	for _, a := range assocs {
		if len(ids) >= maxDealsPerContact {
			break
		}
		if !slices.Contains(ids, a.ToObjectID) {
			ids = append(ids, a.ToObjectID)
		}
	}
	return ids
}

func createdAt(o hubspot.Object) time.Time {
	if !o.CreatedAt.IsZero() {
		return o.CreatedAt
	}
	t, _ := time.Parse(time.RFC3339Nano, o.Properties["createdate"])
	return t
}
