package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var csStatuses = []Status{{1, "A", "Active"}, {2, "I", "Inactive"}, {3, "F", "Trial"}, {4, "T", "Terminated"}}

func TestResolveOption(t *testing.T) {
	lower := []Option{{"active", "Active"}, {"inactive", "Inactive"}, {"trial", "Trial"}, {"terminated", "Terminated"}}
	odd := []Option{{"ACT_01", "Active"}, {"Closed", "Terminated"}, {"zoë", "Zoë Ünïcode"}, {"straße", "Street"}}
	twins := []Option{{"active", "Active"}, {"Active", "Active (legacy)"}}
	cases := []struct {
		name    string
		options []Option
		value   string
		want    string
		errWant string // substring of the error; empty means no error
	}{
		{"exact value", lower, "active", "active", ""},
		{"mixed case value", lower, "AcTiVe", "active", ""},
		{"upper case", lower, "TERMINATED", "terminated", ""},
		{"surrounding spaces", lower, "  Trial\t", "trial", ""},
		{"by label when no value matches", odd, "active", "ACT_01", ""},
		{"label mixed case", odd, "TERMINATED", "Closed", ""},
		{"value wins over label", odd, "closed", "Closed", ""},
		{"unicode case folding", odd, "ZOË", "zoë", ""},
		{"unicode label", odd, "zoë ünïcode", "zoë", ""},
		{"exact twin wins", twins, "Active", "Active", ""},
		{"folded twins are ambiguous", twins, "ACTIVE", "", `"ACTIVE" matches more than one of the allowed values ["active", "Active"]`},
		{"empty clears", lower, "", "", ""},
		{"whitespace clears", lower, " \t\n", "", ""},
		{"unknown names value and options", lower, "Pending", "", `HubSpot property "cs_status": "Pending" is not one of the allowed values ["active", "inactive", "trial", "terminated"]`},
		{"inner space is not ignored", lower, "in active", "", "is not one of"},
		{"prefix is not a match", lower, "act", "", "is not one of"},
		{"no options at all", nil, "active", "", `"active" is not one of the allowed values []`},
		{"dotted capital I is not i", lower, "ACTİVE", "", "is not one of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ResolveOption("cs_status", c.options, c.value)
			if c.errWant == "" {
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrUnknownValue)
			var uv *UnknownValueError
			require.True(t, errors.As(err, &uv))
			assert.Contains(t, err.Error(), c.errWant)
			assert.Empty(t, got)
		})
	}
}

func TestResolveOptionClipsHugeValues(t *testing.T) {
	_, err := ResolveOption("cs_status", []Option{{"active", "Active"}}, strings.Repeat("x", 10000))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 300)
}

func TestResolveStatus(t *testing.T) {
	clash := []Status{{1, "T", "Trial"}, {2, "X", "t"}}
	cases := []struct {
		name    string
		value   string
		want    int
		ok      bool
		errWant string
	}{
		{"description", "Active", 1, true, ""},
		{"lower case description", "inactive", 2, true, ""},
		{"upper case with spaces", "  TERMINATED ", 4, true, ""},
		{"by code", "f", 3, true, ""},
		{"empty is no status", "", 0, false, ""},
		{"whitespace is no status", "   ", 0, false, ""},
		{"unknown", "Churned", 0, false, `ClientSuccess status: "Churned" is not one of the allowed values ["Active", "Inactive", "Trial", "Terminated"]`},
		{"unicode unknown", "Aktív", 0, false, `"Aktív" is not one of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := ResolveStatus(csStatuses, c.value)
			if c.errWant != "" {
				assert.ErrorIs(t, err, ErrUnknownValue)
				assert.Contains(t, err.Error(), c.errWant)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got.ID)
		})
	}
	t.Run("unicode description folded", func(t *testing.T) {
		got, ok, err := ResolveStatus([]Status{{7, "É", "Été actif"}, {8, "ß", "Straße"}}, " ÉTÉ ACTIF ")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, 7, got.ID)
		got, ok, err = ResolveStatus([]Status{{7, "É", "Été actif"}, {8, "ß", "Straße"}}, "é")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, 7, got.ID, "by code, folded")
	})
	t.Run("description wins over another status's code", func(t *testing.T) {
		got, ok, err := ResolveStatus(clash, "T")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, 2, got.ID)
	})
}

func TestStatusToHubSpot(t *testing.T) {
	lower := []Option{{"active", "Active"}, {"inactive", "Inactive"}}
	byCode := []Option{{"a", "Is active"}, {"i", "Is inactive"}}
	cases := []struct {
		name    string
		options []Option
		id      int
		want    string
		errWant string
	}{
		{"Active reaches HubSpot as active", lower, 1, "active", ""},
		{"no status clears", lower, 0, "", ""},
		{"status without option", lower, 3, "", `"Trial" is not one of the allowed values ["active", "inactive"]`},
		{"falls back to the code", byCode, 2, "i", ""},
		{"unknown status id", lower, 99, "", `ClientSuccess status: "99" is not one of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := StatusToHubSpot("cs_status", c.options, csStatuses, c.id)
			if c.errWant != "" {
				assert.ErrorIs(t, err, ErrUnknownValue)
				assert.Contains(t, err.Error(), c.errWant)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}
