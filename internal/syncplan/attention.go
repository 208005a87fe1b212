package syncplan

import (
	"slices"
	"time"
)

// Retry backoff for a contact whose sync failed for good: the first retry after FirstRetry, each
// next one twice as late, never later than MaxRetry. A change to the contact in HubSpot retries it
// at once.
const (
	FirstRetry = 15 * time.Minute
	MaxRetry   = 24 * time.Hour
	// MaxAttention bounds the contacts a batch tracks; past it, the oldest failures are dropped
	// (they are listed again by the next full run) and the batch holds its watermark back.
	MaxAttention = 1000
)

// Attention is a contact whose last sync failed for good: why, since when, how often, and when it
// is tried again. Batches carry the list from one to the next, so a failed contact is retried even
// when nothing about it changes in HubSpot, but not on every run.
type Attention struct {
	ID          string    `json:"id"`
	Reason      string    `json:"reason"`
	Since       time.Time `json:"since"`
	Attempts    int       `json:"attempts"`
	LastAttempt time.Time `json:"lastAttempt"`
	NextAttempt time.Time `json:"nextAttempt"`
}

// Attentions is the list a batch carries, in id order.
type Attentions []Attention

// Find returns the contact's entry, if it has one.
func (l Attentions) Find(id string) (Attention, bool) {
	i, ok := l.index(id)
	if !ok {
		return Attention{}, false
	}
	return l[i], true
}

// Failed records a failed sync of the contact at now: a new entry, or one more attempt with a
// later retry. The list stays in id order and within MaxAttention (dropping the oldest failures);
// dropped reports whether one was dropped.
func (l Attentions) Failed(id, reason string, now time.Time) (out Attentions, dropped bool) {
	e := Attention{ID: id, Since: now}
	i, ok := l.index(id)
	if ok {
		e = l[i]
	}
	e.Reason, e.LastAttempt = Clip(reason, 500), now
	e.Attempts++
	e.NextAttempt = now.Add(retryDelay(e.Attempts))
	out = slices.Clone(l)
	if ok {
		out[i] = e
	} else {
		out = slices.Insert(out, i, e)
	}
	for len(out) > MaxAttention {
		oldest := 0
		for j := range out {
			if out[j].Since.Before(out[oldest].Since) {
				oldest = j
			}
		}
		out, dropped = slices.Delete(out, oldest, oldest+1), true
	}
	return out, dropped
}

// Cleared drops the contact's entry: its sync no longer fails.
func (l Attentions) Cleared(id string) Attentions {
	i, ok := l.index(id)
	if !ok {
		return l
	}
	return slices.Delete(slices.Clone(l), i, i+1)
}

// Defer reports whether a listed contact waits for its next attempt instead of being synced now:
// its last sync failed, its retry is not due, and HubSpot shows no change since that attempt.
func (l Attentions) Defer(id string, modified, now time.Time) bool {
	e, ok := l.Find(id)
	return ok && now.Before(e.NextAttempt) && !modified.After(e.LastAttempt)
}

// Due lists the contacts whose retry has come, in id order.
func (l Attentions) Due(now time.Time) []string {
	var ids []string
	for _, e := range l {
		if !now.Before(e.NextAttempt) {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

func (l Attentions) index(id string) (int, bool) {
	return slices.BinarySearchFunc(l, id, func(e Attention, id string) int { return compareIDs(e.ID, id) })
}

// retryDelay is the wait before the next attempt after the given number of failed ones.
func retryDelay(attempts int) time.Duration {
	d := FirstRetry
	for i := 1; i < attempts && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}
