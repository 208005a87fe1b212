package syncplan

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseDealID: an accepted id is a canonical positive 63-bit integer that parses to itself;
// anything else is ErrNoDeal or ErrInvalidDealID with a message of bounded size.
func FuzzParseDealID(f *testing.F) {
	for _, s := range []string{"1001", " 1001 ", "", "   ", "12abc", "-1", "0", "+5", "007", "1e3", "1.0",
		strings.Repeat("9", 40), "9223372036854775807", "9223372036854775808", "١٢٣", "\x00", "<b>1</b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := ParseDealID(raw)
		if err != nil {
			if !errors.Is(err, ErrNoDeal) && !errors.Is(err, ErrInvalidDealID) {
				t.Fatalf("%q: unexpected error %v", raw, err)
			}
			if len(err.Error()) > 300 {
				t.Fatalf("%q: error message of %d bytes", raw, len(err.Error()))
			}
			return
		}
		n, perr := strconv.ParseInt(id, 10, 64)
		if perr != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
			t.Fatalf("%q accepted as non-canonical %q", raw, id)
		}
		if again, err := ParseDealID(id); err != nil || again != id {
			t.Fatalf("%q: not idempotent: %q %v", id, again, err)
		}
	})
}

// FuzzContactFields: mapping never panics, Truncated fields fit MaxFieldLength (plus the ellipsis)
// and stay valid UTF-8 when the input was, and a contact Validate accepts has a plain address and
// no field over the limit.
func FuzzContactFields(f *testing.F) {
	f.Add("bh@hubspot.com", "Brian", "Halligan", "CEO", "+1 617", "")
	f.Add("Brian <bh@hubspot.com>", "<script>", "O'Brien", "", "", "")
	f.Add("jürgen@bücher.de", "Zoë", "李", "", "", "\x00")
	f.Add("", strings.Repeat("x", 1001), "", "", "", "")
	f.Add("a@b", "\u202e", "\t", "", "", "")
	f.Fuzz(func(t *testing.T, email, first, last, title, phone, mobile string) {
		fields := FieldsFromHubSpot(map[string]string{PropEmail: email, PropFirstName: first, PropLastName: last,
			PropTitle: title, PropPhone: phone, PropMobile: mobile})
		tr := fields.Truncated()
		for _, v := range []string{tr.Email, tr.FirstName, tr.LastName, tr.Title, tr.Phone, tr.Mobile} {
			if utf8.RuneCountInString(v) > MaxFieldLength+1 {
				t.Fatalf("truncated field of %d runes", utf8.RuneCountInString(v))
			}
		}
		if utf8.ValidString(first) && !utf8.ValidString(tr.FirstName) {
			t.Fatal("truncation broke UTF-8")
		}
		_ = fields.Name()
		if err := fields.Validate(); err == nil {
			if fields.Email == "" || strings.ContainsAny(fields.Email, "<> ,") {
				t.Fatalf("accepted email %q", fields.Email)
			}
			if tr != fields {
				t.Fatal("a valid contact was changed by truncation")
			}
		} else if !errors.Is(err, ErrInvalidContact) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzDecide: whatever records are found, the plan never removes or keeps a record the sync does
// not own, keeps at most one record on the target, accounts for every distinct owned record once
// (kept, or removed only after the target holds), and writes nothing when it reports a conflict.
func FuzzDecide(f *testing.F) {
	f.Add(int64(2), "bh@hubspot.com", []byte{1, 1, 1, 2, 0, 0, 2, 1, 1})
	f.Add(int64(1), "x@y", []byte{1, 0, 1, 1, 1, 1, 1, 1, 6})
	owner := Owner{ID: "51", MergedIDs: []string{"17"}}
	externalIDs := []string{"51", "17", "99", ""}
	f.Fuzz(func(t *testing.T, target int64, email string, spec []byte) {
		var found []Record
		for i := 0; i+2 < len(spec) && len(found) < 20; i += 3 {
			e := email
			if spec[i+2]&4 != 0 {
				e = "other@x.com"
			}
			found = append(found, Record{ClientID: int64(spec[i] % 4), ContactID: int64(spec[i+1]),
				ExternalID: externalIDs[spec[i+2]%4], Fields: ContactFields{Email: e}})
		}
		p := Decide(owner, target, email, found)
		for _, r := range p.Remove {
			if !owner.Owns(r.ExternalID) || sameRecord(p.Keep, r) {
				t.Fatalf("plan removes %+v (keep %+v)", r, p.Keep)
			}
		}
		if p.Keep != nil && (!owner.Owns(p.Keep.ExternalID) || p.Keep.ClientID != target || p.Create) {
			t.Fatalf("plan keeps %+v", p)
		}
		if p.Conflict != nil && (len(p.Remove) > 0 || p.Keep != nil || p.Create || owner.Owns(p.Conflict.ExternalID)) {
			t.Fatalf("conflict with writes: %+v", p)
		}
		if p.Source != nil && (len(p.Remove) == 0 || !sameRecord(p.Source, p.Remove[len(p.Remove)-1])) {
			t.Fatalf("the source of a move is not removed last: %+v", p)
		}
		owned := 0
		for _, r := range distinct(found) {
			if owner.Owns(r.ExternalID) {
				owned++
			}
		}
		kept := 0
		if p.Keep != nil {
			kept = 1
		}
		if p.Conflict == nil && len(p.Remove)+kept != owned {
			t.Fatalf("%d owned records, plan accounts for %d", owned, len(p.Remove)+kept)
		}
	})
}
