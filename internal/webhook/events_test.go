package webhook

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cssync/cssync/internal/hubspot"
)

var rules = Rules{
	ContactProperties: []string{"sync_w_clientsuccess_contact", "associated_deal_id", "email", "firstname"},
	DealCheckbox:      "sync_deal",
	CompanyCheckbox:   "sync_company",
}

func TestEventsMapToTheSyncsTheyConcern(t *testing.T) {
	assocRules := rules
	assocRules.DealAssociations = true
	companyRules := rules
	companyRules.CompanyClients = true
	maintainer := rules
	maintainer.MaintainCheckbox = true
	for _, tc := range []struct {
		name  string
		rules Rules
		event hubspot.WebhookEvent
		want  action
	}{
		{"deal id", rules, prop("51", "associated_deal_id"), action{result: resultContact, contact: "51"}},
		{"checkbox", rules, prop("51", "sync_w_clientsuccess_contact"), action{result: resultContact, contact: "51"}},
		{"mapped property", rules, prop("51", "firstname"), action{result: resultContact, contact: "51"}},
		{"property no sync reads", rules, prop("51", "hs_lead_status"), action{result: resultIgnored}},
		{"creation", rules, kind("contact.creation", "51"), action{result: resultContact, contact: "51"}},
		{"deletion", rules, kind("contact.deletion", "51"), action{result: resultContact, contact: "51"}},
		{"GDPR deletion", rules, kind("contact.privacyDeletion", "51"), action{result: resultContact, contact: "51"}},
		{"restore", rules, kind("contact.restore", "51"), action{result: resultContact, contact: "51"}},
		{"no object id", rules, kind("contact.creation", ""), action{result: resultInvalid}},
		{"object id not a record id", rules, kind("contact.creation", "51x"), action{result: resultInvalid}},
		{"merge", rules, hubspot.WebhookEvent{SubscriptionType: "contact.merge", ObjectID: "53", NewObjectID: "53",
			PrimaryObjectID: "51", MergedObjectIDs: []hubspot.WebhookID{"52", "51"}},
			action{result: resultContact, contact: "53", merged: []string{"51", "52"}}},
		{"merge into the primary's id", rules, hubspot.WebhookEvent{SubscriptionType: "contact.merge", ObjectID: "51",
			PrimaryObjectID: "51", MergedObjectIDs: []hubspot.WebhookID{"52"}},
			action{result: resultContact, contact: "51", merged: []string{"52"}}},
		{"deal association, associations resolver", assocRules, assoc("CONTACT_TO_DEAL", "51", "1002"),
			action{result: resultContact, contact: "51"}},
		{"deal association, reverse direction", assocRules, assoc("DEAL_TO_CONTACT", "1002", "51"), action{result: resultContact, contact: "51"}},
		{"deal association, property resolver", rules, assoc("CONTACT_TO_DEAL", "51", "1002"), action{result: resultIgnored}},
		{"company association, company clients", companyRules, assoc("CONTACT_TO_COMPANY", "51", "7"),
			action{result: resultContact, contact: "51"}},
		{"company association, deal clients", assocRules, assoc("CONTACT_TO_COMPANY", "51", "7"), action{result: resultIgnored}},
		{"deal to company", assocRules, assoc("DEAL_TO_COMPANY", "1002", "7"), action{result: resultIgnored}},
		{"association without a type", assocRules, assoc("", "51", "7"), action{result: resultInvalid}},
		{"deal checkbox", rules, dealProp("deal.propertyChange", "sync_deal"), action{result: resultClients, clients: true}},
		{"deal checkbox with the maintainer", maintainer, dealProp("deal.propertyChange", "sync_deal"),
			action{result: resultClients, clients: true, checkbox: true}},
		{"other deal property", rules, dealProp("deal.propertyChange", "dealname"), action{result: resultIgnored}},
		{"company checkbox, deal clients", rules, dealProp("company.propertyChange", "sync_company"), action{result: resultIgnored}},
		{"company checkbox, deal clients, maintainer", maintainer, dealProp("company.propertyChange", "sync_company"),
			action{result: resultClients, checkbox: true}},
		{"company checkbox, company clients", companyRules, dealProp("company.propertyChange", "sync_company"),
			action{result: resultClients, clients: true}},
		{"unknown type", rules, kind("ticket.creation", "9"), action{result: resultUnknown}},
		{"deal creation", rules, kind("deal.creation", "9"), action{result: resultUnknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.rules.actionFor(tc.event))
		})
	}
}

func prop(id, name string) hubspot.WebhookEvent {
	return hubspot.WebhookEvent{SubscriptionType: "contact.propertyChange", ObjectID: hubspot.WebhookID(id),
		PropertyName: name, PropertyValue: "v"}
}

func kind(typ, id string) hubspot.WebhookEvent {
	return hubspot.WebhookEvent{SubscriptionType: typ, ObjectID: hubspot.WebhookID(id)}
}

func assoc(typ, from, to string) hubspot.WebhookEvent {
	return hubspot.WebhookEvent{SubscriptionType: "contact.associationChange", AssociationType: typ,
		FromObjectID: hubspot.WebhookID(from), ToObjectID: hubspot.WebhookID(to)}
}

func dealProp(typ, name string) hubspot.WebhookEvent {
	return hubspot.WebhookEvent{SubscriptionType: typ, ObjectID: "1002", PropertyName: name, PropertyValue: "true"}
}
