package activities

import (
	"math"
	"strconv"

	"github.com/cssync/cssync/internal/syncplan"
)

// recordIndex holds a census's records by externalId, compactly: a census keeps every record of
// every client in one worker's memory, so its size per record is what a worker needs per contact.
// Ids are kept as numbers, the first record of an id inline, and a record's six fields in one string.
type recordIndex struct {
	first  map[uint64]censusRecord
	copies map[uint64][]censusRecord // further records of the same id: a contact on several clients
}

// censusRecord is one record as the page plan judges it.
type censusRecord struct {
	client, contact, status int64  // status is noStatus when the record has none
	fields                  string // packFields
}

// noStatus is the status of a record without one: no ClientSuccess status id is this low.
const noStatus = math.MinInt64

func newRecordIndex() recordIndex {
	return recordIndex{first: map[uint64]censusRecord{}, copies: map[uint64][]censusRecord{}}
}

// indexKey is a HubSpot id as the index keys it; only ids written as ParseDealID writes them are
// kept, so an id finds exactly the records whose externalId parsed to it.
func indexKey(id string) (uint64, bool) {
	n, err := strconv.ParseUint(id, 10, 63)
	return n, err == nil && strconv.FormatUint(n, 10) == id
}

func (x recordIndex) add(id string, r censusRecord) {
	key, ok := indexKey(id)
	switch _, taken := x.first[key]; {
	case !ok:
	case taken:
		x.copies[key] = append(x.copies[key], r)
	default:
		x.first[key] = r
	}
}

// of are the records of id, and its key.
func (x recordIndex) of(id string) (uint64, []censusRecord) {
	key, ok := indexKey(id)
	first, found := x.first[key]
	if !ok || !found {
		return key, nil
	}
	return key, append([]censusRecord{first}, x.copies[key]...)
}

// each calls fn with every id's key, its id and its records.
func (x recordIndex) each(fn func(key uint64, id string, recs []censusRecord)) {
	for key, first := range x.first {
		fn(key, strconv.FormatUint(key, 10), append([]censusRecord{first}, x.copies[key]...))
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
