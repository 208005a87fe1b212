package activities

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/cssync/cssync/internal/syncplan"
)

// recordIndex holds a census's records by externalId, compactly: a census keeps every record of
// every client in one worker's memory, so its size per record is what a worker needs per contact.
// Records are added while the census is taken, then sealed: sorted by id (a number), so an id's
// records sit side by side and are found by binary search, with no map around them.
type recordIndex struct {
	entries []indexEntry
}

// indexEntry is one record under its id.
type indexEntry struct {
	key uint64 // the externalId, a HubSpot id
	censusRecord
}

// censusRecord is one record as the page plan judges it.
type censusRecord struct {
	client, contact, status int64  // status is noStatus when the record has none
	fields                  string // packFields
}

// noStatus is the status of a record without one: no ClientSuccess status id is this low.
const noStatus = math.MinInt64

// indexKey is a HubSpot id as the index keys it; only ids written as ParseDealID writes them are
// kept, so an id finds exactly the records whose externalId parsed to it.
func indexKey(id string) (uint64, bool) {
	n, err := strconv.ParseUint(id, 10, 63)
	return n, err == nil && strconv.FormatUint(n, 10) == id
}

func (x *recordIndex) add(id string, r censusRecord) {
	if key, ok := indexKey(id); ok {
		x.entries = append(x.entries, indexEntry{key: key, censusRecord: r})
	}
}

// seal sorts the records by id, keeping the order an id's records were added in; of and each
// answer only once the index is sealed.
func (x *recordIndex) seal() {
	slices.SortStableFunc(x.entries, func(a, b indexEntry) int { return cmp.Compare(a.key, b.key) })
}

// of are the records of id, and the position of the first, which names the id in the index.
func (x *recordIndex) of(id string) (int, []indexEntry) {
	key, ok := indexKey(id)
	if !ok {
		return -1, nil
	}
	first, found := slices.BinarySearchFunc(x.entries, key, func(e indexEntry, k uint64) int { return cmp.Compare(e.key, k) })
	if !found {
		return -1, nil
	}
	end := first
	for end < len(x.entries) && x.entries[end].key == key {
		end++
	}
	return first, x.entries[first:end]
}

// each calls fn with every id, the position of its first record, and its records.
func (x *recordIndex) each(fn func(first int, id string, recs []indexEntry)) {
	for first := 0; first < len(x.entries); {
		end := first + 1
		for end < len(x.entries) && x.entries[end].key == x.entries[first].key {
			end++
		}
		fn(first, strconv.FormatUint(x.entries[first].key, 10), x.entries[first:end])
		first = end
	}
}

func newCensusRecord(client, contact int64, status *int, f syncplan.ContactFields) censusRecord {
	r := censusRecord{client: client, contact: contact, status: noStatus, fields: packFields(f)}
	if status != nil {
		r.status = int64(*status)
	}
	return r
}

func (r censusRecord) statusID() *int {
	if r.status == noStatus {
		return nil
	}
	s := int(r.status)
	return &s
}

// packFields puts the six fields in one string, each after its length: one allocation, not six.
func packFields(f syncplan.ContactFields) string {
	var b []byte
	for _, s := range [...]string{f.Email, f.FirstName, f.LastName, f.Title, f.Phone, f.Mobile} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b)
}

func unpackFields(p string) syncplan.ContactFields {
	var out [6]string
	for i := range out {
		colon := 0
		for p[colon] != ':' {
			colon++
		}
		n, _ := strconv.Atoi(p[:colon])
		out[i], p = p[colon+1:colon+1+n], p[colon+1+n:]
	}
	return syncplan.ContactFields{Email: out[0], FirstName: out[1], LastName: out[2], Title: out[3], Phone: out[4], Mobile: out[5]}
}
