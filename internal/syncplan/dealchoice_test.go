package syncplan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestChooseDeal(t *testing.T) {
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feb := jan.AddDate(0, 1, 0)
	deal := func(id string, created time.Time, client bool) DealCandidate {
		return DealCandidate{ID: id, CreatedAt: created, HasClient: client}
	}
	cases := []struct {
		name  string
		cands []DealCandidate
		pref  DealPreference
		want  string // "" means no choice
	}{
		{"no deals", nil, PreferNewest, ""},
		{"one deal with a client", []DealCandidate{deal("1001", jan, true)}, PreferNewest, "1001"},
		{"one deal without a client", []DealCandidate{deal("1001", jan, false)}, PreferNewest, ""},
		{"several: newest wins", []DealCandidate{deal("1001", jan, true), deal("1002", feb, true)}, PreferNewest, "1002"},
		{"several: oldest wins", []DealCandidate{deal("1002", feb, true), deal("1001", jan, true)}, PreferOldest, "1001"},
		{"unknown preference behaves as newest", []DealCandidate{deal("1001", jan, true), deal("1002", feb, true)}, "", "1002"},
		{"tie on createdate: lowest id", []DealCandidate{deal("1002", jan, true), deal("1001", jan, true)}, PreferNewest, "1001"},
		{"tie: lowest id is numeric, not textual", []DealCandidate{deal("999", jan, true), deal("1000", jan, true)}, PreferNewest, "999"},
		{"newer deal without a client is passed over", []DealCandidate{deal("1001", jan, true), deal("1002", feb, false)}, PreferNewest, "1001"},
		{"no deal has a client", []DealCandidate{deal("1001", jan, false), deal("1002", feb, false)}, PreferNewest, ""},
		{"chosen deal removed: the other takes over", []DealCandidate{deal("1001", jan, true)}, PreferNewest, "1001"},
		{"invalid and repeated ids are ignored", []DealCandidate{deal("x", feb, true), deal("1001", jan, true), deal("1001", jan, true)}, PreferNewest, "1001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ChooseDeal(c.cands, c.pref)
			assert.Equal(t, c.want != "", ok)
			assert.Equal(t, c.want, got.ID)
		})
	}
}

func TestChooseDealIgnoresListingOrder(t *testing.T) {
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := []DealCandidate{{ID: "3", CreatedAt: jan, HasClient: true}, {ID: "2", CreatedAt: jan, HasClient: true}, {ID: "1", CreatedAt: jan.Add(-time.Hour), HasClient: true}}
	b := []DealCandidate{a[2], a[0], a[1]}
	for _, pref := range []DealPreference{PreferNewest, PreferOldest} {
		x, _ := ChooseDeal(a, pref)
		y, _ := ChooseDeal(b, pref)
		assert.Equal(t, x, y, string(pref))
	}
	got, _ := ChooseDeal(a, PreferOldest)
	assert.Equal(t, "1", got.ID)
}

func TestCheckboxChanges(t *testing.T) {
	cases := []struct {
		name           string
		want, checked  []string
		check, uncheck []string
	}{
		{"nothing", nil, nil, nil, nil},
		{"already in line", []string{"2", "1"}, []string{"1", "2"}, nil, nil},
		{"tick new ones", []string{"10", "9", "1"}, []string{"1"}, []string{"9", "10"}, nil},
		{"untick stale ones", []string{"1"}, []string{"1", "20", "3"}, nil, []string{"3", "20"}},
		{"both, repeated ids once", []string{"5", "5", "6"}, []string{"6", "7", "7"}, []string{"5"}, []string{"7"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check, uncheck := CheckboxChanges(c.want, c.checked)
			assert.Equal(t, c.check, check)
			assert.Equal(t, c.uncheck, uncheck)
		})
	}
}
