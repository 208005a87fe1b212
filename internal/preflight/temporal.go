package preflight

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc/codes"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/logging"
	"github.com/cssync/cssync/internal/temporaltls"
	"github.com/cssync/cssync/workflows"
)

// checkTemporal describes the namespace, then makes sure it has the workflows' search
// attributes: Temporal refuses a workflow that sets one it does not know, and the sync then stays
// Running with nothing but a warning every few seconds.
func checkTemporal(ctx context.Context, d Deps) Report {
	t := d.Config.Temporal
	_, err := d.Temporal.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: t.Namespace})
	if err != nil {
		return Report{Problems: []Problem{connectionProblem(err, t)}}
	}
	list, err := d.Temporal.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: t.Namespace})
	if code := serviceerror.ToStatus(err).Code(); code == codes.PermissionDenied || code == codes.Unimplemented {
		// Some clusters (Temporal Cloud among them) do not let a worker see or add them.
		return Report{Notes: []string{fmt.Sprintf("could not list the search attributes of namespace %s (%s); "+
			"if syncs stay Running, create them: %s", t.Namespace, logging.Line(err), createCommand(t.Address, t.Namespace, allAttributes()))}}
	} else if err != nil {
		return Report{Problems: []Problem{temporalProblem(err, t.Address, t.Namespace)}}
	}
	var missing []string
	var r Report
	for _, name := range allAttributes() {
		want := workflows.SearchAttributeTypes()[name]
		switch got, ok := list.GetCustomAttributes()[name]; {
		case !ok:
			missing = append(missing, name)
		case got != want:
			r.Problems = append(r.Problems, Problem{"TEMPORAL_NAMESPACE", fmt.Sprintf("namespace %s has search attribute %s of type %s; "+
				"the workflows need %s (a type cannot change: use another namespace)", t.Namespace, name, typeName(got), typeName(want)), false})
		}
	}
	if len(missing) == 0 {
		return r
	}
	add := map[string]enumspb.IndexedValueType{}
	for _, name := range missing {
		add[name] = workflows.SearchAttributeTypes()[name]
	}
	_, err = d.Temporal.OperatorService().AddSearchAttributes(ctx,
		&operatorservice.AddSearchAttributesRequest{Namespace: t.Namespace, SearchAttributes: add})
	if err != nil {
		r.Problems = append(r.Problems, Problem{"TEMPORAL_NAMESPACE", fmt.Sprintf("namespace %s lacks the search attributes %s and this worker "+
			"may not add them (%s); create them: %s", t.Namespace, strings.Join(missing, ", "), logging.Line(err),
			createCommand(t.Address, t.Namespace, missing)), false})
		return r
	}
	r.Notes = append(r.Notes, fmt.Sprintf("registered the search attributes %s on namespace %s", strings.Join(missing, ", "), t.Namespace))
	return r
}

// connectionProblem is temporalProblem, unless the failure is a TLS misconfiguration the
// connection settings explain (a certificate the server wants, a CA that does not match): that is
// no passing unreachability to wait out, but a setting to change.
func connectionProblem(err error, t config.Temporal) Problem {
	p := temporalProblem(err, t.Address, t.Namespace)
	if !p.Transient {
		return p
	}
	tlsConfig, terr := temporaltls.Config(t, slog.New(slog.DiscardHandler))
	if terr != nil {
		return p
	}
	var d interface{ Diagnosis() string }
	if errors.As(temporaltls.Explain(err, t, tlsConfig), &d) {
		return Problem{"TEMPORAL_TLS", fmt.Sprintf("Temporal at %s: %s", t.Address, d.Diagnosis()), false}
	}
	return p
}

// temporalProblem says which setting a failed Temporal call points at.
func temporalProblem(err error, address, namespace string) Problem {
	switch serviceerror.ToStatus(err).Code() {
	case codes.NotFound:
		return Problem{"TEMPORAL_NAMESPACE", fmt.Sprintf("namespace %s does not exist on %s: create it "+
			"(temporal operator namespace create --namespace %s) or set TEMPORAL_NAMESPACE", namespace, address, namespace), false}
	case codes.PermissionDenied, codes.Unauthenticated:
		return Problem{"TEMPORAL_NAMESPACE",
			fmt.Sprintf("Temporal at %s refused access to namespace %s: %s", address, namespace, logging.Line(err)), false}
	case codes.InvalidArgument:
		return Problem{"TEMPORAL_NAMESPACE", fmt.Sprintf("Temporal at %s refused namespace %q: %s", address, namespace, logging.Line(err)), false}
	}
	return Problem{"TEMPORAL_ADDRESS", fmt.Sprintf("cannot reach Temporal at %s: %s", address, logging.Line(err)), true}
}

// allAttributes names the workflows' search attributes in a stable order.
func allAttributes() []string {
	var names []string
	for name := range workflows.SearchAttributeTypes() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// createCommand is the Temporal CLI line that creates the named search attributes.
func createCommand(address, namespace string, names []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "temporal operator search-attribute create --address %s --namespace %s", address, namespace)
	for _, name := range names {
		fmt.Fprintf(&b, " --name %s --type %s", name, typeName(workflows.SearchAttributeTypes()[name]))
	}
	return b.String()
}

// typeName is a search attribute type as the CLI spells it: Keyword, KeywordList, Datetime, …
// (the API's own names for its types).
func typeName(t enumspb.IndexedValueType) string { return t.String() }
