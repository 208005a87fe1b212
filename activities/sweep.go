package activities

import (
	"context"
	"slices"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/hubspot"
)

// maxSweptListed bounds the ids a sweep names in each list; the rest are only counted.
const maxSweptListed = 200

// SweepResult is what a full run found in its census that no checked contact accounted for.
type SweepResult struct {
	// Merged are ids HubSpot merged into a surviving contact: their records are the survivor's,
	// for the survivor's sync to fold in.
	Merged []MergedRecords `json:"merged,omitempty"`
	// Deleted are ids HubSpot no longer has (deleted, or never there), with their records.
	Deleted []OrphanRecords `json:"deleted,omitempty"`
	// DeletedCount counts them all (Deleted names the first maxSweptListed).
	DeletedCount int `json:"deletedCount,omitempty"`
	// Unchecked counts contacts whose sync checkbox is not checked but who have records: left alone.
	Unchecked int `json:"unchecked,omitempty"`
	// RemoveDeleted says deleted contacts' records are to be removed (DELETED_CONTACTS=remove).
	RemoveDeleted bool `json:"removeDeleted,omitempty"`
}

// MergedRecords are the records of an id HubSpot merged into Survivor.
type MergedRecords struct {
	ID       string     `json:"id"`
	Survivor string     `json:"survivor"`
	Records  []Location `json:"records"`
}

// OrphanRecords are the records of a HubSpot contact that no longer exists.
type OrphanRecords struct {
	ID      string     `json:"id"`
	Records []Location `json:"records"`
}

// SweepCensus looks up, in HubSpot, the owners of the census's records that no page of the run
// accounted for: contacts merged into another, deleted, or unchecked. It reads them in batches of a
// hundred, and one by one only those the batch read does not answer under their own id. It only
// reads; the batch decides what to sync.
func (a *Activities) SweepCensus(ctx context.Context, in CensusInput) (SweepResult, error) {
	res := SweepResult{RemoveDeleted: a.RemoveDeleted}
	c, ok := a.Censuses.get(in.Run)
	if !ok {
		return res, nil // nothing to sweep: the batch took no census on this worker
	}
	unseen := c.unseen()
	ids := make([]string, 0, len(unseen))
	for id := range unseen {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareIDs)
	objs, err := retried(ctx, func() ([]hubspot.Object, error) {
		objs, _, err := a.HubSpot.BatchReadObjects(ctx, "contacts", ids, []string{a.Properties.SyncCheckbox})
		return objs, err
	})
	if err != nil {
		return SweepResult{}, toTemporal(err)
	}
	answered := map[string]bool{}
	for _, o := range objs {
		answered[o.ID] = true
		if !checked(o.Properties[a.Properties.SyncCheckbox]) {
			res.Unchecked++ // checked since the listing, or listed late: the next run sees it
		}
	}
	for _, id := range ids {
		if answered[id] {
			continue
		}
		obj, err := retried(ctx, func() (*hubspot.Object, error) {
			return a.HubSpot.GetObject(ctx, "contacts", id, []string{"hs_object_id"})
		})
		switch {
		case apierr.Is(err, apierr.NotFound):
			res.DeletedCount++
			if len(res.Deleted) < maxSweptListed {
				res.Deleted = append(res.Deleted, OrphanRecords{ID: id, Records: unseen[id]})
			}
		case err != nil:
			return SweepResult{}, toTemporal(err)
		case obj.ID != id && len(res.Merged) < maxSweptListed:
			res.Merged = append(res.Merged, MergedRecords{ID: id, Survivor: obj.ID, Records: unseen[id]})
		}
	}
	return res, nil
}
