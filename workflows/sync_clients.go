package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
)

// Client sync defaults. Each client costs the run one activity (about six history events), so
// continuing as new every 500 clients keeps a run's history near 3,000 events.
const (
	DefaultClientConcurrency = 10
	DefaultClientsPerRun     = 500
	// maxStatusProblems bounds the unmatched status values a result carries.
	maxStatusProblems = 20
	// MaxCreatedListed bounds the created clients a result names (Created); more are only counted.
	// It is also what one HubSpot search's IN filter can carry within its body limit.
	MaxCreatedListed = 50
)

// SyncClientsInput configures a client sync. The zero value syncs every checked deal or company
// (CLIENT_SOURCE) with the defaults; Carried is filled in by the workflow when it continues as new.
type SyncClientsInput struct {
	Concurrency   int           `json:"concurrency,omitempty"`   // upserts in flight at once
	PageSize      int           `json:"pageSize,omitempty"`      // records listed per search call (≤ 200)
	ClientsPerRun int           `json:"clientsPerRun,omitempty"` // records per run before continue-as-new
	StepTimeout   time.Duration `json:"stepTimeout,omitempty"`
	RetryFor      time.Duration `json:"retryFor,omitempty"` // bounds a step's retries; 0 means DefaultRetryFor
	// DryRun looks every client up and returns the creates and updates it would make, writing nothing.
	DryRun bool `json:"dryRun,omitempty"`

	Carried *ClientsProgress `json:"carried,omitempty"`
}

// ClientsProgress is what a client sync has done so far, carried across continue-as-new.
type ClientsProgress struct {
	AfterID string                   `json:"afterId,omitempty"` // records up to this id are done
	Total   int                      `json:"total"`
	Counts  map[syncplan.Outcome]int `json:"counts"`
	Runs    int                      `json:"runs"`
	Source  string                   `json:"source,omitempty"`
	// Planned lists the creates and updates of a dry run.
	Planned []ClientChange `json:"planned,omitempty"`
	// StatusProblems are the first status values that match no ClientSuccess status.
	StatusProblems []string `json:"statusProblems,omitempty"`
	// Created are the external ids of the first MaxCreatedListed clients created (or, in a dry
	// run, to create).
	Created []string `json:"created,omitempty"`
}

// ClientChange is one client a dry run would create or update.
type ClientChange struct {
	Action     syncplan.Outcome `json:"action"` // created or updated
	ExternalID string           `json:"externalId"`
	Name       string           `json:"name"`
	ClientID   int64            `json:"clientId,omitempty"` // the client to update
	OldName    string           `json:"oldName,omitempty"`
	StatusID   int              `json:"statusId,omitempty"` // the mapped status, when there is one
}

// SyncClientsResult counts what the client sync did: created, updated, unchanged and failed.
type SyncClientsResult struct {
	// Enabled is false when the checkbox of the configured source is not set; Reason names the
	// variable that turns client sync on, and nothing was read or written.
	Enabled bool                     `json:"enabled"`
	Reason  string                   `json:"reason,omitempty"`
	Source  string                   `json:"source,omitempty"` // deals or companies
	Total   int                      `json:"total"`
	Counts  map[syncplan.Outcome]int `json:"counts"`
	Runs    int                      `json:"runs"`
	DryRun  bool                     `json:"dryRun,omitempty"`
	Planned []ClientChange           `json:"planned,omitempty"`
	// StatusProblems names status values (HUBSPOT_CLIENT_STATUS_PROPERTY) that match no
	// ClientSuccess status, with the allowed ones; those clients keep their status. At most 20.
	StatusProblems []string `json:"statusProblems,omitempty"`
	// Created names the first MaxCreatedListed clients created by external id, so the contact
	// batch that follows can list their contacts; Counts[created] says how many there were.
	Created []string `json:"created,omitempty"`
}

// CreatedAll reports whether Created names every client created.
func (r SyncClientsResult) CreatedAll() bool { return len(r.Created) == r.Counts[syncplan.Created] }

// SyncClients makes every HubSpot deal (or company, with CLIENT_SOURCE=companies) whose client
// checkbox is checked into a ClientSuccess client whose externalId is the record's id: it creates
// the clients that are missing and renames those whose name changed. It never deletes. It pages
// through the checked records in id order, upserts each with its own step (at most Concurrency
// at a time), and continues as new every ClientsPerRun records so no history grows large. A
// client whose upsert fails for good is counted as failed; the others go on.
func SyncClients(ctx workflow.Context, in SyncClientsInput) (SyncClientsResult, error) {
	in = withClientDefaults(in)
	p := in.Carried
	p.Runs++
	pending := 0
	for doneThisRun := 0; ; {
		var page activities.ClientRecordsPage
		listCtx := stepOptions(ctx, in.StepTimeout, in.RetryFor, fmt.Sprintf("list checked HubSpot %s after id %q", sourceLabel(p.Source), p.AfterID))
		if err := workflow.ExecuteActivity(listCtx, a.ListClientRecords, activities.ClientRecordsInput{AfterID: p.AfterID, Limit: in.PageSize}).Get(ctx, &page); err != nil {
			// The clients created so far travel with the error, for the contact batch that follows.
			return SyncClientsResult{}, temporal.NewApplicationErrorWithCause("client sync stopped: "+err.Error(), ClientSyncFailed, err, p.result(in.DryRun))
		}
		if !page.Enabled {
			return SyncClientsResult{Reason: page.Reason, Source: page.Source, Counts: p.Counts, Runs: p.Runs, DryRun: in.DryRun}, nil
		}
		p.Source = page.Source
		selector := workflow.NewSelector(ctx)
		for _, r := range page.Records {
			for pending >= in.Concurrency {
				selector.Select(ctx)
			}
			verb := "create or update"
			if in.DryRun {
				verb = "plan"
			}
			summary := fmt.Sprintf("%s client %s (%s %s)", verb, r.Name, singularSource(page.Source), r.ID)
			if r.StatusProblem != "" && len(p.StatusProblems) < maxStatusProblems {
				p.StatusProblems = append(p.StatusProblems, r.StatusProblem)
			}
			f := workflow.ExecuteActivity(stepOptions(ctx, in.StepTimeout, in.RetryFor, summary), a.UpsertClient,
				activities.UpsertClientInput{ExternalID: r.ID, Name: r.Name, StatusID: r.StatusID, DryRun: in.DryRun})
			pending++
			selector.AddFuture(f, func(f workflow.Future) {
				pending--
				p.Total++
				var res activities.UpsertClientResult
				if err := f.Get(ctx, &res); err != nil {
					workflow.GetLogger(ctx).Warn("client upsert failed", "externalId", r.ID, "error", err)
					p.Counts[syncplan.Failed]++
					return
				}
				p.Counts[res.Action]++
				if res.Action == syncplan.Created && len(p.Created) < MaxCreatedListed {
					p.Created = append(p.Created, r.ID)
				}
				if in.DryRun && res.Action != syncplan.Unchanged {
					p.Planned = append(p.Planned, ClientChange{Action: res.Action, ExternalID: r.ID, Name: r.Name, ClientID: res.ClientID, OldName: res.OldName, StatusID: r.StatusID})
				}
			})
		}
		for pending > 0 {
			selector.Select(ctx)
		}
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("%d %s done (run %d): %s", p.Total, sourceLabel(p.Source), p.Runs, countsText(p.Counts)))
		doneThisRun += len(page.Records)
		last := page.LastID == ""
		if !last {
			p.AfterID = page.LastID
		}
		if last {
			return p.result(in.DryRun), nil
		}
		if doneThisRun >= in.ClientsPerRun {
			in.Carried = p
			return SyncClientsResult{}, workflow.NewContinueAsNewError(ctx, SyncClients, in)
		}
	}
}

// ClientSyncFailed is the error type of a client sync that stopped; its details are the
// SyncClientsResult of what it did before.
const ClientSyncFailed = "ClientSyncFailed"

func (p *ClientsProgress) result(dryRun bool) SyncClientsResult {
	return SyncClientsResult{Enabled: true, Source: p.Source, Total: p.Total, Counts: p.Counts, Runs: p.Runs,
		DryRun: dryRun, Planned: p.Planned, StatusProblems: p.StatusProblems, Created: p.Created}
}

// sourceLabel names the listed records for a summary; the first page does not know the source yet.
func sourceLabel(source string) string {
	if source == "" {
		return "deals or companies"
	}
	return source
}

func singularSource(source string) string {
	if source == activities.ClientSourceCompanies {
		return "company"
	}
	return "deal"
}

func withClientDefaults(in SyncClientsInput) SyncClientsInput {
	if in.Concurrency <= 0 {
		in.Concurrency = DefaultClientConcurrency
	}
	if in.PageSize <= 0 || in.PageSize > 200 {
		in.PageSize = DefaultPageSize
	}
	if in.ClientsPerRun <= 0 {
		in.ClientsPerRun = DefaultClientsPerRun
	}
	if in.Carried == nil {
		in.Carried = &ClientsProgress{}
	}
	if in.Carried.Counts == nil {
		in.Carried.Counts = map[syncplan.Outcome]int{}
	}
	return in
}
