package main

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/workerapp"
	"github.com/cssync/cssync/workflows"
)

// runSequential does the same sync as SyncContacts with a plain loop, one call at a time and no
// Temporal: the same bulk reads (a census listing each client once, one search per 200 contacts,
// the deals in batches of 100, judged by the same page plan) and, for each contact the plan does
// not find in line, the same steps as its SyncContact. It is the baseline: the ratio to it is what
// Temporal and concurrency add, not a smarter algorithm.
func runSequential(ctx context.Context, sc scenario) figures {
	f := startFakes(sc)
	defer f.Close()
	var fig figures
	fig.changed = seed(f, sc)
	a := workerapp.NewActivities(workerConfig(f, sc, "", ""))
	a.Censuses = &activities.Censuses{ListsInFlight: 1}
	resetCounters(f)
	start := time.Now()
	census := activities.CensusInput{Run: "sequential"}
	check(retry(ctx, func() error { _, err := a.TakeCensus(ctx, census); return err }))
	for after := ""; ; {
		var page activities.PlannedPage
		in := activities.PagePlanInput{Census: census.Run, AfterID: after, Limit: workflows.DefaultPageSize}
		check(retry(ctx, func() (err error) { page, err = a.PlanContactsPage(ctx, in); return err }))
		fig.synced += len(page.InLine)
		for _, id := range page.ToSync {
			check(syncOne(ctx, a, id, page.Known[id]))
			fig.synced++
		}
		if page.LastID == "" {
			break
		}
		after = page.LastID
	}
	// The portal has no merged or deleted contact: the sweep only looks.
	check(retry(ctx, func() error { _, err := a.SweepCensus(ctx, census); return err }))
	fig.elapsed = time.Since(start)
	count(f, &fig)
	return fig
}

// syncOne is SyncContact's steps without the workflow, for a contact whose records the census
// found at known.
func syncOne(ctx context.Context, a *activities.Activities, id string, known []activities.Location) error {
	var c activities.Contact
	if err := retry(ctx, func() (err error) { c, err = a.ReadContact(ctx, id); return err }); err != nil || !c.Found || !c.Checked {
		return err
	}
	var t activities.Target
	rin := activities.ResolveInput{HubSpotContactID: id, DealIDValue: c.DealIDValue}
	if err := retry(ctx, func() (err error) { t, err = a.ResolveClient(ctx, rin); return err }); err != nil || !t.Client.Found || c.Invalid != "" {
		return err
	}
	var found activities.Located
	owner := c.Owner()
	in := activities.LocateInput{Owner: owner, Email: c.Fields.Email, TargetClientID: t.Client.ID, Known: known}
	if err := retry(ctx, func() (err error) { found, err = a.LocateRecords(ctx, in); return err }); err != nil {
		return err
	}
	plan := syncplan.Decide(owner, t.Client.ID, c.Fields.Email, found.Records)
	switch {
	case plan.Conflict != nil:
		return nil
	case plan.Keep != nil:
		up := activities.UpdateInput{Owner: owner, ClientID: t.Client.ID, ContactID: plan.Keep.ContactID, Fields: c.Fields}
		if err := retry(ctx, func() error { _, err := a.UpdateContact(ctx, up); return err }); err != nil {
			return err
		}
	default:
		cr := activities.CreateInput{Owner: owner, ClientID: t.Client.ID, Fields: c.Fields}
		if plan.Source != nil {
			cr.Source = &activities.Location{ClientID: plan.Source.ClientID, ContactID: plan.Source.ContactID}
		}
		if err := retry(ctx, func() error { _, err := a.CreateContact(ctx, cr); return err }); err != nil {
			return err
		}
	}
	for _, r := range plan.Remove {
		rm := activities.RemoveInput{Owner: owner, ClientID: r.ClientID, ContactID: r.ContactID}
		if err := retry(ctx, func() error { _, err := a.RemoveContact(ctx, rm); return err }); err != nil {
			return err
		}
	}
	if plan.Moves() { // SyncContact then checks that the new record is still there
		ins := activities.InspectInput{Owner: owner, TargetClientID: t.Client.ID,
			Source: &activities.Location{ClientID: plan.Source.ClientID, ContactID: plan.Source.ContactID}}
		return retry(ctx, func() error { _, err := a.InspectMove(ctx, ins); return err })
	}
	return nil
}

// retry repeats a retryable failure a few times, waiting as the API asked, like a careful script.
func retry(ctx context.Context, call func() error) error {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = call(); err == nil {
			return nil
		}
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.NonRetryable() {
			return err
		}
		wait := time.Duration(attempt) * time.Second
		if errors.As(err, &appErr) && appErr.NextRetryDelay() > 0 {
			wait = appErr.NextRetryDelay()
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}
