package syncplan

import (
	"cmp"
	"slices"
	"strings"
)

// Owner is the HubSpot contact a plan is about: its id and the ids HubSpot merged into it. A
// ClientSuccess record belongs to the contact when its externalId is one of them, because a merge
// gives the survivor a new id while the records the sync made still carry the old ones.
type Owner struct {
	ID        string   `json:"id"`
	MergedIDs []string `json:"mergedIds,omitempty"`
}

// IDs are every externalId that marks a record as the contact's own: its id first.
func (o Owner) IDs() []string { return append([]string{o.ID}, o.MergedIDs...) }

// Owns reports whether a record with this externalId is the contact's own.
func (o Owner) Owns(externalID string) bool {
	id := strings.TrimSpace(externalID)
	return id != "" && (id == o.ID || slices.Contains(o.MergedIDs, id))
}

// Record is a ClientSuccess contact as the planner sees it.
type Record struct {
	ClientID   int64         `json:"clientId"`
	ContactID  int64         `json:"contactId"`
	ExternalID string        `json:"externalId,omitempty"`
	Fields     ContactFields `json:"fields"`
}

// Plan is what must happen in ClientSuccess so that the contact lives exactly once, on its client.
// The writes run in a fixed order that never loses the contact: the record on the target client
// is updated or created first, and only once it holds are the others removed, Source last.
type Plan struct {
	// Keep is the contact's own record on the target client, updated in place.
	Keep *Record `json:"keep,omitempty"`
	// Adopt says Keep carries an id merged into the contact: its externalId becomes the contact's.
	Adopt bool `json:"adopt,omitempty"`
	// Create says the target client holds no record of the contact: one is created there.
	Create bool `json:"create,omitempty"`
	// Source is, with Create, the contact's own record on another client: the new record carries
	// its ClientSuccess-side fields (status, flags, custom values, fields the sync does not map).
	Source *Record `json:"source,omitempty"`
	// Remove lists the contact's other records, to delete after Keep or the new record holds.
	// Source comes last, so while any removal can still fail the contact's full record is there.
	Remove []Record `json:"remove,omitempty"`
	// Conflict is a record the sync does not own, on the target client, with the contact's email,
	// while the contact has no record of its own there. Creating beside it would make a duplicate
	// and taking it over would touch a record the sync does not own, so nothing is written.
	Conflict *Record `json:"conflict,omitempty"`
}

// Decide plans the writes for the owner's contact, whose client is target and whose email is
// email, given every record found for it: its own records on any client and the records on the
// target client with its email. The same records in any order give the same plan.
func Decide(owner Owner, target int64, email string, found []Record) Plan {
	records := distinct(found)
	var own []Record
	var p Plan
	for i := range records {
		r := records[i]
		switch {
		case owner.Owns(r.ExternalID):
			own = append(own, r)
		case r.ClientID == target && p.Conflict == nil && SameEmail(r.Fields.Email, email):
			p.Conflict = &r
		}
	}
	onTarget := func(r Record) bool { return r.ClientID == target }
	if keep := preferred(owner, own, onTarget); keep != nil {
		p.Keep, p.Adopt, p.Conflict = keep, keep.ExternalID != owner.ID, nil
	} else if p.Conflict != nil {
		return Plan{Conflict: p.Conflict}
	} else {
		p.Create = true
		p.Source = preferred(owner, own, func(Record) bool { return true })
	}
	for _, r := range own {
		if !sameRecord(p.Keep, r) && !sameRecord(p.Source, r) {
			p.Remove = append(p.Remove, r)
		}
	}
	if p.Source != nil {
		p.Remove = append(p.Remove, *p.Source)
	}
	return p
}

// DecideOrphan plans the removal of every record a deleted HubSpot contact owns.
func DecideOrphan(owner Owner, found []Record) Plan {
	var p Plan
	for _, r := range distinct(found) {
		if owner.Owns(r.ExternalID) {
			p.Remove = append(p.Remove, r)
		}
	}
	return p
}

// InLine reports whether the plan has nothing to write: the contact's own record is on the target
// client under its own id, with no other copy among the records given and with exactly these fields.
func (p Plan) InLine(fields ContactFields) bool {
	return p.Keep != nil && !p.Adopt && len(p.Remove) == 0 && !FieldsChanged(p.Keep.Fields, fields)
}

// Folded are the records Remove lists beside Source: extra copies of the contact (a duplicate made
// while its record could not be found, a merged contact's record). The kept or new record takes
// what they hold and it leaves blank before they go, so their removal loses nothing.
func (p Plan) Folded() []Record {
	var out []Record
	for _, r := range p.Remove {
		if !sameRecord(p.Source, r) {
			out = append(out, r)
		}
	}
	return out
}

// Moves reports whether the plan takes the contact off another client.
func (p Plan) Moves() bool { return p.Create && p.Source != nil }

// preferred picks, among the owner's records that match, the one to keep: one under the
// contact's own id before one under a merged id, then the lowest contact id. Nil when none match.
func preferred(owner Owner, own []Record, match func(Record) bool) *Record {
	var best *Record
	for i := range own {
		r := own[i]
		if !match(r) {
			continue
		}
		if best == nil || better(owner, r, *best) {
			best = &r
		}
	}
	return best
}

func better(owner Owner, a, b Record) bool {
	if aOwn, bOwn := a.ExternalID == owner.ID, b.ExternalID == owner.ID; aOwn != bOwn {
		return aOwn
	}
	return a.ContactID < b.ContactID
}

func sameRecord(p *Record, r Record) bool {
	return p != nil && p.ClientID == r.ClientID && p.ContactID == r.ContactID
}

// distinct orders records by client and contact id and drops repeats (a record found both on its
// client's list and through a search).
func distinct(found []Record) []Record {
	records := slices.Clone(found)
	slices.SortFunc(records, func(a, b Record) int {
		if c := cmp.Compare(a.ClientID, b.ClientID); c != 0 {
			return c
		}
		return cmp.Compare(a.ContactID, b.ContactID)
	})
	return slices.CompactFunc(records, func(a, b Record) bool { return a.ClientID == b.ClientID && a.ContactID == b.ContactID })
}
