package csfake

import "slices"

// trigramIndex finds search candidates without scanning every contact: it lists, for each
// three-byte sequence, the contacts whose search text contains it. A text containing the term
// contains all the term's trigrams, so the shortest of their lists holds every match.
//
// Lists are append-only: a contact that is deleted, or loses a trigram in an update, stays listed
// (stale) until the owner rebuilds the index, so candidates must be checked against the store.
type trigramIndex struct {
	lists   map[uint32][]int64
	entries int // ids in all lists
	stale   int // of which no longer true
}

func newTrigramIndex() *trigramIndex { return &trigramIndex{lists: map[uint32][]int64{}} }

// trigrams returns the distinct trigrams of s, sorted.
func trigrams(s string) []uint32 {
	if len(s) < 3 {
		return nil
	}
	out := make([]uint32, 0, len(s)-2)
	for i := 0; i+3 <= len(s); i++ {
		out = append(out, uint32(s[i])<<16|uint32(s[i+1])<<8|uint32(s[i+2]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// update records that contact id's text changed from old ("" for a new contact) to text.
func (x *trigramIndex) update(id int64, old, text string) {
	before, after := trigrams(old), trigrams(text)
	for _, g := range after {
		if _, had := slices.BinarySearch(before, g); had {
			continue
		}
		x.lists[g] = append(x.lists[g], id)
		x.entries++
	}
	for _, g := range before {
		if _, kept := slices.BinarySearch(after, g); !kept {
			x.stale++
		}
	}
}

// remove records that a contact with this text was deleted.
func (x *trigramIndex) remove(text string) { x.stale += len(trigrams(text)) }

// candidates returns the ids that may contain term (possibly repeated or stale), or false when the
// term is too short for the index and the caller must scan.
func (x *trigramIndex) candidates(term string) ([]int64, bool) {
	gs := trigrams(term)
	if len(gs) == 0 {
		return nil, false
	}
	var best []int64
	for i, g := range gs {
		l := x.lists[g]
		if len(l) == 0 {
			return nil, true
		}
		if i == 0 || len(l) < len(best) {
			best = l
		}
	}
	return best, true
}
