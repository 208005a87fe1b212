package hubspotfake

import (
	"net/http"
	"regexp"
	"slices"
)

// standardProperties are defined for every object type, whatever the fixture defines.
var standardProperties = map[string]Property{
	"email":               {Name: "email", Label: "Email", Type: "string", FieldType: "text"},
	"firstname":           {Name: "firstname", Label: "First Name", Type: "string", FieldType: "text"},
	"lastname":            {Name: "lastname", Label: "Last Name", Type: "string", FieldType: "text"},
	"jobtitle":            {Name: "jobtitle", Label: "Job Title", Type: "string", FieldType: "text"},
	"phone":               {Name: "phone", Label: "Phone Number", Type: "string", FieldType: "phonenumber"},
	"mobilephone":         {Name: "mobilephone", Label: "Mobile Phone Number", Type: "string", FieldType: "phonenumber"},
	"company":             {Name: "company", Label: "Company Name", Type: "string", FieldType: "text"},
	"dealname":            {Name: "dealname", Label: "Deal Name", Type: "string", FieldType: "text"},
	"name":                {Name: "name", Label: "Company name", Type: "string", FieldType: "text"},
	"domain":              {Name: "domain", Label: "Company Domain Name", Type: "string", FieldType: "text"},
	"hs_object_id":        {Name: "hs_object_id", Label: "Record ID", Type: "number", FieldType: "number"},
	"createdate":          {Name: "createdate", Label: "Create Date", Type: "datetime", FieldType: "date"},
	"lastmodifieddate":    {Name: "lastmodifieddate", Label: "Last Modified Date", Type: "datetime", FieldType: "date"},
	"hs_lastmodifieddate": {Name: "hs_lastmodifieddate", Label: "Last Modified Date", Type: "datetime", FieldType: "date"},
}

// propertyDef is the definition of a property of typ: the fixture's, else a standard one, else
// nil. Call with s.mu held.
func (s *Server) propertyDef(typ, name string) *Property {
	if d := s.defs[typ][name]; d != nil {
		return d
	}
	if d, ok := standardProperties[name]; ok {
		d.GroupName = singular(typ) + "information"
		return &d
	}
	return nil
}

func renderProperty(d *Property) map[string]any {
	opts := d.Options
	if opts == nil {
		opts = []Option{}
	}
	_, standard := standardProperties[d.Name]
	return map[string]any{
		"name":            d.Name,
		"label":           d.Label,
		"type":            d.Type,
		"fieldType":       d.FieldType,
		"groupName":       d.GroupName,
		"options":         opts,
		"description":     "",
		"displayOrder":    -1,
		"calculated":      d.Calculated,
		"externalOptions": false,
		"hasUniqueValue":  d.Name == "email",
		"hidden":          false,
		"formField":       true,
		"archived":        false,
		"modificationMetadata": map[string]any{
			"archivable": !standard, "readOnlyDefinition": standard, "readOnlyValue": readOnly[d.Name] || d.ReadOnlyValue(),
		},
	}
}

func (s *Server) getProperty(w http.ResponseWriter, r *http.Request) {
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	name := r.PathValue("name")
	s.mu.Lock()
	d := s.propertyDef(typ, name)
	var body map[string]any
	if d != nil {
		body = renderProperty(d)
	}
	s.mu.Unlock()
	if d == nil {
		s.writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find property "+name+" on "+singular(typ)+" objects", nil)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

var (
	propertyName   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	propertyTypes  = []string{"bool", "date", "datetime", "enumeration", "number", "phone_number", "string"}
	propertyFields = []string{"booleancheckbox", "calculation_equation", "checkbox", "date", "file", "html", "number", "phonenumber", "radio", "select", "text", "textarea"}
)

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request) {
	typ, ok := s.pathType(w, r.PathValue("type"))
	if !ok {
		return
	}
	var d Property
	if !s.decodeBody(w, r, &d) {
		return
	}
	switch {
	case !propertyName.MatchString(d.Name):
		s.validationError(w, "Property name %q is invalid: use lower-case letters, digits and underscores, starting with a letter.", d.Name)
		return
	case d.Label == "" || d.GroupName == "":
		s.validationError(w, "label and groupName are required.")
		return
	case !slices.Contains(propertyTypes, d.Type):
		s.validationError(w, "type %q is not one of %v", d.Type, propertyTypes)
		return
	case !slices.Contains(propertyFields, d.FieldType):
		s.validationError(w, "fieldType %q is not one of %v", d.FieldType, propertyFields)
		return
	}
	d.Options = slices.Clone(d.Options)
	s.mu.Lock()
	if s.propertyDef(typ, d.Name) != nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusConflict, "OBJECT_ALREADY_EXISTS", "A property named '"+d.Name+"' already exists.", nil)
		return
	}
	if s.defs[typ] == nil {
		s.defs[typ] = map[string]*Property{}
	}
	s.defs[typ][d.Name] = &d
	s.writes++
	body := renderProperty(&d)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}
