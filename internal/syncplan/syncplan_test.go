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
	mine := func(client, id int64) Record {
		return Record{ClientID: client, ContactID: id, Owned: true, Fields: ContactFields{Email: "bh@hubspot.com"}}
	}
	theirs := func(client, id int64, email string) Record {
		return Record{ClientID: client, ContactID: id, Fields: ContactFields{Email: email}}
	}
	t.Run("nothing anywhere: create", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", nil)
		assert.Nil(t, p.Keep)
		assert.Empty(t, p.Remove)
		assert.Nil(t, p.Conflict)
	})
	t.Run("already on target: keep", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", []Record{mine(2, 20)})
		require.NotNil(t, p.Keep)
		assert.Equal(t, int64(20), p.Keep.ContactID)
		assert.Empty(t, p.Remove)
	})
	t.Run("on old client: remove there", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", []Record{mine(1, 10)})
		assert.Nil(t, p.Keep)
		assert.Equal(t, []Record{mine(1, 10)}, p.Remove)
	})
	t.Run("on both: keep target, remove old", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", []Record{mine(2, 20), mine(1, 10)})
		assert.Equal(t, int64(20), p.Keep.ContactID)
		assert.Equal(t, []Record{mine(1, 10)}, p.Remove)
	})
	t.Run("duplicate on target: keep lowest id, remove the other", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", []Record{mine(2, 25), mine(2, 20)})
		assert.Equal(t, int64(20), p.Keep.ContactID)
		assert.Equal(t, []Record{mine(2, 25)}, p.Remove)
	})
	t.Run("unowned same email on target: conflict, nothing removed", func(t *testing.T) {
		p := Decide(2, "BH@HubSpot.com", []Record{mine(1, 10), theirs(2, 30, "bh@hubspot.com")})
		require.NotNil(t, p.Conflict)
		assert.Equal(t, int64(30), p.Conflict.ContactID)
		assert.Empty(t, p.Remove)
	})
	t.Run("unowned elsewhere is never touched", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", []Record{theirs(1, 10, "bh@hubspot.com")})
		assert.Empty(t, p.Remove)
		assert.Nil(t, p.Conflict)
	})
	t.Run("own record on target wins over an unowned twin", func(t *testing.T) {
		p := Decide(2, "bh@hubspot.com", []Record{theirs(2, 30, "bh@hubspot.com"), mine(2, 20)})
		assert.Nil(t, p.Conflict)
		assert.Equal(t, int64(20), p.Keep.ContactID)
	})
	t.Run("input order does not matter", func(t *testing.T) {
		a := Decide(3, "bh@hubspot.com", []Record{mine(2, 20), mine(1, 10)})
		b := Decide(3, "bh@hubspot.com", []Record{mine(1, 10), mine(2, 20)})
		assert.Equal(t, a, b)
	})
}

func TestOutcomeWrote(t *testing.T) {
	assert.True(t, Moved.Wrote())
	assert.True(t, Created.Wrote())
	assert.False(t, NotChecked.Wrote())
	assert.False(t, Unchanged.Wrote())
}
