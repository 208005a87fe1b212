package pacing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Limiter is what a call waits on before it is made; *rate.Limiter is one.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Pacer reserves call start times from the PaceCalls workflows of one task queue's workers. Until
// Start, its limiters wait on their fallback instead: the preflight calls the APIs before this
// worker polls the pacing task queue, and there may be no other worker to run the schedule.
type Pacer struct {
	temporal client.Client
	queue    string // the pacing task queue
	started  atomic.Bool
}

// TaskQueue is the task queue the pacing workflows of the workers on taskQueue run on: their
// own, so a backlog of sync tasks never delays a reservation.
func TaskQueue(taskQueue string) string { return taskQueue + "-pacing" }

// WorkflowID is the id of the workflow pacing one API for the workers on taskQueue.
func WorkflowID(taskQueue, api string) string { return "pace-" + api + "@" + taskQueue }

// NewPacer returns a pacer for the workers on taskQueue.
func NewPacer(c client.Client, taskQueue string) *Pacer {
	return &Pacer{temporal: c, queue: TaskQueue(taskQueue)}
}

// Start switches the limiters from their fallbacks to the shared schedule; call it once this
// worker polls the pacing task queue.
func (p *Pacer) Start() { p.started.Store(true) }

// Limiter paces calls to api that take a slot in every one of buckets, across every worker of the
// task queue; before Start it waits on fallback (nil: not at all).
func (p *Pacer) Limiter(api string, fallback Limiter, buckets ...Bucket) *Shared {
	return &Shared{pacer: p, workflowID: WorkflowID(p.queue, api), fallback: fallback, buckets: buckets}
}

// Shared is a limiter whose slots come from the shared schedule. The calls of this process that
// wait at once are reserved together, by one update.
type Shared struct {
	pacer      *Pacer
	workflowID string
	fallback   Limiter
	buckets    []Bucket

	mu       sync.Mutex
	waiting  []chan reserved
	reserves bool // a goroutine is reserving for waiting
	// horizon is the last slot this process was given, and roundTrip how long that reservation took.
	horizon   time.Time
	roundTrip time.Duration
}

type reserved struct {
	at  time.Time
	err error
}

// Wait reserves the next free slot of the shared schedule and sleeps until it comes.
func (s *Shared) Wait(ctx context.Context) error {
	if !s.pacer.started.Load() {
		if s.fallback == nil {
			return nil
		}
		return s.fallback.Wait(ctx)
	}
	slot := make(chan reserved, 1)
	s.mu.Lock()
	s.waiting = append(s.waiting, slot)
	if !s.reserves {
		s.reserves = true
		go s.reserveForWaiting()
	}
	s.mu.Unlock()
	var r reserved
	select {
	case r = <-slot:
	case <-ctx.Done():
		return ctx.Err() // its slot, once reserved, goes unused
	}
	if r.err != nil {
		return r.err
	}
	if deadline, ok := ctx.Deadline(); ok && r.at.After(deadline) {
		return fmt.Errorf("the next free slot, at %s, is past the call's deadline", r.at.Format(time.RFC3339Nano))
	}
	wait := time.NewTimer(time.Until(r.at))
	defer wait.Stop()
	select {
	case <-wait.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxGather bounds how long calls are gathered into one reservation.
const maxGather = time.Second

// reserveForWaiting reserves, one update at a time, slots for every call waiting, until none is.
// While this process still holds slots ahead, it first lets more calls gather: the schedule gives
// every reservation a slot after all those it gave before, so a call asking later starts no later,
// as long as it asks a little before this process's last slot comes.
func (s *Shared) reserveForWaiting() {
	for {
		s.mu.Lock()
		gather := time.Until(s.horizon) - 2*s.roundTrip - 20*time.Millisecond
		s.mu.Unlock()
		if gather > 0 {
			time.Sleep(min(gather, maxGather))
		}
		s.mu.Lock()
		batch := s.waiting
		s.waiting = nil
		if len(batch) == 0 {
			s.reserves = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		for len(batch) > 0 {
			n := min(len(batch), maxCallsReserved)
			start := time.Now()
			slots, err := s.reserve(n)
			s.mu.Lock()
			if s.roundTrip = time.Since(start); err == nil {
				s.horizon = slots.At(n - 1)
			}
			s.mu.Unlock()
			for i, w := range batch[:n] {
				w <- reserved{at: slots.At(i), err: err}
			}
			batch = batch[n:]
		}
	}
}

// reserveTimeout bounds one reservation, retries included: a call that cannot get a slot fails
// like a call that got no answer, and its step is retried.
const reserveTimeout = 30 * time.Second

// reserve asks the schedule for n slots, starting its workflow if it is not running (it ends when
// idle), and asks again while the workflow is between runs.
func (s *Shared) reserve(n int) (Slots, error) {
	ctx, cancel := context.WithTimeout(context.Background(), reserveTimeout)
	defer cancel()
	c := s.pacer.temporal
	r := Reservation{Buckets: s.buckets, Calls: n}
	for attempt := 1; ; attempt++ {
		start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID: s.workflowID, TaskQueue: s.pacer.queue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			StaticSummary:            "paces the API calls of every worker on task queue " + s.pacer.queue,
		}, PaceCalls, PaceInput{})
		h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				WorkflowID: s.workflowID, UpdateName: ReserveUpdate, Args: []any{r},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		var slots Slots
		if err == nil {
			err = h.Get(ctx, &slots)
		}
		var refused *temporal.ApplicationError
		switch {
		case err == nil:
			return slots, nil
		case errors.As(err, &refused):
			return Slots{}, fmt.Errorf("workflow %s refused the reservation: %w", s.workflowID, err)
		}
		// The run may have just continued as new or ended idle: ask the next one.
		select {
		case <-ctx.Done():
			return Slots{}, fmt.Errorf("reserving a slot from workflow %s: %w", s.workflowID, errors.Join(err, ctx.Err()))
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// All waits on each limiter in turn (nil ones skipped): a call limited by several local limiters.
func All(limiters ...Limiter) Limiter {
	var set []Limiter
	for _, l := range limiters {
		if l != nil {
			set = append(set, l)
		}
	}
	switch len(set) {
	case 0:
		return nil
	case 1:
		return set[0]
	}
	return all(set)
}

type all []Limiter

func (a all) Wait(ctx context.Context) error {
	for _, l := range a {
		if err := l.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}
