package mapping

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cssync/cssync/internal/syncplan"
)

// Extended reports whether the mapping asks for more than the classic sync (the six standard
// fields fed one way from HubSpot, and at most a status written to HubSpot): custom fields, other
// directions, an unmapped standard field (which must keep its ClientSuccess value), or a status
// read from HubSpot. Only an extended mapping carries HubSpot values to the upsert step
// (PlanContact); the classic one runs exactly the steps it always ran.
func (f File) Extended() bool {
	if f.Status != nil && f.Status.Direction != ToHubSpot {
		return true
	}
	for _, fd := range f.Fields {
		if fd.Custom != "" || fd.Direction != ToClientSuccess {
			return true
		}
	}
	return len(f.Unmapped()) > 0
}

// Record is the ClientSuccess side of one contact, as PlanContact compares it.
type Record struct {
	Fields   syncplan.ContactFields
	Custom   map[int64]json.RawMessage // custom field values by field id
	StatusID int                       // 0: no status
	// New marks a record this sync is creating: it has no values of its own yet, so its empty
	// fields are not pushed over HubSpot's (direction to_hubspot).
	New bool
}

// Definitions are what PlanContact needs of the two systems' definitions.
type Definitions struct {
	Custom   []CustomFieldDef
	Statuses []Status
	// Options holds the options of the mapped HubSpot enumeration properties, by name; values
	// written to them are resolved case-safely (ResolveOption).
	Options map[string][]Option
}

// ContactPlan is what one sync writes for a contact's mapped fields, on each side.
type ContactPlan struct {
	Fields   syncplan.ContactFields    // the standard fields the record should hold
	Custom   map[int64]json.RawMessage // custom values to set, by field id (changed ones only)
	StatusID int                       // the status to set; 0 leaves it as it is
	HubSpot  map[string]string         // HubSpot properties to write (changed ones only)
	Changed  []string                  // the ClientSuccess fields that change, by name or label
	Problems []string                  // values that could not be carried; nothing written for them
}

// PlanContact decides, field by field, what to write where. hs holds the contact's HubSpot
// values by property name; rec is the ClientSuccess record.
//
// A field whose two sides hold the same value (compared in the field type's canonical form) is
// left alone. Otherwise the direction decides: to_clientsuccess writes HubSpot's value into
// ClientSuccess, to_hubspot writes ClientSuccess's value into HubSpot. A two-way field (both)
// has a conflict when both sides hold a value and they differ; the owner's value is written to
// the other side. The worker keeps no previous values, so it cannot tell which side changed last:
// any difference between two non-empty values is a conflict the owner wins. When one side is
// empty, the other side's value fills it (a new record does not wipe HubSpot); so a value cleared
// on one side comes back from the other, and clearing a two-way field means clearing both.
//
// Unmapped standard fields keep the record's values. A value that cannot be converted, a status
// with no counterpart, or a custom field that no longer exists is a Problem naming it, and
// nothing is written for that field; the other fields still are.
func (f File) PlanContact(hs map[string]string, rec Record, defs Definitions) ContactPlan {
	p := ContactPlan{Fields: rec.Fields}
	problem := func(format string, args ...any) { p.Problems = append(p.Problems, fmt.Sprintf(format, args...)) }
	writeHS := func(prop, value string) {
		value = strings.TrimSpace(value) // HubSpot rejects surrounding spaces
		if opts, ok := defs.Options[prop]; ok && value != "" {
			v, err := ResolveOption(prop, opts, value)
			if err != nil {
				problem("%s: not written", err)
				return
			}
			value = v
		}
		if value == hs[prop] {
			return
		}
		if p.HubSpot == nil {
			p.HubSpot = map[string]string{}
		}
		p.HubSpot[prop] = value
	}
	for _, fd := range f.Fields {
		typ := "STRING"
		var def CustomFieldDef
		var csVal string
		var csErr error
		if fd.Custom != "" {
			d, ok := findCustom(defs.Custom, fd.Custom)
			if !ok {
				problem("%s does not exist any more; contact custom fields are: %s", fd.Target(), customLabels(defs.Custom))
				continue
			}
			def, typ = d, strings.ToUpper(d.Type)
			csVal, csErr = CanonicalFromClientSuccess(typ, rec.Custom[d.ID])
		} else {
			// Compared as stored, so a value with stray spaces is rewritten, as before.
			if f := standardField(&rec.Fields, fd.ClientSuccess); f != nil {
				csVal = *f
			}
		}
		hsVal, hsErr := CanonicalFromHubSpot(typ, hs[fd.HubSpot])
		if hsErr == nil && csErr == nil && hsVal == csVal {
			continue
		}
		toCS, toHS := false, false
		switch fd.Direction {
		case ToClientSuccess:
			toCS = true
		case ToHubSpot:
			toHS = !(rec.New && csVal == "")
		case Both:
			switch {
			case hsErr == nil && hsVal == "":
				toHS = true
			case csErr == nil && strings.TrimSpace(csVal) == "":
				toCS = true
			case fd.Owner == OwnerHubSpot:
				toCS = true
			default:
				toHS = true
			}
		}
		switch {
		case toCS && hsErr != nil:
			problem("HubSpot property %q into %s: %v; not written", fd.HubSpot, fd.Target(), hsErr)
		case toCS && fd.Custom != "":
			if p.Custom == nil {
				p.Custom = map[int64]json.RawMessage{}
			}
			p.Custom[def.ID] = ClientSuccessValue(typ, hsVal)
			p.Changed = append(p.Changed, fd.Custom)
		case toCS:
			setStandardField(&p.Fields, fd.ClientSuccess, hsVal)
			p.Changed = append(p.Changed, fd.ClientSuccess)
		case toHS && csErr != nil:
			problem("%s into HubSpot property %q: %v; not written", fd.Target(), fd.HubSpot, csErr)
		case toHS:
			writeHS(fd.HubSpot, csVal)
		}
	}
	if s := f.Status; s != nil && s.Direction != ToHubSpot {
		f.planStatus(&p, hs[s.HubSpot], rec, defs, problem)
	}
	return p
}

// planStatus is PlanContact for the status (directions to_clientsuccess and both). An empty
// HubSpot value sets no status in ClientSuccess; it is filled from ClientSuccess in both.
func (f File) planStatus(p *ContactPlan, hsValue string, rec Record, defs Definitions, problem func(string, ...any)) {
	s := f.Status
	st, ok, err := ResolveStatus(defs.Statuses, hsValue)
	if (err == nil && !ok && rec.StatusID == 0) || (ok && st.ID == rec.StatusID) {
		return // in line
	}
	hsEmpty := strings.TrimSpace(hsValue) == ""
	toCS := false
	switch {
	case s.Direction == ToClientSuccess:
		toCS = !hsEmpty
		if hsEmpty {
			return
		}
	case hsEmpty:
	case rec.StatusID == 0, s.Owner == OwnerHubSpot:
		toCS = true
	}
	if toCS {
		if err != nil {
			problem("status from HubSpot property %q: %v; not written", s.HubSpot, err)
			return
		}
		p.StatusID = st.ID
		p.Changed = append(p.Changed, "status")
		return
	}
	v, err := StatusToHubSpot(s.HubSpot, defs.Options[s.HubSpot], defs.Statuses, rec.StatusID)
	if err != nil {
		problem("status into HubSpot property %q: %v; not written", s.HubSpot, err)
		return
	}
	if v != hsValue {
		if p.HubSpot == nil {
			p.HubSpot = map[string]string{}
		}
		p.HubSpot[s.HubSpot] = v
	}
}

// standardField is the standard contact field called name (FieldEmail …), or nil for any other.
func standardField(f *syncplan.ContactFields, name string) *string {
	switch name {
	case FieldEmail:
		return &f.Email
	case FieldFirstName:
		return &f.FirstName
	case FieldLastName:
		return &f.LastName
	case FieldTitle:
		return &f.Title
	case FieldPhone:
		return &f.Phone
	case FieldMobile:
		return &f.Mobile
	}
	return nil
}

func setStandardField(f *syncplan.ContactFields, name, v string) {
	if p := standardField(f, name); p != nil {
		*p = v
	}
}
