package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/syncplan"
)

// maxDealsPerContact bounds the associated deals one resolution reads: more than this many
// deals on one contact is not a customer contact, and the rest would only fill history.
const maxDealsPerContact = 1000

// ResolveDealInput names the contact whose deal to resolve through its associations.
type ResolveDealInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	// Prefetched says DealIDs were read by a batch (SyncContacts); otherwise ResolveDeal reads
	// the contact's associations itself.
	Prefetched bool     `json:"prefetched,omitempty"`
	DealIDs    []string `json:"dealIds,omitempty"`
	// DealIDValue is the contact's deal id property now, so write-back happens only on a change.
	DealIDValue string `json:"dealIdValue,omitempty"`
	// PendingClients (dry runs) are deals whose clients the same dry run would create: such a
	// deal counts as having a client (ClientRef with no id), as it will in the real run.
	PendingClients []string `json:"pendingClients,omitempty"`
}

// DealResolution is the deal the associations rule chose, and its client.
type DealResolution struct {
	// Found is true when a deal with a ClientSuccess client was chosen.
	Found    bool      `json:"found"`
	DealID   string    `json:"dealId,omitempty"`
	DealName string    `json:"dealName,omitempty"`
	Client   ClientRef `json:"client"`
	// Associated counts the contact's associated deals; Existing those HubSpot still has.
	Associated int `json:"associated"`
	Existing   int `json:"existing"`
	// WriteBack is true when the deal id property should be set to DealID.
	WriteBack bool `json:"writeBack,omitempty"`
}

// ResolveDeal picks the contact's deal from its associations by syncplan.ChooseDeal: among deals
// that exist as ClientSuccess clients, the newest (or oldest) by createdate, then the lowest id.
// It only reads; the same associations always give the same answer.
func (a *Activities) ResolveDeal(ctx context.Context, in ResolveDealInput) (DealResolution, error) {
	ids := in.DealIDs
	if !in.Prefetched {
		var err error
		if ids, err = a.associatedDeals(ctx, in.HubSpotContactID); err != nil {
			return DealResolution{}, toTemporal(err)
		}
	}
	if len(ids) == 0 {
		return DealResolution{}, nil
	}
	deals, _, err := a.HubSpot.BatchReadObjects(ctx, "deals", ids, dealProperties)
	if err != nil {
		return DealResolution{}, toTemporal(err)
	}
	return a.chooseDeal(ctx, len(ids), deals, in.DealIDValue, in.PendingClients)
}

// dealProperties are what the associations rule reads of a deal.
var dealProperties = []string{"dealname", "createdate"}

// chooseDeal applies the associations rule to the deals of a contact that HubSpot still has
// (associated counts all its associated ids) and finds the chosen deal's client.
func (a *Activities) chooseDeal(ctx context.Context, associated int, deals []hubspot.Object, dealIDValue string, pending []string) (DealResolution, error) {
	res := DealResolution{Associated: associated, Existing: len(deals)}
	names := map[string]string{}
	cands := make([]syncplan.DealCandidate, 0, len(deals))
	for _, d := range deals {
		names[d.ID] = d.Properties["dealname"]
		cands = append(cands, syncplan.DealCandidate{ID: d.ID, CreatedAt: createdAt(d)})
	}
	// Ask ClientSuccess in the rule's order and stop at the first deal with a client: the
	// answer is the rule's, with as few look-ups as possible.
	var looked []syncplan.DealCandidate
	clients := map[string]ClientRef{}
	for _, c := range syncplan.OrderDeals(cands, a.Resolver.Preference) {
		ref, err := a.FindDealClient(ctx, c.ID)
		if err != nil {
			return DealResolution{}, err
		}
		if !ref.Found && slices.Contains(pending, c.ID) {
			ref = PendingClient("deal", syncplan.Clip(names[c.ID], 200), c.ID)
		}
		c.HasClient = ref.Found
		clients[c.ID] = ref
		looked = append(looked, c)
		if ref.Found {
			break
		}
	}
	chosen, ok := syncplan.ChooseDeal(looked, a.Resolver.Preference)
	if !ok {
		return res, nil
	}
	res.Found, res.DealID, res.Client = true, chosen.ID, clients[chosen.ID]
	res.DealName = syncplan.Clip(names[chosen.ID], 200)
	res.WriteBack = a.Resolver.WriteBack && strings.TrimSpace(dealIDValue) != chosen.ID
	return res, nil
}

// PendingClient stands for the client a dry run would create for a deal or company: found, with
// no id and no records yet, named after its record ("to be created for deal Acme (1003)").
func PendingClient(kind, name, id string) ClientRef {
	of := kind + " " + id
	if name != "" {
		of = fmt.Sprintf("%s %s (%s)", kind, name, id)
	}
	return ClientRef{Found: true, Name: "to be created for " + of}
}

// associatedDeals reads every page of a contact's deal associations.
func (a *Activities) associatedDeals(ctx context.Context, contactID string) ([]string, error) {
	var ids []string
	after := ""
	for {
		page, next, err := a.HubSpot.ListAssociations(ctx, "contacts", contactID, "deals", after)
		if err != nil {
			return nil, err
		}
		ids = append(ids, associatedIDs(page)...)
		if next == "" || len(ids) >= maxDealsPerContact {
			return ids, nil
		}
		after = next
	}
}

// associatedIDs lists the records an association list points at, without repeats, bounded.
func associatedIDs(assocs []hubspot.Association) []string {
	ids := make([]string, 0, len(assocs))
	seen := map[string]bool{}
	for _, a := range assocs {
		if seen[a.ToObjectID] || len(ids) >= maxDealsPerContact {
			continue
		}
		seen[a.ToObjectID] = true
		ids = append(ids, a.ToObjectID)
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

// WriteDealIDInput is the deal id to write into a contact's deal id property.
type WriteDealIDInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	DealID           string `json:"dealId"`
}

// WriteDealID sets the contact's deal id property to the deal the resolver chose, so HubSpot
// users see the same answer. Writing the same value again changes nothing; a contact deleted
// meanwhile is left alone.
func (a *Activities) WriteDealID(ctx context.Context, in WriteDealIDInput) error {
	_, err := a.HubSpot.UpdateObject(ctx, "contacts", in.HubSpotContactID, map[string]string{a.Properties.DealID: in.DealID})
	if apierr.Is(err, apierr.NotFound) {
		return nil
	}
	return toTemporal(err)
}
