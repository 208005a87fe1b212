// Package activities are the durable steps of a sync: each reads or writes one thing in HubSpot or
// ClientSuccess, is safe to retry (writes look before they leap), and reports API failures as
// Temporal errors whose type says whether retrying can help.
package activities

import (
	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/hubspot"
)

// Properties names the HubSpot contact properties the sync reads.
type Properties struct {
	SyncCheckbox string // single checkbox: "true" means sync
	DealID       string // holds the one associated deal id
}

// Activities holds the API clients every step uses. Register one value with the worker; workflows
// refer to the methods through a nil *Activities so names never drift.
type Activities struct {
	HubSpot       *hubspot.Client
	ClientSuccess *clientsuccess.API
	Properties    Properties
}
