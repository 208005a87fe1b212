package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/cssync/cssync/internal/apierr"
)

// Error types a workflow can branch on (temporal.ApplicationError.Type()).
const (
	// ErrTypeNotOwned: a step refused to touch a ClientSuccess record the sync did not create.
	ErrTypeNotOwned = "NotOwned"
	// ErrTypeConflict: an unowned record with the contact's email is on the target client.
	ErrTypeConflict = "Conflict"
	// ErrTypeGone: the record a step was to change was deleted after it was found.
	ErrTypeGone = "Gone"
)

// ErrorType is the Temporal error type used for an API error: "<System>.<kind>".
func ErrorType(system string, kind apierr.Kind) string { return system + "." + string(kind) }

// toTemporal turns an API error into an application error that carries the retry decision:
// validation, auth and not-found errors stop at once, rate limits wait as long as the API asked.
// Other errors (network, timeouts) pass through and are retried by the activity's policy.
func toTemporal(err error) error {
	var e *apierr.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(e.Error(), ErrorType(e.System, e.Kind), temporal.ApplicationErrorOptions{
		NonRetryable:   !e.Retryable(),
		NextRetryDelay: e.RetryAfter,
	})
}
