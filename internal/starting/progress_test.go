package starting

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/syncplan"
	"github.com/cssync/cssync/workflows"
)

func TestProgressBar(t *testing.T) {
	cases := []struct {
		name string
		p    workflows.Progress
		want string
	}{
		{"nothing listed yet", workflows.Progress{}, "[..........] 0/0+ synced, 0 running"},
		{"nothing to sync", workflows.Progress{AllListed: true}, "[##########] 0/0 synced, 0 running"},
		{"listing still going", workflows.Progress{Done: 10, Listed: 10, InFlight: 0, Counts: map[syncplan.Outcome]int{syncplan.Created: 10}},
			"[#########.] 10/10+ synced, 0 running | created 10"},
		{"half way", workflows.Progress{Done: 5, Listed: 10, InFlight: 3, AllListed: true,
			Counts: map[syncplan.Outcome]int{syncplan.Moved: 1, syncplan.Created: 4, syncplan.Failed: 0}},
			"[#####.....] 5/10 synced, 3 running | created 4, moved 1"},
		{"done", workflows.Progress{Done: 7, Listed: 7, AllListed: true, Counts: map[syncplan.Outcome]int{syncplan.Unchanged: 7}},
			"[##########] 7/7 synced, 0 running | unchanged 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { require.Equal(t, c.want, ProgressBar(c.p, 10)) })
	}
}
