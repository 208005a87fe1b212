// Package activities are the durable steps of a sync: each reads or writes one thing in HubSpot or
// ClientSuccess, is safe to retry (writes look before they leap), and reports API failures as
// Temporal errors whose type says whether retrying can help.
package activities

import (
	"go.temporal.io/sdk/client"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
	"github.com/cssync/cssync/internal/syncplan"
)

// Properties names the HubSpot contact properties the sync reads.
type Properties struct {
	SyncCheckbox string // single checkbox: "true" means sync
	DealID       string // holds the one associated deal id
	// DealSyncCheckbox and CompanySyncCheckbox are deal and company single checkboxes that
	// MaintainContactCheckbox follows; both empty turns the maintainer off.
	DealSyncCheckbox    string
	CompanySyncCheckbox string
	// ClientStatus is a deal or company property whose value SyncClients writes as the client's
	// status; empty leaves client statuses alone.
	ClientStatus string
}

// DealResolver says how a contact's deal is found (with CLIENT_SOURCE=deals).
type DealResolver struct {
	Mode       string                  // ResolverProperty (also when empty) or ResolverAssociations
	Preference syncplan.DealPreference // newest or oldest createdate first
	WriteBack  bool                    // write the chosen deal id into the deal id property
}

func (r DealResolver) associations() bool { return r.Mode == ResolverAssociations }

// Activities holds the API clients every step uses. Register one value with the worker; workflows
// refer to the methods through a nil *Activities so names never drift.
type Activities struct {
	HubSpot       *hubspot.Client
	ClientSuccess *clientsuccess.API
	Properties    Properties
	Resolver      DealResolver
	// Clients caches found deal clients for this worker process; nil asks every time.
	Clients *ClientCache
	// Definitions caches statuses, custom-field and property definitions for this worker
	// process; nil reads them every time.
	Definitions *DefinitionCache
	// Temporal reads the previous batch's watermark (FindPreviousBatch); nil turns incremental
	// runs into an error.
	Temporal client.Client
	// ClientSource is ClientSourceDeals (also when empty) or ClientSourceCompanies: what a
	// ClientSuccess client stands for, and so how SyncClients lists them and, for companies, how
	// a contact's client is found (its primary company's; see companyResolver).
	ClientSource string
	// Mapping says which HubSpot properties feed which ClientSuccess fields; the zero value
	// means mapping.Default, the built-in mapping.
	Mapping mapping.File
	// Censuses keeps the censuses full batch runs take on this worker; nil turns full-run
	// censuses off (tools calling steps directly).
	Censuses *Censuses
	// RemoveDeleted removes the records of a contact deleted in HubSpot (DELETED_CONTACTS=remove);
	// false keeps them and reports them as orphans.
	RemoveDeleted bool
}

func (a *Activities) fieldMapping() mapping.File {
	if len(a.Mapping.Fields) == 0 && a.Mapping.Status == nil {
		return mapping.Default()
	}
	return a.Mapping
}
