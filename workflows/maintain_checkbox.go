package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cssync/cssync/activities"
)

// checkboxWritesPerCall is HubSpot's batch update limit: one ApplyCheckboxChanges step each.
const checkboxWritesPerCall = 100

// CheckboxWorkflowID is the workflow id of a checkbox maintenance run started by hand.
const CheckboxWorkflowID = "maintain-contact-checkbox"

// MaintainContactCheckboxInput configures one run of the checkbox maintainer.
type MaintainContactCheckboxInput struct {
	// DryRun lists the changes without writing anything.
	DryRun bool `json:"dryRun,omitempty"`
	// StepTimeout bounds one attempt of one step; 0 means DefaultStepTimeout.
	StepTimeout time.Duration `json:"stepTimeout,omitempty"`
	// RetryFor bounds how long a step retries transient failures; 0 means DefaultRetryFor.
	RetryFor time.Duration `json:"retryFor,omitempty"`
}

// MaintainContactCheckboxResult lists the contacts whose sync checkbox the run ticked and
// unticked (or, in a dry run, would have).
type MaintainContactCheckboxResult struct {
	Enabled   bool     `json:"enabled"`
	DryRun    bool     `json:"dryRun,omitempty"`
	Rule      string   `json:"rule"`
	Checked   []string `json:"checked,omitempty"`
	Unchecked []string `json:"unchecked,omitempty"`
	Written   int      `json:"written"` // contacts written; 0 in a dry run
}

// MaintainContactCheckbox keeps the contacts' sync checkbox in line with a rule from the
// configuration (HUBSPOT_DEAL_SYNC_PROPERTY / HUBSPOT_COMPANY_SYNC_PROPERTY): checked exactly
// when the contact is associated with a deal or company whose own checkbox is checked. It writes
// only contacts whose value must change, 100 per HubSpot batch update, so a second run writes
// nothing. With neither property configured it does nothing. Safe to run from a schedule.
func MaintainContactCheckbox(ctx workflow.Context, in MaintainContactCheckboxInput) (MaintainContactCheckboxResult, error) {
	var plan activities.CheckboxPlan
	if err := workflow.ExecuteActivity(stepOptions(ctx, in.StepTimeout, in.RetryFor, "plan contact checkbox changes"),
		a.PlanCheckboxChanges).Get(ctx, &plan); err != nil {
		return MaintainContactCheckboxResult{}, err
	}
	res := MaintainContactCheckboxResult{Enabled: plan.Enabled, DryRun: in.DryRun, Rule: plan.Rule,
		Checked: plan.Check, Unchecked: plan.Uncheck}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("%s: tick %d, untick %d", plan.Rule, len(plan.Check), len(plan.Uncheck)))
	if !plan.Enabled || in.DryRun {
		return res, nil
	}
	type write struct{ id, value string }
	all := make([]write, 0, len(plan.Check)+len(plan.Uncheck))
	for _, id := range plan.Check {
		all = append(all, write{id, "true"})
	}
	for _, id := range plan.Uncheck {
		all = append(all, write{id, "false"})
	}
	for start := 0; start < len(all); start += checkboxWritesPerCall {
		chunk := all[start:min(start+checkboxWritesPerCall, len(all))]
		var batch activities.CheckboxWrites
		for _, w := range chunk {
			if w.value == "true" {
				batch.Check = append(batch.Check, w.id)
			} else {
				batch.Uncheck = append(batch.Uncheck, w.id)
			}
		}
		summary := fmt.Sprintf("tick %d and untick %d contacts", len(batch.Check), len(batch.Uncheck))
		if err := workflow.ExecuteActivity(stepOptions(ctx, in.StepTimeout, in.RetryFor, summary), a.ApplyCheckboxChanges, batch).Get(ctx, nil); err != nil {
			return res, err
		}
		res.Written += len(chunk)
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("%s: %d of %d written", plan.Rule, res.Written, len(all)))
	}
	return res, nil
}
