// Package preflight checks, before the worker polls, that its settings work: the API base URLs
// answer like their APIs, both sets of credentials are accepted with the scopes the sync needs, the
// configured HubSpot properties exist with usable types, the field mapping matches both systems'
// definitions, and the Temporal namespace has the search attributes the workflows set. Every
// problem is one line naming the setting to fix.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/mapping"
)

// CheckTimeout bounds one round of checks, so a definite misconfiguration is reported within
// seconds and a silent host counts as unreachable.
const CheckTimeout = 8 * time.Second

// Problem is one thing wrong, named by the setting that fixes it.
type Problem struct {
	Setting string // an environment variable, e.g. CLIENTSUCCESS_BASE_URL
	Message string
	// Transient problems (unreachable, 5xx, rate limited) may pass by themselves; the others
	// are misconfigurations.
	Transient bool
}

func (p Problem) String() string { return p.Setting + ": " + p.Message }

// Temporal is the part of a Temporal client the checks use (client.Client has it).
type Temporal interface {
	WorkflowService() workflowservice.WorkflowServiceClient
	OperatorService() operatorservice.OperatorServiceClient
}

// Deps are the worker's settings and clients; the checks call nothing else.
type Deps struct {
	Config        config.Worker
	HubSpot       *hubspot.Client
	ClientSuccess *clientsuccess.API
	Temporal      Temporal
	Mapping       mapping.File
}

// Report is the result of one round of checks.
type Report struct {
	Problems []Problem
	// Notes say what the checks did or could not verify, such as search attributes registered.
	Notes []string
}

// OK reports no problem.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Transient reports problems that are all worth waiting for.
func (r Report) Transient() bool {
	for _, p := range r.Problems {
		if !p.Transient {
			return false
		}
	}
	return len(r.Problems) > 0
}

// group is the checks of one system, run side by side with the others.
type group struct {
	name  string
	check func(context.Context, Deps) Report
}

var groups = []group{{"HubSpot", checkHubSpot}, {"ClientSuccess", checkClientSuccess}, {"Temporal", checkTemporal}}

// Check runs every check once, HubSpot, ClientSuccess and Temporal side by side, then the field
// mapping against both APIs' definitions once both answer.
func Check(ctx context.Context, d Deps) Report { return check(ctx, d, map[string]bool{}) }

// check runs the groups that have not passed yet and marks those that pass, so a round after a
// transient problem asks only what was not yet answered.
func check(ctx context.Context, d Deps, passed map[string]bool) Report {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	var (
		wg      sync.WaitGroup
		results = make([]Report, len(groups))
	)
	for i, g := range groups {
		if passed[g.name] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = g.check(ctx, d)
		}()
	}
	wg.Wait()
	var r Report
	for i, res := range results {
		r.Problems = append(r.Problems, res.Problems...)
		r.Notes = append(r.Notes, res.Notes...)
		passed[groups[i].name] = passed[groups[i].name] || res.OK()
	}
	if passed["HubSpot"] && passed["ClientSuccess"] && !passed["mapping"] && d.Config.FieldMappingFile != "" {
		r.Problems = append(r.Problems, checkMapping(ctx, d)...)
		passed["mapping"] = r.OK()
	}
	return r
}

// Failed is the error of a preflight that found a misconfiguration.
type Failed struct{ Problems []Problem }

func (f *Failed) Error() string {
	lines := make([]string, len(f.Problems))
	for i, p := range f.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Backoff is the wait before each new round while problems are transient; the last one repeats.
var Backoff = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 30 * time.Second}

// Run checks until nothing is wrong (nil) or something is definitely wrong (a *Failed, each
// problem logged as one error line). Transient problems are logged with the wait before the next
// round, and status is told what the worker waits for, for its readiness endpoint.
func Run(ctx context.Context, d Deps, logger *slog.Logger, status func(string)) error {
	done := map[string]bool{}
	for attempt := 0; ; attempt++ {
		r := check(ctx, d, done)
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, n := range r.Notes {
			logger.Info("preflight: " + n)
		}
		switch {
		case r.OK():
			logger.Info("preflight passed: " + summary(d.Config))
			return nil
		case !r.Transient():
			var definite []Problem
			for _, p := range r.Problems {
				logger.Error(p.String())
				if !p.Transient {
					definite = append(definite, p)
				}
			}
			return &Failed{Problems: definite}
		}
		wait := Backoff[min(attempt, len(Backoff)-1)]
		for _, p := range r.Problems {
			logger.Warn(fmt.Sprintf("%s; retrying in %s (attempt %d)", p, wait, attempt+1))
		}
		status(fmt.Sprintf("preflight: %s; retrying at %s", r.Problems[0], time.Now().Add(wait).Format(time.TimeOnly)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// summary says in a few words what was checked.
func summary(c config.Worker) string {
	what := []string{"HubSpot at " + c.HubSpot.BaseURL, "ClientSuccess at " + c.ClientSuccess.BaseURL,
		fmt.Sprintf("Temporal namespace %s at %s", c.Temporal.Namespace, c.Temporal.Address)}
	if c.FieldMappingFile != "" {
		what = append(what, "FIELD_MAPPING_FILE "+c.FieldMappingFile)
	}
	return strings.Join(what, ", ")
}

// IsFailed reports whether err is a preflight's misconfiguration.
func IsFailed(err error) bool {
	var f *Failed
	return errors.As(err, &f)
}
