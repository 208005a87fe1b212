package syncplan

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// DealPreference orders a contact's candidate deals by their HubSpot createdate.
type DealPreference string

const (
	PreferNewest DealPreference = "newest" // most recently created deal first (the default)
	PreferOldest DealPreference = "oldest" // first created deal first
)

// DealCandidate is one deal associated with a contact, as the resolver sees it.
type DealCandidate struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	// HasClient says a ClientSuccess client stands for the deal (its externalId is the deal id).
	HasClient bool `json:"hasClient"`
}

// OrderDeals sorts candidates in the order the rule tries them: by preference on createdate,
// then by lowest id. Deals without a valid id are dropped, repeated ids kept once. The order is
// total, so the same associations always give the same order whatever order HubSpot listed them in.
func OrderDeals(cands []DealCandidate, pref DealPreference) []DealCandidate {
	out := make([]DealCandidate, 0, len(cands))
	seen := map[string]bool{}
	for _, c := range cands {
		id, err := ParseDealID(c.ID)
		if err != nil || seen[id] {
			continue
		}
		seen[id] = true
		c.ID = id
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			if pref == PreferOldest {
				return a.CreatedAt.Before(b.CreatedAt)
			}
			return a.CreatedAt.After(b.CreatedAt)
		}
		return compareIDs(a.ID, b.ID) < 0
	})
	return out
}

// ChooseDeal applies the associations rule: among the contact's deals that exist as ClientSuccess
// clients, take the first by preference (newest or oldest createdate), ties broken by the lowest
// id. ok is false when no candidate has a client.
func ChooseDeal(cands []DealCandidate, pref DealPreference) (chosen DealCandidate, ok bool) {
	for _, c := range OrderDeals(cands, pref) {
		if c.HasClient {
			return c, true
		}
	}
	return DealCandidate{}, false
}

// compareIDs orders canonical record ids numerically (shorter is smaller, then by digits).
func compareIDs(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// CheckboxChanges compares the contacts a rule wants checked with the contacts checked now and
// returns, in id order, the ones to check and the ones to uncheck. Everything else is left alone,
// so a second run over the same data returns nothing.
func CheckboxChanges(want, checked []string) (check, uncheck []string) {
	w, c := idSet(want), idSet(checked)
	for id := range w {
		if !c[id] {
			check = append(check, id)
		}
	}
	for id := range c {
		if !w[id] {
			uncheck = append(uncheck, id)
		}
	}
	slices.SortFunc(check, compareIDs)
	slices.SortFunc(uncheck, compareIDs)
	return check, uncheck
}

func idSet(ids []string) map[string]bool {
	s := make(map[string]bool, len(ids))
	for _, id := range ids {
		if n, err := ParseDealID(id); err == nil {
			s[n] = true
		}
	}
	return s
}
