package awssim

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

func init() { register(newSSM) }

// ssmState is Systems Manager Parameter Store state per region. Wire format: awsJson1_1,
// X-Amz-Target AmazonSSM.<Op>, PascalCase member names (Name, Value, Overwrite, ...) as in
// the SDK's service/ssm/schemas.
type ssmState struct {
	Regions map[string]*ssmRegion `json:"regions"`
	sim     *Sim
}

type ssmRegion struct {
	Parameters map[string]*ssmParameter `json:"parameters"`
}

type ssmParameter struct {
	Name         string            `json:"name"`
	Type         string            `json:"type"`
	Value        string            `json:"value"`
	Description  string            `json:"description,omitempty"`
	DataType     string            `json:"dataType"`
	Tier         string            `json:"tier"`
	Version      int64             `json:"version"`
	LastModified time.Time         `json:"lastModified"`
	Tags         map[string]string `json:"tags,omitempty"`
}

func newSSM(sim *Sim) *Service {
	s := &ssmState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "ssm",
		Protocol:     JSON11,
		TargetPrefix: "AmazonSSM",
		State:        s,
		Ops: map[string]Op{
			"PutParameter":           s.putParameter,
			"GetParameter":           s.getParameter,
			"GetParameters":          s.getParameters,
			"GetParametersByPath":    s.getParametersByPath,
			"DescribeParameters":     s.describeParameters,
			"DeleteParameter":        s.deleteParameter,
			"AddTagsToResource":      s.addTagsToResource,
			"RemoveTagsFromResource": s.removeTagsFromResource,
			"ListTagsForResource":    s.listTagsForResource,
		},
	}
}

func (s *ssmState) Reset() { s.Regions = map[string]*ssmRegion{} }

func (s *ssmState) region(c *Call) *ssmRegion {
	r, ok := s.Regions[c.Region]
	if !ok {
		r = &ssmRegion{}
		s.Regions[c.Region] = r
	}
	if r.Parameters == nil {
		r.Parameters = map[string]*ssmParameter{}
	}
	return r
}

func (s *ssmState) Live(time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		params := s.Regions[region].Parameters
		for _, name := range slices.Sorted(maps.Keys(params)) {
			out = append(out, Resource{Service: "ssm", Type: "parameter", ID: name, Region: region, Tags: maps.Clone(params[name].Tags)})
		}
	}
	return out
}

type ssmTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func ssmNotFound(name string) *APIError {
	return Errorf("ParameterNotFound", "Parameter %s not found.", name)
}

func ssmARN(region, name string) string {
	return ARN("ssm", region, "parameter/"+strings.TrimPrefix(name, "/"))
}

func ssmTagMap(tags []ssmTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, checkTags("ssm", out)
}

func (s *ssmState) putParameter(c *Call) (any, error) {
	var in struct {
		Name           string   `json:"Name"`
		Description    string   `json:"Description"`
		Value          *string  `json:"Value"`
		Type           string   `json:"Type"`
		Overwrite      bool     `json:"Overwrite"`
		Tags           []ssmTag `json:"Tags"`
		Tier           string   `json:"Tier"`
		DataType       string   `json:"DataType"`
		AllowedPattern string   `json:"AllowedPattern"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkParameterName(c.Region, in.Name); err != nil {
		return nil, err
	}
	if in.Value == nil || *in.Value == "" {
		return nil, Errorf("ValidationException", "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(*in.Value) > 4096 {
		return nil, Errorf("ValidationException", "Standard tier parameters support a maximum parameter value of 4096 characters.")
	}
	switch in.Type {
	case "", "String", "StringList", "SecureString":
	default:
		return nil, Errorf("ValidationException", "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", in.Type)
	}
	if in.AllowedPattern != "" {
		re, err := regexp.Compile(in.AllowedPattern)
		if err != nil {
			return nil, Errorf("InvalidAllowedPatternException", "The allowed pattern %s is not valid", in.AllowedPattern)
		}
		if !re.MatchString(*in.Value) {
			return nil, Errorf("ParameterPatternMismatchException", "Parameter value, cannot be validated against allowedPattern: %s", in.AllowedPattern)
		}
	}
	r := s.region(c)
	p, exists := r.Parameters[in.Name]
	switch {
	case exists && !in.Overwrite:
		return nil, Errorf("ParameterAlreadyExists", "The parameter already exists. To overwrite this request, set the overwrite option in the request to true.")
	case exists && len(in.Tags) > 0:
		// AWS refuses tags on an overwrite: tags go through AddTagsToResource then.
		return nil, Errorf("ValidationException", "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags on an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	case !exists && in.Type == "":
		return nil, Errorf("ValidationException", "A parameter type is required when you create a parameter.")
	case exists && in.Type != "" && in.Type != p.Type && (p.Type == "SecureString" || in.Type == "SecureString"):
		return nil, Errorf("HierarchyTypeMismatchException", "Parameter Type can't be changed between SecureString and another type; delete and recreate the parameter.")
	}
	tags, err := ssmTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	if !exists {
		p = &ssmParameter{Name: in.Name, DataType: "text", Tier: "Standard"}
		if len(tags) > 0 {
			p.Tags = tags
		}
		r.Parameters[in.Name] = p
	}
	if in.Type != "" {
		p.Type = in.Type
	}
	if in.DataType != "" {
		p.DataType = in.DataType
	}
	if in.Description != "" || !exists {
		p.Description = in.Description
	}
	p.Value = *in.Value
	p.Version++
	p.LastModified = c.Now
	return map[string]any{"Version": p.Version, "Tier": p.Tier}, nil
}

// lookup finds a parameter by name or ARN.
func (s *ssmState) lookup(c *Call, name string) (*ssmParameter, error) {
	if strings.HasPrefix(name, "arn:") {
		_, rest, _ := strings.Cut(name, ":parameter")
		name = rest
	}
	name, _, _ = strings.Cut(name, ":") // a :version or :label selector
	p, ok := s.region(c).Parameters[name]
	if !ok {
		return nil, ssmNotFound(name)
	}
	return p, nil
}

func (s *ssmState) getParameter(c *Call) (any, error) {
	var in struct {
		Name           string `json:"Name"`
		WithDecryption bool   `json:"WithDecryption"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.lookup(c, in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Parameter": p.out(c.Region, in.WithDecryption)}, nil
}

// out is the Parameter shape of the Get operations; a SecureString's value is ciphertext
// unless decrypted.
func (p *ssmParameter) out(region string, decrypt bool) map[string]any {
	value := p.Value
	if p.Type == "SecureString" && !decrypt {
		value = "AQICAHh" + strings.Repeat("x", 24) // ciphertext stand-in
	}
	return map[string]any{
		"Name": p.Name, "Type": p.Type, "Value": value, "Version": p.Version,
		"LastModifiedDate": EpochSeconds(p.LastModified), "ARN": ssmARN(region, p.Name), "DataType": p.DataType,
	}
}

func (s *ssmState) deleteParameter(c *Call) (any, error) {
	var in struct {
		Name string `json:"Name"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if _, ok := s.region(c).Parameters[in.Name]; !ok {
		return nil, ssmNotFound(in.Name)
	}
	delete(s.region(c).Parameters, in.Name)
	return struct{}{}, nil
}

// tagged finds the parameter of a tagging request (only ResourceType Parameter is simulated).
func (s *ssmState) tagged(c *Call, resourceType, id string) (*ssmParameter, error) {
	if resourceType != "Parameter" {
		return nil, Errorf("InvalidResourceType", "The resource type %s is not simulated; only Parameter", resourceType)
	}
	p, ok := s.region(c).Parameters[id]
	if !ok {
		return nil, Errorf("InvalidResourceId", "The resource ID \"%s\" is not valid. Verify the ID and try again.", id)
	}
	return p, nil
}

func (s *ssmState) addTagsToResource(c *Call) (any, error) {
	var in struct {
		ResourceType string   `json:"ResourceType"`
		ResourceID   string   `json:"ResourceId"`
		Tags         []ssmTag `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.tagged(c, in.ResourceType, in.ResourceID)
	if err != nil {
		return nil, err
	}
	tags, err := ssmTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	merged, ok := mergeTags(p.Tags, tags, 50)
	if !ok {
		return nil, Errorf("TooManyTagsError", "The Targets parameter includes too many tags. Remove one or more tags and try the command again.")
	}
	p.Tags = merged
	return struct{}{}, nil
}

func (s *ssmState) removeTagsFromResource(c *Call) (any, error) {
	var in struct {
		ResourceType string   `json:"ResourceType"`
		ResourceID   string   `json:"ResourceId"`
		TagKeys      []string `json:"TagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.tagged(c, in.ResourceType, in.ResourceID)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(p.Tags, k)
	}
	return struct{}{}, nil
}

func (s *ssmState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceType string `json:"ResourceType"`
		ResourceID   string `json:"ResourceId"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	p, err := s.tagged(c, in.ResourceType, in.ResourceID)
	if err != nil {
		return nil, err
	}
	tags := []ssmTag{}
	for _, k := range slices.Sorted(maps.Keys(p.Tags)) {
		tags = append(tags, ssmTag{Key: k, Value: p.Tags[k]})
	}
	return map[string]any{"TagList": tags}, nil
}
