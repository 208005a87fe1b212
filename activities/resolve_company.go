package activities

import (
	"context"
	"fmt"
	"slices"

	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/syncplan"
)

// primaryCompanyTypeID is HubSpot's contact→company "Primary" association type. HubSpot says to
// rely on type ids, never on labels, which it has renamed before.
const primaryCompanyTypeID = 1

// companyResolver finds a contact's client through its primary company (CLIENT_SOURCE=companies):
// the client whose externalId is that company's id.
type companyResolver struct{ a *Activities }

func (companyResolver) mode() string { return ResolverCompanies }

func (r companyResolver) resolve(ctx context.Context, in ResolveInput) (Target, error) {
	assocs, err := r.a.associations(ctx, in.HubSpotContactID, "companies")
	if err != nil {
		return Target{}, toTemporal(err)
	}
	t := Target{CompanyID: primaryCompany(assocs)}
	switch {
	case t.CompanyID == "" && len(assocs) == 0:
		return noClient(t, syncplan.NoCompany, "the contact is associated with no company; nothing written"), nil
	case t.CompanyID == "":
		return noClient(t, syncplan.NoCompany,
			fmt.Sprintf("none of the contact's %d associated companies is its primary company; nothing written", len(assocs))), nil
	}
	if t.Client, err = r.a.findClient(ctx, t.CompanyID); err != nil {
		return Target{}, err
	}
	switch {
	case !t.Client.Found && in.pending(t.CompanyID):
		t.Client = PendingClient("company", "", t.CompanyID)
	case !t.Client.Found:
		return noClient(t, syncplan.WaitingClient,
			fmt.Sprintf("client not in ClientSuccess: no client has externalId %s (primary company); nothing removed", t.CompanyID)), nil
	}
	return t, nil
}

// resolvePage reads the page's company associations in one batch. A contact with more associations
// than resolve reads is left to its own sync, so the two never disagree.
func (r companyResolver) resolvePage(ctx context.Context, contacts []Contact, _ map[string][]string) map[string]Target {
	ids := make([]string, 0, len(contacts))
	for _, c := range contacts {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	assocs, err := r.a.HubSpot.BatchReadAssociations(ctx, "contacts", "companies", ids)
	if err != nil {
		planWarn(ctx, "reading the page's company associations", err)
		return nil
	}
	clients := map[string]ClientRef{}
	out := map[string]Target{}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		companyID := primaryCompany(assocs[id])
		if companyID == "" || len(assocs[id]) >= maxDealsPerContact {
			continue
		}
		ref, looked := clients[companyID]
		if !looked {
			if ref, err = r.a.findClient(ctx, companyID); err != nil {
				planWarn(ctx, "looking up the client of company "+companyID, err)
				continue
			}
			clients[companyID] = ref
		}
		if ref.Found {
			out[id] = Target{CompanyID: companyID, Client: ref}
		}
	}
	return out
}

func (companyResolver) prefetch(context.Context, []string) (map[string][]string, error) {
	return nil, nil
}

// primaryCompany is the contact's primary company among its company associations, or "".
// HubSpot allows one primary company; should it ever answer more, the lowest id wins, so the
// answer never depends on listing order.
func primaryCompany(assocs []hubspot.Association) string {
	var primaries []string
	for _, as := range assocs {
		if isPrimary(as) {
			primaries = append(primaries, as.ToObjectID)
		}
	}
	if len(primaries) == 0 {
		return ""
	}
	return slices.MinFunc(primaries, compareIDs)
}

func isPrimary(as hubspot.Association) bool {
	for _, t := range as.Types {
		if t.TypeID == primaryCompanyTypeID && t.Category == "HUBSPOT_DEFINED" {
			return true
		}
	}
	return false
}
