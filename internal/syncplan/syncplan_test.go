package syncplan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDealID(t *testing.T) {
	cases := []struct {
		raw  string
		want string
		err  error
	}{
		{"2002", "2002", nil},
		{"  2002\n", "2002", nil},
		{"9223372036854775807", "9223372036854775807", nil},
		{"", "", ErrNoDeal},
		{"   ", "", ErrNoDeal},
		{"12abc", "", ErrInvalidDealID},
		{"-1", "", ErrInvalidDealID},
		{"+5", "", ErrInvalidDealID},
		{"0", "", ErrInvalidDealID},
		{"1.5", "", ErrInvalidDealID},
		{"1234567890123456789012345678901234567890", "", ErrInvalidDealID},
		{"٣", "", ErrInvalidDealID}, // Arabic-Indic digit
		{"2002;2003", "", ErrInvalidDealID},
	}
	for _, c := range cases {
		got, err := ParseDealID(c.raw)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, "raw %q", c.raw)
			continue
		}
		assert.NoError(t, err, "raw %q", c.raw)
		assert.Equal(t, c.want, got)
	}
	_, err := ParseDealID(strings.Repeat("9", 5000))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200, "a huge value is quoted clipped")
}

func TestValidateFields(t *testing.T) {
	ok := ContactFields{Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan"}
	require.NoError(t, ok.Validate())
	unicode := ContactFields{Email: "zoë@exämple.de", FirstName: "Zoë", LastName: "Ñúñez"}
	require.NoError(t, unicode.Validate())
	bad := map[string]ContactFields{
		"no email":      {FirstName: "A"},
		"no at":         {Email: "not-an-email"},
		"display name":  {Email: "Brian <bh@hubspot.com>"},
		"two addresses": {Email: "a@x.com, b@x.com"},
		"spaces":        {Email: "a b@x.com"},
		"huge name":     {Email: "a@x.com", FirstName: strings.Repeat("x", MaxFieldLength+1)},
		"control chars": {Email: "a@x.com", LastName: "Hal\x00ligan"},
	}
	for name, f := range bad {
		err := f.Validate()
		assert.ErrorIs(t, err, ErrInvalidContact, name)
	}
	assert.Len(t, []rune(ContactFields{Title: strings.Repeat("é", 3000)}.Truncated().Title), MaxFieldLength+1)
}

func TestFieldsFromHubSpotTrimsAndNames(t *testing.T) {
	f := FieldsFromHubSpot(map[string]string{"email": " bh@hubspot.com ", "firstname": "Brian", "lastname": "Halligan", "jobtitle": "CEO", "mobilephone": "+1 555"})
	assert.Equal(t, ContactFields{Email: "bh@hubspot.com", FirstName: "Brian", LastName: "Halligan", Title: "CEO", Mobile: "+1 555"}, f)
	assert.Equal(t, "Brian Halligan", f.Name())
	assert.Equal(t, "x@y.z", ContactFields{Email: "x@y.z"}.Name())
}

func TestDecide(t *testing.T) {
	owner := Owner{ID: "51", MergedIDs: []string{"17"}}
	mine := func(client, id int64) Record {
		return Record{ClientID: client, ContactID: id, ExternalID: "51", Fields: ContactFields{Email: "bh@hubspot.com"}}
	}
	merged := func(client, id int64) Record {
		r := mine(client, id)
		r.ExternalID = "17"
		return r
	}
	theirs := func(client, id int64, email string) Record {
		return Record{ClientID: client, ContactID: id, ExternalID: "99", Fields: ContactFields{Email: email}}
	}
	t.Run("nothing anywhere: create from nothing", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", nil)
		assert.Equal(t, Plan{Create: true}, p)
	})
	t.Run("already on target: keep", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{mine(2, 20)})
		assert.Equal(t, Plan{Keep: ptr(mine(2, 20))}, p)
		assert.True(t, p.InLine(ContactFields{Email: "bh@hubspot.com"}))
		assert.False(t, p.InLine(ContactFields{Email: "bh@hubspot.com", Title: "CEO"}))
	})
	t.Run("on old client: create on target carrying it, then remove it", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{mine(1, 10)})
		assert.Equal(t, Plan{Create: true, Source: ptr(mine(1, 10)), Remove: []Record{mine(1, 10)}}, p)
		assert.True(t, p.Moves())
		assert.Empty(t, p.Folded())
	})
	t.Run("on both: keep target, remove old", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{mine(2, 20), mine(1, 10)})
		assert.Equal(t, Plan{Keep: ptr(mine(2, 20)), Remove: []Record{mine(1, 10)}}, p)
		assert.False(t, p.Moves())
		assert.Equal(t, []Record{mine(1, 10)}, p.Folded(), "the kept record takes what the old one holds")
	})
	t.Run("duplicate on target: keep lowest id, remove the other", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{mine(2, 25), mine(2, 20)})
		assert.Equal(t, Plan{Keep: ptr(mine(2, 20)), Remove: []Record{mine(2, 25)}}, p)
	})
	t.Run("the same record found twice counts once", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{mine(1, 10), mine(1, 10)})
		assert.Equal(t, []Record{mine(1, 10)}, p.Remove)
	})
	t.Run("several old copies: the source is removed last", func(t *testing.T) {
		p := Decide(owner, 3, "bh@hubspot.com", []Record{merged(1, 5), mine(2, 20), mine(1, 10)})
		assert.Equal(t, ptr(mine(1, 10)), p.Source, "own id before a merged one")
		assert.Equal(t, []Record{merged(1, 5), mine(2, 20), mine(1, 10)}, p.Remove)
		assert.Equal(t, []Record{merged(1, 5), mine(2, 20)}, p.Folded(), "the source is copied whole, the others fill its blanks")
	})
	t.Run("a merged-away id's record on target is adopted, not a conflict", func(t *testing.T) {
		rec := merged(2, 20)
		p := Decide(owner, 2, "bh@hubspot.com", []Record{rec})
		assert.Equal(t, Plan{Keep: &rec, Adopt: true}, p)
		assert.False(t, p.InLine(rec.Fields), "the externalId must still be rewritten")
	})
	t.Run("own id on target beats a merged id's record there", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{merged(2, 15), mine(2, 20)})
		assert.Equal(t, Plan{Keep: ptr(mine(2, 20)), Remove: []Record{merged(2, 15)}}, p)
	})
	t.Run("unowned same email on target: conflict, nothing written", func(t *testing.T) {
		p := Decide(owner, 2, "BH@HubSpot.com", []Record{mine(1, 10), theirs(2, 30, "bh@hubspot.com")})
		assert.Equal(t, Plan{Conflict: ptr(theirs(2, 30, "bh@hubspot.com"))}, p)
	})
	t.Run("unowned elsewhere is never touched", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{theirs(1, 10, "bh@hubspot.com")})
		assert.Equal(t, Plan{Create: true}, p)
	})
	t.Run("own record on target wins over an unowned twin", func(t *testing.T) {
		p := Decide(owner, 2, "bh@hubspot.com", []Record{theirs(2, 30, "bh@hubspot.com"), mine(2, 20)})
		assert.Equal(t, Plan{Keep: ptr(mine(2, 20))}, p)
	})
	t.Run("input order does not matter", func(t *testing.T) {
		a := Decide(owner, 3, "bh@hubspot.com", []Record{mine(2, 20), mine(1, 10), merged(4, 1)})
		b := Decide(owner, 3, "bh@hubspot.com", []Record{merged(4, 1), mine(1, 10), mine(2, 20)})
		assert.Equal(t, a, b)
	})
	t.Run("a deleted contact's records are all removed, no one else's", func(t *testing.T) {
		p := DecideOrphan(owner, []Record{mine(2, 20), theirs(2, 30, "bh@hubspot.com"), merged(1, 10)})
		assert.Equal(t, Plan{Remove: []Record{merged(1, 10), mine(2, 20)}}, p)
	})
}

func TestOwnerOwns(t *testing.T) {
	o := Owner{ID: "51", MergedIDs: []string{"17"}}
	assert.True(t, o.Owns("51"))
	assert.True(t, o.Owns(" 17 "))
	assert.False(t, o.Owns("5"))
	assert.False(t, o.Owns(""))
	assert.Equal(t, []string{"51", "17"}, o.IDs())
}

func ptr[T any](v T) *T { return &v }

func TestOutcomeWrote(t *testing.T) {
	assert.True(t, Moved.Wrote())
	assert.True(t, Created.Wrote())
	assert.False(t, NotChecked.Wrote())
	assert.False(t, Unchanged.Wrote())
}
