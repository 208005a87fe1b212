package preflight

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/logging"
)

// checkClientSuccess logs in, which proves the base URL and the credentials, then reads the
// client statuses, which proves the user may read.
func checkClientSuccess(ctx context.Context, d Deps) Report {
	base := d.Config.ClientSuccess.BaseURL
	if err := d.ClientSuccess.Login(ctx); err != nil {
		return Report{Problems: []Problem{clientSuccessProblem(err, base, true)}}
	}
	if _, err := d.ClientSuccess.ListClientStatuses(ctx); err != nil {
		return Report{Problems: []Problem{clientSuccessProblem(err, base, false)}}
	}
	return Report{}
}

// clientSuccessProblem says which setting an unsuccessful ClientSuccess call points at.
func clientSuccessProblem(err error, baseURL string, login bool) Problem {
	var e *apierr.Error
	if !errors.As(err, &e) {
		return Problem{"CLIENTSUCCESS_BASE_URL", fmt.Sprintf("cannot reach ClientSuccess at %s: %s", baseURL, logging.Line(err)), true}
	}
	switch {
	case e.Kind == apierr.NotFound && login:
		hint := "does it end in /v1? (e.g. https://api.clientsuccess.com/v1)"
		if strings.HasSuffix(strings.TrimRight(baseURL, "/"), "/v1") {
			hint = "it is not ClientSuccess's API root (e.g. https://api.clientsuccess.com/v1)"
		}
		return Problem{"CLIENTSUCCESS_BASE_URL",
			fmt.Sprintf("%s answers 404 to the login (%s %s): wrong base URL; %s", baseURL, e.Method, e.Path, hint), false}
	case e.Kind == apierr.Auth && login:
		return Problem{"CLIENTSUCCESS_PASSWORD",
			"ClientSuccess refused the login: check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD", false}
	case e.Kind == apierr.Auth:
		return Problem{"CLIENTSUCCESS_USERNAME",
			fmt.Sprintf("the user logged in but may not read (%s %s): %s", e.Method, e.Path, e.Message), false}
	case e.Kind == apierr.Decode:
		return Problem{"CLIENTSUCCESS_BASE_URL", fmt.Sprintf("%s answers, but not like ClientSuccess's API: %s", baseURL, e.Message), false}
	case e.Retryable():
		return Problem{"CLIENTSUCCESS_BASE_URL", fmt.Sprintf("ClientSuccess at %s is not answering normally: %s", baseURL, e), true}
	}
	return Problem{"CLIENTSUCCESS_BASE_URL", fmt.Sprintf("%s refused %s %s: %s", baseURL, e.Method, e.Path, e), false}
}
