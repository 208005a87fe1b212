package preflight

import (
	"context"
	"errors"
	"fmt"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/hubspot"
	"github.com/cssync/cssync/internal/logging"
)

// checkHubSpot searches each object type the sync reads for one record, which proves the base
// URL, the token and its read scopes in a few calls, then reads the configured properties.
func checkHubSpot(ctx context.Context, d Deps) Report {
	var r Report
	for i, typ := range objectTypes(d.Config.HubSpot) {
		if _, err := d.HubSpot.Search(ctx, typ, hubspot.SearchRequest{Limit: 1}); err != nil {
			r.Problems = append(r.Problems, hubspotProblem(err, d.Config.HubSpot.BaseURL, typ))
			if i == 0 {
				return r // the base URL or the token is wrong: every other call fails alike
			}
		}
	}
	if !r.OK() {
		return r
	}
	for _, need := range propertiesNeeded(d.Config.HubSpot) {
		if p := need.check(ctx, d.HubSpot, d.Config.HubSpot.BaseURL); p != nil {
			r.Problems = append(r.Problems, *p)
		}
	}
	return r
}

// objectTypes are the object types the sync reads, contacts first.
func objectTypes(h config.HubSpot) []string {
	types := []string{"contacts"}
	if h.ClientSource == "deals" || h.DealSyncProperty != "" {
		types = append(types, "deals")
	}
	if h.ClientSource == "companies" || h.CompanySyncProperty != "" {
		types = append(types, "companies")
	}
	return types
}

// hubspotProblem says which setting an unsuccessful HubSpot call points at.
func hubspotProblem(err error, baseURL, objectType string) Problem {
	var e *apierr.Error
	if !errors.As(err, &e) {
		return Problem{"HUBSPOT_BASE_URL", fmt.Sprintf("cannot reach HubSpot at %s: %s", baseURL, logging.Line(err)), true}
	}
	switch {
	case e.Kind == apierr.NotFound:
		return Problem{"HUBSPOT_BASE_URL", fmt.Sprintf("%s answers 404 to %s %s: it is not HubSpot's API root "+
			"(use https://api.hubapi.com, without /api, /crm or a version)", baseURL, e.Method, e.Path), false}
	case e.Kind == apierr.Auth && e.StatusCode == 403:
		return Problem{"HUBSPOT_TOKEN",
			fmt.Sprintf("the token may not read %s (scope crm.objects.%s.read): %s", objectType, objectType, e.Message), false}
	case e.Kind == apierr.Auth:
		return Problem{"HUBSPOT_TOKEN", fmt.Sprintf("HubSpot rejected the token (HTTP %d): %s", e.StatusCode, e.Message), false}
	case e.Kind == apierr.Decode:
		return Problem{"HUBSPOT_BASE_URL", fmt.Sprintf("%s answers, but not like HubSpot's API: %s", baseURL, e.Message), false}
	case e.Retryable():
		return Problem{"HUBSPOT_BASE_URL", fmt.Sprintf("HubSpot at %s is not answering normally: %s", baseURL, e), true}
	}
	return Problem{"HUBSPOT_BASE_URL", fmt.Sprintf("%s refused %s %s: %s", baseURL, e.Method, e.Path, e), false}
}

// property is a HubSpot property a setting names, and what it must be.
type property struct {
	setting, objectType, name string
	checkbox                  bool // a single checkbox
	dealID                    bool // holds a deal id: text or a number
	writable                  bool // the worker writes it
}

// propertiesNeeded lists the properties the settings name, for the features they turn on.
func propertiesNeeded(h config.HubSpot) []property {
	needs := []property{{setting: "HUBSPOT_SYNC_PROPERTY", objectType: "contacts", name: h.SyncProperty, checkbox: true}}
	if h.ClientSource == "deals" && (h.DealResolver == "property" || h.WriteBack()) {
		needs = append(needs, property{setting: "HUBSPOT_DEAL_ID_PROPERTY", objectType: "contacts", name: h.DealIDProperty,
			dealID: true, writable: h.WriteBack()})
	}
	if h.DealSyncProperty != "" {
		needs = append(needs, property{setting: "HUBSPOT_DEAL_SYNC_PROPERTY", objectType: "deals", name: h.DealSyncProperty, checkbox: true})
	}
	if h.CompanySyncProperty != "" {
		needs = append(needs, property{setting: "HUBSPOT_COMPANY_SYNC_PROPERTY", objectType: "companies",
			name: h.CompanySyncProperty, checkbox: true})
	}
	if h.ClientStatusProperty != "" {
		needs = append(needs, property{setting: "HUBSPOT_CLIENT_STATUS_PROPERTY", objectType: h.ClientSource, name: h.ClientStatusProperty})
	}
	return needs
}

// check reads the property's definition; nil when it is fit for its setting.
func (need property) check(ctx context.Context, hs *hubspot.Client, baseURL string) *Problem {
	kind := need.objectType[:len(need.objectType)-1] // contact, deal, company
	if need.objectType == "companies" {
		kind = "company"
	}
	def, err := hs.GetProperty(ctx, need.objectType, need.name)
	fail := func(format string, args ...any) *Problem {
		return &Problem{Setting: need.setting, Message: fmt.Sprintf("HubSpot %s property %q ", kind, need.name) + fmt.Sprintf(format, args...)}
	}
	switch {
	case apierr.Is(err, apierr.NotFound):
		return fail("does not exist")
	case apierr.Is(err, apierr.Auth):
		return &Problem{Setting: "HUBSPOT_TOKEN", Message: fmt.Sprintf("the token may not read %s property definitions: %v", kind, err)}
	case err != nil:
		p := hubspotProblem(err, baseURL, need.objectType)
		return &p
	case need.checkbox && def.Type != "bool" && def.FieldType != "booleancheckbox":
		return fail("is of type %s (%s), not a single checkbox", def.Type, def.FieldType)
	case need.dealID && def.Type != "string" && def.Type != "number":
		return fail("is of type %s; it must hold a deal id (string or number)", def.Type)
	case need.writable && def.ReadOnlyValue():
		return fail("is read-only (HubSpot sets it), so WRITE_BACK_DEAL_ID=true cannot write it")
	}
	return nil
}
