package syncplan

import "sort"

// Record is a ClientSuccess contact as the sync sees it.
type Record struct {
	ClientID  int64         `json:"clientId"`
	ContactID int64         `json:"contactId"`
	Owned     bool          `json:"owned"` // its externalId is this HubSpot contact's id
	Fields    ContactFields `json:"fields"`
}

// Plan is what must happen in ClientSuccess so that the contact lives exactly once, on its client.
type Plan struct {
	// Remove lists owned records on other clients (and surplus copies on the target), to delete first.
	Remove []Record `json:"remove,omitempty"`
	// Keep is the owned record already on the target client, to update; nil means create one.
	Keep *Record `json:"keep,omitempty"`
	// Conflict is a record the sync does not own, on the target client, with the contact's email.
	// Creating beside it would make a duplicate and taking it over would touch a record we do not
	// own, so the plan does nothing and the outcome says why.
	Conflict *Record `json:"conflict,omitempty"`
}

// Decide plans the writes for a contact whose client is target, given every record found for it.
// Records are considered in id order so the same inputs always give the same plan.
func Decide(target int64, email string, found []Record) Plan {
	records := append([]Record(nil), found...)
	sort.Slice(records, func(i, j int) bool {
		if records[i].ClientID != records[j].ClientID {
			return records[i].ClientID < records[j].ClientID
		}
		return records[i].ContactID < records[j].ContactID
	})
	var p Plan
	for i := range records {
		r := records[i]
		switch {
		case !r.Owned:
			if r.ClientID == target && p.Conflict == nil && SameEmail(r.Fields.Email, email) {
				p.Conflict = &r
			}
		case r.ClientID == target && p.Keep == nil:
			p.Keep = &r
		default:
			p.Remove = append(p.Remove, r)
		}
	}
	if p.Keep != nil {
		p.Conflict = nil // our own record is already there; the other one is someone else's business
	}
	if p.Conflict != nil {
		p.Remove = nil
	}
	return p
}

// InLine reports whether the plan has nothing to write: the contact's own record is on the target
// client, with no other copy among the records given and with exactly these fields.
func (p Plan) InLine(fields ContactFields) bool {
	return p.Conflict == nil && len(p.Remove) == 0 && p.Keep != nil && !FieldsChanged(p.Keep.Fields, fields)
}
