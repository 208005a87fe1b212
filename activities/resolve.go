package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/syncplan"
)

// ClientRef names the ClientSuccess client that stands for a HubSpot deal or company.
type ClientRef struct {
	Found bool   `json:"found"`
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
}

// Target is the ClientSuccess client a contact belongs on, or why it has none yet.
type Target struct {
	// Client is the contact's client; when it is not Found, Outcome and Reason say why.
	Client  ClientRef        `json:"client"`
	Outcome syncplan.Outcome `json:"outcome,omitempty"`
	Reason  string           `json:"reason,omitempty"`
	// DealID or CompanyID is the HubSpot record the client stands for, when one was chosen.
	DealID    string `json:"dealId,omitempty"`
	CompanyID string `json:"companyId,omitempty"`
	// WriteDealID, when set, is the deal id to write into the contact's deal id property: the
	// associations resolver chose it and WRITE_BACK_DEAL_ID is on.
	WriteDealID string `json:"writeDealId,omitempty"`
}

// ResolveInput names the contact whose client to find.
type ResolveInput struct {
	HubSpotContactID string `json:"hubspotContactId"`
	// DealIDValue is the contact's raw deal id property.
	DealIDValue string `json:"dealIdValue,omitempty"`
	// DealIDs are the contact's associated deals when a batch read them already (associations
	// resolver); nil means the resolver reads them itself.
	DealIDs *[]string `json:"dealIds,omitempty"`
	// PendingClients (dry runs) are the external ids of clients the same dry run would create:
	// a deal or company among them counts as having a client, as it will in the real run.
	PendingClients []string `json:"pendingClients,omitempty"`
}

// ResolveClient finds the client a contact belongs on, by the configured resolver: the deal id
// property, the contact's deal associations, or its primary company. It only reads.
func (a *Activities) ResolveClient(ctx context.Context, in ResolveInput) (Target, error) {
	return a.resolver().resolve(ctx, in)
}

// clientResolver is one way of finding a contact's client. The single sync and the page plan both
// go through it, so they never judge a contact's client differently.
type clientResolver interface {
	// mode names the resolver (ResolverProperty, ResolverAssociations, ResolverCompanies).
	mode() string
	// resolve finds one contact's client, reading what it needs.
	resolve(ctx context.Context, in ResolveInput) (Target, error)
	// resolvePage finds, with shared reads, the clients of a page of checked contacts with valid
	// fields. It is best effort: a contact it cannot judge in bulk is left out (its own sync will
	// resolve it), and a failed read leaves out the contacts it concerns, never the page.
	resolvePage(ctx context.Context, contacts []Contact, prefetched map[string][]string) map[string]Target
	// prefetch reads what the resolver needs of a page's contacts in one batch (the associations
	// resolver's deal ids), to hand to their syncs; nil when it needs nothing.
	prefetch(ctx context.Context, ids []string) (map[string][]string, error)
}

// Resolver modes, as recorded in Contact.Resolver.
const (
	ResolverProperty     = "property"     // the deal id property (classic; the default)
	ResolverAssociations = "associations" // the contact's associated deals, chosen by syncplan.ChooseDeal
	ResolverCompanies    = "companies"    // the contact's primary company (CLIENT_SOURCE=companies)
)

func (a *Activities) resolver() clientResolver {
	switch {
	case a.clientSource() == ClientSourceCompanies:
		return companyResolver{a}
	case a.Resolver.associations():
		return associationsResolver{a}
	}
	return propertyResolver{a}
}

// pending reports whether a dry run's client sync would create the client with this external id.
func (in ResolveInput) pending(externalID string) bool {
	return externalID != "" && slices.Contains(in.PendingClients, externalID)
}

// findClient looks up the client whose externalId is a deal or company id. None is a result, not
// an error. A client found recently is answered from a.Clients without a call (see ClientCache).
func (a *Activities) findClient(ctx context.Context, externalID string) (ClientRef, error) {
	if c := censusOf(ctx); c != nil {
		return c.clients[strings.ToLower(externalID)], nil // the census lists every client
	}
	if ref, ok := a.Clients.get(externalID); ok {
		return ref, nil
	}
	c, err := a.ClientSuccess.GetClientByExternalID(ctx, externalID)
	if apierr.Is(err, apierr.NotFound) {
		return ClientRef{}, nil
	}
	if err != nil {
		return ClientRef{}, toTemporal(err)
	}
	ref := ClientRef{Found: true, ID: c.ID, Name: syncplan.Clip(c.Name, maxClientName)}
	a.Clients.put(externalID, ref)
	return ref, nil
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

// noClient is a Target without a client, with the outcome and reason to record.
func noClient(t Target, o syncplan.Outcome, reason string) Target {
	t.Outcome, t.Reason = o, reason
	return t
}
