package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cssync/cssync/internal/syncplan"
)

// Direction says which way a mapped value flows.
type Direction string

const (
	ToClientSuccess Direction = "to_clientsuccess" // HubSpot feeds ClientSuccess
	ToHubSpot       Direction = "to_hubspot"       // ClientSuccess feeds HubSpot
	Both            Direction = "both"             // two-way; Owner wins a conflict
)

// Owner is the system whose value wins when a two-way field differs on both sides.
type Owner string

const (
	OwnerHubSpot       Owner = "hubspot"
	OwnerClientSuccess Owner = "clientsuccess"
)

// Standard ClientSuccess contact fields a mapping may name (JSON names of the contact API).
const (
	FieldEmail     = "email"
	FieldFirstName = "firstName"
	FieldLastName  = "lastName"
	FieldTitle     = "title"
	FieldPhone     = "phone"
	FieldMobile    = "mobile"
)

var standardFields = []string{FieldEmail, FieldFirstName, FieldLastName, FieldTitle, FieldPhone, FieldMobile}

// Field maps one HubSpot contact property to one ClientSuccess contact field: a standard field
// (ClientSuccess) or a custom field named by its label (Custom), never both.
type Field struct {
	HubSpot       string    `yaml:"hubspot"`
	ClientSuccess string    `yaml:"clientsuccess,omitempty"`
	Custom        string    `yaml:"custom,omitempty"`
	Direction     Direction `yaml:"direction"`
	Owner         Owner     `yaml:"owner,omitempty"`
}

// Target names the ClientSuccess side for messages.
func (f Field) Target() string {
	if f.Custom != "" {
		return fmt.Sprintf("ClientSuccess custom field %q", f.Custom)
	}
	return fmt.Sprintf("ClientSuccess field %q", f.ClientSuccess)
}

// StatusMapping maps a HubSpot contact enumeration property to the ClientSuccess contact's
// statusId. Values are carried case-safely by ResolveOption and ResolveStatus.
type StatusMapping struct {
	HubSpot   string    `yaml:"hubspot"`
	Direction Direction `yaml:"direction"`
	Owner     Owner     `yaml:"owner,omitempty"`
}

// File is the field mapping file (FIELD_MAPPING_FILE).
type File struct {
	Fields []Field        `yaml:"fields"`
	Status *StatusMapping `yaml:"status,omitempty"`
}

// Default is the built-in mapping, the one the sync has always used: six HubSpot contact
// properties feed the standard ClientSuccess contact fields, one way, and no status is synced.
func Default() File {
	f := func(hs, cs string) Field { return Field{HubSpot: hs, ClientSuccess: cs, Direction: ToClientSuccess} }
	return File{Fields: []Field{
		f(syncplan.PropEmail, FieldEmail),
		f(syncplan.PropFirstName, FieldFirstName),
		f(syncplan.PropLastName, FieldLastName),
		f(syncplan.PropTitle, FieldTitle),
		f(syncplan.PropPhone, FieldPhone),
		f(syncplan.PropMobile, FieldMobile),
	}}
}

// Parse reads a mapping file. Unknown keys are errors (a misspelt key must not be ignored), and
// so is anything Check rejects; every message names the entry.
func Parse(data []byte) (File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return File{}, errors.New("the mapping file is empty")
		}
		return File{}, err
	}
	return f, f.Check()
}

// Check validates the mapping on its own, without the APIs: directions and owners are known
// words, a two-way entry has an owner (and only it), each entry names exactly one ClientSuccess
// field, no field is fed twice, and email is mapped from HubSpot (it identifies the contact).
func (f File) Check() error {
	if len(f.Fields) == 0 {
		return errors.New("fields: at least the email mapping is required")
	}
	seenCS := map[string]bool{}
	seenHSWrite := map[string]bool{}
	for i, fd := range f.Fields {
		where := fmt.Sprintf("fields[%d] (hubspot %q)", i, fd.HubSpot)
		if strings.TrimSpace(fd.HubSpot) == "" || fd.HubSpot != strings.TrimSpace(fd.HubSpot) {
			return fmt.Errorf("fields[%d]: hubspot must be a property name without surrounding spaces, got %q", i, fd.HubSpot)
		}
		switch {
		case fd.ClientSuccess == "" && strings.TrimSpace(fd.Custom) == "":
			return fmt.Errorf("%s: set clientsuccess (one of %s) or custom (a custom field label)", where, strings.Join(standardFields, ", "))
		case fd.ClientSuccess != "" && fd.Custom != "":
			return fmt.Errorf("%s: set clientsuccess or custom, not both", where)
		case fd.ClientSuccess != "" && !contains(standardFields, fd.ClientSuccess):
			return fmt.Errorf("%s: clientsuccess %q is not a standard contact field (one of %s); name custom fields with custom", where, fd.ClientSuccess, strings.Join(standardFields, ", "))
		}
		if err := checkDirection(where, fd.Direction, fd.Owner); err != nil {
			return err
		}
		key := "std:" + fd.ClientSuccess
		if fd.Custom != "" {
			key = "custom:" + strings.ToLower(strings.TrimSpace(fd.Custom))
		}
		if seenCS[key] {
			return fmt.Errorf("%s: %s is mapped twice", where, fd.Target())
		}
		seenCS[key] = true
		if fd.Direction != ToClientSuccess {
			if seenHSWrite[fd.HubSpot] {
				return fmt.Errorf("%s: HubSpot property %q is written from two ClientSuccess fields", where, fd.HubSpot)
			}
			seenHSWrite[fd.HubSpot] = true
		}
		if fd.ClientSuccess == FieldEmail && fd.Direction != ToClientSuccess {
			return fmt.Errorf("%s: email identifies the contact and must be direction %s", where, ToClientSuccess)
		}
	}
	if !seenCS["std:"+FieldEmail] {
		return fmt.Errorf("fields: no entry maps a HubSpot property to clientsuccess %q; the sync needs it", FieldEmail)
	}
	if s := f.Status; s != nil {
		if strings.TrimSpace(s.HubSpot) == "" || s.HubSpot != strings.TrimSpace(s.HubSpot) {
			return fmt.Errorf("status: hubspot must be a property name without surrounding spaces, got %q", s.HubSpot)
		}
		if err := checkDirection(fmt.Sprintf("status (hubspot %q)", s.HubSpot), s.Direction, s.Owner); err != nil {
			return err
		}
		if seenHSWrite[s.HubSpot] && s.Direction != ToClientSuccess {
			return fmt.Errorf("status: HubSpot property %q is also written by a field mapping", s.HubSpot)
		}
	}
	return nil
}

func checkDirection(where string, d Direction, o Owner) error {
	switch d {
	case ToClientSuccess, ToHubSpot:
		if o != "" {
			return fmt.Errorf("%s: owner is only for direction %s", where, Both)
		}
	case Both:
		if o != OwnerHubSpot && o != OwnerClientSuccess {
			return fmt.Errorf("%s: direction %s needs owner %s or %s (the side that wins a conflict), got %q", where, Both, OwnerHubSpot, OwnerClientSuccess, o)
		}
	default:
		return fmt.Errorf("%s: direction must be %s, %s or %s, got %q", where, ToClientSuccess, ToHubSpot, Both, d)
	}
	return nil
}

// HubSpotProperties lists the contact properties the mapping reads or writes, in file order,
// each once.
func (f File) HubSpotProperties() []string {
	var out []string
	for _, fd := range f.Fields {
		if !contains(out, fd.HubSpot) {
			out = append(out, fd.HubSpot)
		}
	}
	if f.Status != nil && !contains(out, f.Status.HubSpot) {
		out = append(out, f.Status.HubSpot)
	}
	return out
}

// ContactFields maps HubSpot contact properties to the standard ClientSuccess fields that flow
// from HubSpot (direction to_clientsuccess, or both with HubSpot as the owner), trimming spaces.
// With Default it gives exactly what syncplan.FieldsFromHubSpot gives.
func (f File) ContactFields(props map[string]string) syncplan.ContactFields {
	var out syncplan.ContactFields
	for _, fd := range f.Fields {
		if fd.Custom != "" || !fd.fromHubSpot() {
			continue
		}
		setStandardField(&out, fd.ClientSuccess, strings.TrimSpace(props[fd.HubSpot]))
	}
	return out
}

func (fd Field) fromHubSpot() bool {
	return fd.Direction == ToClientSuccess || (fd.Direction == Both && fd.Owner == OwnerHubSpot)
}

// Unmapped lists the standard ClientSuccess fields no entry feeds from HubSpot, in the order
// email, firstName, lastName, title, phone, mobile.
func (f File) Unmapped() []string {
	var out []string
	for _, name := range standardFields {
		fed := false
		for _, fd := range f.Fields {
			if fd.ClientSuccess == name && fd.fromHubSpot() {
				fed = true
			}
		}
		if !fed {
			out = append(out, name)
		}
	}
	return out
}
