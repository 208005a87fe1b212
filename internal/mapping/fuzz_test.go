package mapping

import (
	"testing"
)

// FuzzCanonicalValues: any HubSpot text either converts or is refused, never panics; a converted
// value is canonical (converting it again gives itself) and reads back the same from the JSON
// written to ClientSuccess.
func FuzzCanonicalValues(f *testing.F) {
	for _, s := range []string{"", "42", "42.0", "-0", "1e308", "2.50", "true", "FALSE", "2025-07-07", "1751846400000", "Zoë", " x ", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, typ := range []string{"STRING", "INTEGER", "DECIMAL", "BOOLEAN", "DATE"} {
			c, err := CanonicalFromHubSpot(typ, v)
			if err != nil {
				continue
			}
			again, err := CanonicalFromHubSpot(typ, c)
			if err != nil || again != c {
				t.Fatalf("%s %q: canonical %q converts to %q, %v", typ, v, c, again, err)
			}
			back, err := CanonicalFromClientSuccess(typ, ClientSuccessValue(typ, c))
			if err != nil || back != c {
				t.Fatalf("%s %q: canonical %q reads back from ClientSuccess as %q, %v", typ, v, c, back, err)
			}
		}
	})
}
