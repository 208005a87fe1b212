package clientsuccess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/clientsuccess"
	"github.com/cssync/cssync/internal/fakes/csfake"
)

// bodyRecorder serves a fake and keeps the body of every request that has one.
type bodyRecorder struct {
	fake   *csfake.Server
	mu     sync.Mutex
	bodies map[string][]byte // "METHOD path" -> the last body sent
}

func (b *bodyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	b.mu.Lock()
	b.bodies[r.Method+" "+r.URL.Path] = data
	b.mu.Unlock()
	b.fake.ServeHTTP(w, r)
}

func (b *bodyRecorder) sent(t *testing.T, route string) map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b.bodies[route], &m), "%s: %s", route, b.bodies[route])
	return m
}

// richContact is a contact with fields the client does not type, seeded on client 10.
func richContact() clientsuccess.Contact {
	return clientsuccess.Contact{ID: 100, ClientID: 10, Email: "ann@acme.com", FirstName: "Ann", LastName: "Lee", ExternalID: "hs-1",
		StatusID: ptr(5), Champion: true, CustomFieldValues: []clientsuccess.CustomFieldValue{{FieldID: 1, Value: json.RawMessage(`"blue"`)}},
		Extra: map[string]json.RawMessage{"linkedinUrl": json.RawMessage(`"https://linkedin.com/in/ann"`), "note": json.RawMessage(`"VIP"`),
			"advocate": json.RawMessage(`true`), "zip": json.RawMessage(`"02139"`), "addedLater": json.RawMessage(`{"x":[1,null]}`)}}
}

func TestUpdateSendsBackEveryFieldRead(t *testing.T) {
	ctx := context.Background()
	fake := csfake.New(csfake.Options{Username: user, Password: pass})
	fake.Seed(csfake.Fixture{
		Clients:             []clientsuccess.Client{{ID: 10, Name: "Acme"}, {ID: 20, Name: "Globex"}},
		Contacts:            []clientsuccess.Contact{richContact()},
		ContactCustomFields: []clientsuccess.CustomField{{ID: 1, Name: "color", Label: "Color", Type: "STRING"}},
	})
	rec := &bodyRecorder{fake: fake, bodies: map[string][]byte{}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	api := clientsuccess.New(clientsuccess.Config{BaseURL: srv.URL + "/v1", Username: user, Password: pass})

	read, ok := fake.ContactFields(100)
	require.True(t, ok)
	c, err := api.GetContact(ctx, 10, 100)
	require.NoError(t, err)
	c.Title = "CEO"
	_, err = api.UpdateContact(ctx, 10, *c)
	require.NoError(t, err)

	sent := rec.sent(t, "PUT /v1/clients/10/contacts/100/details")
	assert.ElementsMatch(t, slices.Collect(maps.Keys(read)), slices.Collect(maps.Keys(sent)), "every field read is sent back")
	for k, v := range read {
		if k != "title" {
			assert.Equal(t, v, sent[k], "%s is sent back as read", k)
		}
	}
	after, _ := fake.ContactFields(100)
	read["title"] = "CEO"
	assert.Equal(t, read, after, "only the title changed")

	// A move: the new record on another client carries every field but the server-managed ones.
	moved, err := api.CreateContact(ctx, 20, c.ForCreate())
	require.NoError(t, err)
	created, _ := fake.ContactFields(moved.ID)
	assert.NotEqual(t, after["uuid"], created["uuid"])
	assert.EqualValues(t, 20, created["clientId"])
	for k, v := range after {
		switch k {
		case "id", "uuid", "clientId":
		default:
			assert.Equal(t, v, created[k], "%s is carried to the new record", k)
		}
	}
}
