package syncplan

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// HubSpot contact properties that feed ClientSuccess contact fields.
const (
	PropEmail     = "email"
	PropFirstName = "firstname"
	PropLastName  = "lastname"
	PropTitle     = "jobtitle"
	PropPhone     = "phone"
	PropMobile    = "mobilephone"
)

// ContactProperties lists the HubSpot properties FieldsFromHubSpot reads.
var ContactProperties = []string{PropEmail, PropFirstName, PropLastName, PropTitle, PropPhone, PropMobile}

// MaxFieldLength bounds every text field written to ClientSuccess, so a runaway HubSpot value
// is reported instead of being sent (and stored in workflow history) whole.
const MaxFieldLength = 1000

// ContactFields are the ClientSuccess contact fields the sync owns.
type ContactFields struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Title     string `json:"title"`
	Phone     string `json:"phone"`
	Mobile    string `json:"mobile"`
}

// FieldsChanged reports whether writing want over a ClientSuccess record that holds have would
// change it. It is the one comparison of standard contact fields: the update step, the dry run and
// any planner use it, so they agree on what counts as a change. A partial mapping first merges
// the fields it does not feed from the record (mapping.PlanContact), so they never differ here.
func FieldsChanged(have, want ContactFields) bool { return have != want }

// FieldsFromHubSpot maps HubSpot contact properties to ClientSuccess fields, trimming spaces.
func FieldsFromHubSpot(props map[string]string) ContactFields {
	get := func(name string) string { return strings.TrimSpace(props[name]) }
	return ContactFields{
		Email:     get(PropEmail),
		FirstName: get(PropFirstName),
		LastName:  get(PropLastName),
		Title:     get(PropTitle),
		Phone:     get(PropPhone),
		Mobile:    get(PropMobile),
	}
}

// Name is the contact's display name, or its email when it has none.
func (f ContactFields) Name() string {
	if n := strings.TrimSpace(f.FirstName + " " + f.LastName); n != "" {
		return n
	}
	return f.Email
}

// ErrInvalidContact marks contact data that cannot be written to ClientSuccess.
var ErrInvalidContact = errors.New("invalid contact")

// Validate reports why the fields cannot be written, before anything is removed anywhere: a
// contact that could not be created on its new client must not be taken off its old one.
func (f ContactFields) Validate() error {
	if f.Email == "" {
		return fmt.Errorf("%w: no email address", ErrInvalidContact)
	}
	if addr, err := mail.ParseAddress(f.Email); err != nil || addr.Address != f.Email || addr.Name != "" {
		return fmt.Errorf("%w: email %q is not a plain address", ErrInvalidContact, Clip(f.Email, 80))
	}
	for _, field := range []struct{ name, value string }{
		{"email", f.Email}, {"first name", f.FirstName}, {"last name", f.LastName},
		{"title", f.Title}, {"phone", f.Phone}, {"mobile", f.Mobile},
	} {
		if n := len([]rune(field.value)); n > MaxFieldLength {
			return fmt.Errorf("%w: %s is %d characters, more than %d", ErrInvalidContact, field.name, n, MaxFieldLength)
		}
		if strings.IndexFunc(field.value, unicode.IsControl) >= 0 {
			return fmt.Errorf("%w: %s contains control characters", ErrInvalidContact, field.name)
		}
	}
	return nil
}

// Truncated returns a copy whose fields are cut to MaxFieldLength, so an invalid contact can be
// carried in workflow history without a multi-megabyte value.
func (f ContactFields) Truncated() ContactFields {
	return ContactFields{
		Email: Clip(f.Email, MaxFieldLength), FirstName: Clip(f.FirstName, MaxFieldLength),
		LastName: Clip(f.LastName, MaxFieldLength), Title: Clip(f.Title, MaxFieldLength),
		Phone: Clip(f.Phone, MaxFieldLength), Mobile: Clip(f.Mobile, MaxFieldLength),
	}
}

// SameEmail compares addresses as ClientSuccess does: case-insensitively.
func SameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
