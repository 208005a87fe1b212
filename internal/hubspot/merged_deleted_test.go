package hubspot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/fakes/hubspotfake"
)

func TestReadMergedIDAnswersSurvivor(t *testing.T) {
	ctx := context.Background()
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			survivor := e.fake.Merge("512", "513")

			o, err := e.client.GetObject(ctx, "contacts", "513", []string{"email", "hs_merged_object_ids"})
			require.NoError(t, err)
			assert.Equal(t, survivor, o.ID, "asked for 513, answered by the survivor: a merge")
			assert.Equal(t, "bh@hubspot.com", o.Properties["email"])
			assert.Equal(t, "512;513", o.Properties["hs_merged_object_ids"])
			assert.False(t, o.Archived)

			found, missing, err := e.client.BatchReadObjects(ctx, "contacts", []string{"512", "514"}, []string{"email"})
			require.NoError(t, err)
			assert.Empty(t, missing)
			assert.ElementsMatch(t, []string{survivor, "514"}, ids(found))

			updated, err := e.client.UpdateObject(ctx, "contacts", "512", map[string]string{"jobtitle": "CEO"})
			require.NoError(t, err)
			assert.Equal(t, survivor, updated.ID)
		})
	}
}

func TestReadDeletedRecord(t *testing.T) {
	ctx := context.Background()
	for _, fam := range families {
		t.Run(fam, func(t *testing.T) {
			e := newEnv(t, fam, hubspotfake.Options{})
			e.fake.Delete("contacts", "513")

			_, err := e.client.GetObject(ctx, "contacts", "513", nil)
			apiErr(t, err, apierr.NotFound)

			o, err := e.client.GetArchivedObject(ctx, "contacts", "513", []string{"email"})
			require.NoError(t, err)
			assert.Equal(t, "513", o.ID)
			assert.True(t, o.Archived)
			assert.False(t, o.ArchivedAt.IsZero())
			assert.Equal(t, "ds@hubspot.com", o.Properties["email"])
			_, err = e.client.GetArchivedObject(ctx, "contacts", "512", nil)
			apiErr(t, err, apierr.NotFound) // live, so not archived

			e.fake.ResetCounters()
			o, err = e.client.GetObjectIncludingArchived(ctx, "contacts", "513", []string{"email"})
			require.NoError(t, err)
			assert.True(t, o.Archived)
			assert.Equal(t, 2, e.fake.CallsByRoute()[hubspotfake.RouteGetObject], "live first, then archived")
			o, err = e.client.GetObjectIncludingArchived(ctx, "contacts", "512", []string{"email"})
			require.NoError(t, err)
			assert.False(t, o.Archived)
			assert.True(t, o.ArchivedAt.IsZero())
			_, err = e.client.GetObjectIncludingArchived(ctx, "contacts", "424242", nil)
			apiErr(t, err, apierr.NotFound)

			require.True(t, e.fake.Restore("contacts", "513"))
			o, err = e.client.GetObjectIncludingArchived(ctx, "contacts", "513", nil)
			require.NoError(t, err)
			assert.False(t, o.Archived, "restored")
		})
	}
}
