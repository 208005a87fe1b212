package main

import (
	"context"
	"errors"
	"time"

	"github.com/cssync/cssync/activities"
	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/internal/workerapp"
	"go.temporal.io/sdk/temporal"
)

// runSequential does the same sync as SyncContacts with a plain loop: the same steps and API
// clients, called one contact after another, with no Temporal. It is the baseline.
func runSequential(ctx context.Context, sc scenario) figures {
	f := startFakes(sc)
	defer f.Close()
	var fig figures
	fig.changed = seed(f, sc)
	cfg := workerConfig(f, sc, noTemporal{}, "")
	a := workerapp.NewActivities(cfg)
	start := time.Now()
	after := ""
	for {
		var page activities.CheckedPage
		check(retry(ctx, func() (err error) { page, err = a.ListCheckedContacts(ctx, after, 100); return err }))
		for _, id := range page.IDs {
			check(syncOne(ctx, a, id))
			fig.synced++
		}
		if page.LastID == "" {
			break
		}
		after = page.LastID
	}
	fig.elapsed = time.Since(start)
	fig.hsCalls, fig.csCalls = f.HubSpot.Calls(), f.ClientSuccess.Calls()
	fig.hsWrites, fig.csWrites = f.HubSpot.Writes(), f.ClientSuccess.Writes()
	fig.hs429, fig.cs429 = f.HubSpotStatuses.Count(429), f.ClientSuccessStatuses.Count(429)
	return fig
}

// syncOne is SyncContact's decisions without the workflow.
func syncOne(ctx context.Context, a *activities.Activities, id string) error {
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
	in := activities.LocateInput{Owner: owner, Email: c.Fields.Email, TargetClientID: t.Client.ID}
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

// noTemporal stands in for the dev server where the baseline needs no Temporal address.
type noTemporal struct{}

func (noTemporal) FrontendHostPort() string { return "" }
