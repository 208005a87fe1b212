package pacing

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// ReserveUpdate is the update by which a worker reserves call start times (Reservation → Slots).
const ReserveUpdate = "reserve"

// PaceInput carries the schedule across continue-as-new.
type PaceInput struct {
	Schedule Schedule `json:"schedule,omitempty"`
}

// Each run of PaceCalls serves at most reservationsPerRun updates, then continues as new, so its
// history stays a few thousand events; it ends after idleFor without a reservation once every slot
// it gave has come (the next reservation starts it again, with nothing lost).
const (
	reservationsPerRun = 1000
	idleFor            = time.Minute
)

// PaceCalls holds one API account's schedule and answers ReserveUpdate with the start times of
// the calls asked for. It runs on the pacing task queue of the workers it paces.
func PaceCalls(ctx workflow.Context, in PaceInput) error {
	schedule := in.Schedule
	if schedule == nil {
		schedule = Schedule{}
	}
	served := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, ReserveUpdate,
		func(ctx workflow.Context, r Reservation) (Slots, error) {
			served++
			return schedule.Reserve(workflow.Now(ctx), r), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(r Reservation) error { return r.validate() }})
	if err != nil {
		return err
	}
	full := func() bool { return served >= reservationsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() }
	for {
		// One timer per idle period, not one per reservation: a reservation does not restart it.
		seen := served
		if _, err := workflow.AwaitWithTimeout(ctx, idleFor, full); err != nil {
			return err
		}
		if served != seen && !full() {
			continue
		}
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		// Pending copies a map: the order it visits entries in changes nothing.
		pending := schedule.Pending(workflow.Now(ctx)) //workflowcheck:ignore
		switch {
		case full():
			return workflow.NewContinueAsNewError(ctx, PaceCalls, PaceInput{Schedule: pending})
		case served == seen && len(pending) == 0:
			return nil // idle, and no slot given is still to come: the next run may start afresh
		}
	}
}
