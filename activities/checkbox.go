package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/syncplan"
)

// CheckboxPlan is what MaintainContactCheckbox would change: contacts whose sync checkbox the
// rule says must be ticked, and contacts ticked now that the rule no longer covers.
type CheckboxPlan struct {
	// Enabled is false when no deal or company checkbox is configured; nothing is planned then.
	Enabled bool     `json:"enabled"`
	Rule    string   `json:"rule"`
	Check   []string `json:"check,omitempty"`
	Uncheck []string `json:"uncheck,omitempty"`
}

// PlanCheckboxChanges applies the rule "a contact is checked exactly when it is associated with
// a deal (or company) whose own sync checkbox is checked": it lists the checked deals and
// companies, reads their contacts with the batch associations endpoint, lists the contacts
// checked now, and returns the difference. It only reads.
func (a *Activities) PlanCheckboxChanges(ctx context.Context) (CheckboxPlan, error) {
	var plan CheckboxPlan
	var want, rules []string
	for _, r := range []struct{ typ, prop string }{
		{"deals", a.Properties.DealSyncCheckbox},
		{"companies", a.Properties.CompanySyncCheckbox},
	} {
		if r.prop == "" {
			continue
		}
		plan.Enabled = true
		rules = append(rules, fmt.Sprintf("%s with %s checked", r.typ, r.prop))
		ids, err := a.checkedIDs(ctx, r.typ, r.prop)
		if err != nil {
			return CheckboxPlan{}, toTemporal(err)
		}
		if len(ids) == 0 {
			continue
		}
		assocs, err := a.HubSpot.BatchReadAssociations(ctx, r.typ, "contacts", ids)
		if err != nil {
			return CheckboxPlan{}, toTemporal(err)
		}
		for _, id := range ids {
			for _, c := range assocs[id] {
				want = append(want, c.ToObjectID)
			}
		}
	}
	if !plan.Enabled {
		plan.Rule = "off: set HUBSPOT_DEAL_SYNC_PROPERTY or HUBSPOT_COMPANY_SYNC_PROPERTY to turn it on"
		return plan, nil
	}
	plan.Rule = fmt.Sprintf("%s is checked exactly when the contact is associated with %s",
		a.Properties.SyncCheckbox, strings.Join(rules, " or "))
	checked, err := a.checkedIDs(ctx, "contacts", a.Properties.SyncCheckbox)
	if err != nil {
		return CheckboxPlan{}, toTemporal(err)
	}
	plan.Check, plan.Uncheck = syncplan.CheckboxChanges(want, checked)
	return plan, nil
}

// checkedIDs lists every record of objectType whose single checkbox prop is checked, in id order.
func (a *Activities) checkedIDs(ctx context.Context, objectType, prop string) ([]string, error) {
	groups := []hubspot.FilterGroup{{Filters: []hubspot.Filter{{PropertyName: prop, Operator: "EQ", Value: "true"}}}}
	var ids []string
	after := ""
	for {
		objs, next, err := a.HubSpot.SearchAfterID(ctx, objectType, groups, []string{"hs_object_id"}, after, hubspot.MaxSearchLimit)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			ids = append(ids, o.ID)
		}
		if next == "" {
			return ids, nil
		}
		after = next
	}
}

// CheckboxWrites is one batch of contacts to tick and untick (at most 100 in all).
type CheckboxWrites struct {
	Check   []string `json:"check,omitempty"`
	Uncheck []string `json:"uncheck,omitempty"`
}

// ApplyCheckboxChanges writes the contacts' sync checkbox in one HubSpot batch update. Setting a
// value it already has changes nothing, so a retry is safe.
func (a *Activities) ApplyCheckboxChanges(ctx context.Context, in CheckboxWrites) error {
	inputs := make([]hubspot.BatchUpdateInput, 0, len(in.Check)+len(in.Uncheck))
	for _, id := range in.Check {
		inputs = append(inputs, hubspot.BatchUpdateInput{ID: id, Properties: map[string]string{a.Properties.SyncCheckbox: "true"}})
	}
	for _, id := range in.Uncheck {
		inputs = append(inputs, hubspot.BatchUpdateInput{ID: id, Properties: map[string]string{a.Properties.SyncCheckbox: "false"}})
	}
	if len(inputs) == 0 {
		return nil
	}
	err := a.HubSpot.BatchUpdateObjects(ctx, "contacts", inputs)
	if apierr.Is(err, apierr.NotFound) {
		return nil // contacts deleted since the plan: nothing left to write
	}
	return toTemporal(err)
}
