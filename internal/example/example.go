// Package example is the story from the product's help article, as fixtures for both fakes:
// contact Brian Halligan (51) whose "Associated Deal ID" points at deal "Fake First Test" (1001);
// both that deal and "Fake 2nd Test" (1002) exist as ClientSuccess clients 9001 and 9002.
// Client 9001 also holds a contact entered by hand in ClientSuccess, which the sync must not touch.
package example

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/cssync/cssync/internal/fakes/csfake"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

// Ids used by the story.
const (
	ContactID       = "51"
	FirstDealID     = "1001"
	SecondDealID    = "1002"
	FirstClientID   = int64(9001)
	SecondClientID  = int64(9002)
	ManualContactID = int64(700001)
)

var (
	//go:embed hubspot.json
	hubspotJSON []byte
	//go:embed clientsuccess.json
	clientSuccessJSON []byte
)

// HubSpot is the HubSpot side of the example.
func HubSpot() hubspotfake.Fixture {
	var f hubspotfake.Fixture
	mustDecode("hubspot.json", hubspotJSON, &f)
	return f
}

// ClientSuccess is the ClientSuccess side of the example.
func ClientSuccess() csfake.Fixture {
	var f csfake.Fixture
	mustDecode("clientsuccess.json", clientSuccessJSON, &f)
	return f
}

// mustDecode panics on a broken embedded fixture: that is a bug in this package, caught by its test.
func mustDecode(name string, data []byte, v any) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		panic(fmt.Sprintf("example fixture %s: %v", name, err))
	}
}
