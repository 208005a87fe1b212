package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/syncplan"
)

// propertyResolver finds a contact's client through the deal id in its deal id property: the
// client whose externalId is that deal's id (the classic way, and the default).
type propertyResolver struct{ a *Activities }

func (propertyResolver) mode() string { return ResolverProperty }

func (r propertyResolver) resolve(ctx context.Context, in ResolveInput) (Target, error) {
	dealID, err := syncplan.ParseDealID(in.DealIDValue)
	switch {
	case errors.Is(err, syncplan.ErrNoDeal):
		return noClient(Target{}, syncplan.NoDeal, "the deal id property is empty; nothing written"), nil
	case err != nil:
		return noClient(Target{}, syncplan.InvalidDealID, err.Error()+"; nothing written"), nil
	}
	t := Target{DealID: dealID}
	deal, err := r.a.HubSpot.GetObject(ctx, "deals", dealID, []string{"dealname"})
	if apierr.Is(err, apierr.NotFound) {
		return noClient(t, syncplan.DealNotFound, "HubSpot has no deal "+dealID+"; nothing written"), nil
	}
	if err != nil {
		return Target{}, toTemporal(err)
	}
	name := syncplan.Clip(deal.Properties["dealname"], maxClientName)
	if t.Client, err = r.a.findClient(ctx, dealID); err != nil {
		return Target{}, err
	}
	switch {
	case !t.Client.Found && in.pending(dealID):
		t.Client = PendingClient("deal", name, dealID)
	case !t.Client.Found:
		return noClient(t, syncplan.WaitingClient,
			fmt.Sprintf("client not in ClientSuccess: no client has externalId %s (deal %s); nothing removed", dealID, name)), nil
	}
	return t, nil
}

// resolvePage reads the page's deals HubSpot has not shown lately in one batch, then looks up each
// deal's client once.
func (r propertyResolver) resolvePage(ctx context.Context, contacts []Contact, _ map[string][]string) map[string]Target {
	dealOf := map[string]string{}
	var dealIDs []string
	for _, c := range contacts {
		if id, err := syncplan.ParseDealID(c.DealIDValue); err == nil {
			dealOf[c.ID] = id
			dealIDs = append(dealIDs, id)
		}
	}
	existing, err := r.a.existingDeals(ctx, dealIDs)
	if err != nil {
		planWarn(ctx, "reading the page's deals", err)
		return nil
	}
	clients := map[string]ClientRef{}
	for _, id := range existing {
		if ctx.Err() != nil {
			break
		}
		ref, err := r.a.findClient(ctx, id)
		if err != nil {
			planWarn(ctx, "looking up the client of deal "+id, err)
			continue
		}
		clients[id] = ref
	}
	out := map[string]Target{}
	for contactID, dealID := range dealOf {
		if ref := clients[dealID]; ref.Found {
			out[contactID] = Target{DealID: dealID, Client: ref}
		}
	}
	return out
}

func (propertyResolver) prefetch(context.Context, []string) (map[string][]string, error) {
	return nil, nil
}

// existingDeals returns the deals among ids that HubSpot has, reading in one batch only those
// not seen within the cache's TTL.
func (a *Activities) existingDeals(ctx context.Context, ids []string) ([]string, error) {
	var existing, unseen []string
	if c := censusOf(ctx); c != nil && c.deals != nil {
		for _, id := range ids {
			if c.deals[id] && !slices.Contains(existing, id) {
				existing = append(existing, id) // the census read every client's deal
			}
		}
		return existing, nil
	}
	done := map[string]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		if a.Clients.dealSeen(id) {
			existing = append(existing, id)
		} else {
			unseen = append(unseen, id)
		}
	}
	if len(unseen) == 0 {
		return existing, nil
	}
	found, _, err := a.HubSpot.BatchReadObjects(ctx, "deals", unseen, []string{"hs_object_id"})
	if err != nil {
		return nil, toTemporal(err)
	}
	for _, d := range found {
		a.Clients.sawDeal(d.ID)
		existing = append(existing, d.ID)
	}
	return existing, nil
}
