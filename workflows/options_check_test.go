package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoActivityRetriesForever fails when any activity options in the project's code could retry
// without end: every ActivityOptions literal must set ScheduleToCloseTimeout, or a RetryPolicy
// whose MaximumAttempts is set. A step that can never succeed must end, so one bad contact never
// stops a batch (or a schedule) for good.
func TestNoActivityRetriesForever(t *testing.T) {
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		problems, n := unboundedActivityOptions(src)
		require.Empty(t, problems, "%s: activity options that can retry forever", path)
		checked += n
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, checked, "the check found the project's activity options")
}

// TestTheRetryCheckCanFail feeds the check options that retry forever.
func TestTheRetryCheckCanFail(t *testing.T) {
	src, err := parser.ParseFile(token.NewFileSet(), "bad.go", `package x
var _ = workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second}}
var _ = workflow.ActivityOptions{StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: time.Hour}
var _ = workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}}
`, 0)
	require.NoError(t, err)
	problems, n := unboundedActivityOptions(src)
	require.Equal(t, 3, n)
	require.Len(t, problems, 1)
}

// unboundedActivityOptions returns the ActivityOptions literals in a file that bound neither the
// total time nor the attempts, and how many literals it looked at.
func unboundedActivityOptions(f *ast.File) (problems []string, checked int) {
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || !isSelector(lit.Type, "ActivityOptions") {
			return true
		}
		checked++
		if hasKey(lit, "ScheduleToCloseTimeout") {
			return true
		}
		if policy, ok := value(lit, "RetryPolicy"); ok {
			if u, ok := policy.(*ast.UnaryExpr); ok {
				if inner, ok := u.X.(*ast.CompositeLit); ok && hasKey(inner, "MaximumAttempts") {
					return true
				}
			}
		}
		problems = append(problems, "ActivityOptions without ScheduleToCloseTimeout or RetryPolicy.MaximumAttempts")
		return true
	})
	return problems, checked
}

func isSelector(e ast.Expr, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == name
}

func hasKey(lit *ast.CompositeLit, key string) bool {
	_, ok := value(lit, key)
	return ok
}

func value(lit *ast.CompositeLit, key string) (ast.Expr, bool) {
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == key {
				return kv.Value, true
			}
		}
	}
	return nil, false
}
