package awssim

import (
	"maps"
	"slices"
	"strings"
)

// The Parameter Store reads a person uses to look around: GetParameters,
// GetParametersByPath and DescribeParameters, with ParameterStringFilter as in the SDK's
// service/ssm/types (the aws CLI's --parameter-filters).

// ssmFilter is a ParameterStringFilter; Option defaults to Equals (OneLevel for Path).
type ssmFilter struct {
	Key    string   `json:"Key"`
	Option string   `json:"Option"`
	Values []string `json:"Values"`
}

// The filter keys each operation accepts; "tag:" stands for every tag:<key>.
var (
	ssmDescribeFilterKeys = []string{"Name", "Type", "KeyId", "Path", "Tier", "DataType", "tag:"}
	ssmByPathFilterKeys   = []string{"Type", "KeyId", "Label"}
)

// ssmFilterValues are the values AWS accepts for the enum-valued keys.
var ssmFilterValues = map[string][]string{
	"Type": {"String", "StringList", "SecureString"},
	"Tier": {"Standard", "Advanced", "Intelligent-Tiering"},
}

// ssmDefaultKeyID is the AWS managed key every SecureString is encrypted with here.
const ssmDefaultKeyID = "alias/aws/ssm"

// checkSSMFilters validates filters against the keys an operation accepts and fills in the
// default options.
func checkSSMFilters(filters []ssmFilter, keys []string) error {
	for i := range filters {
		f := &filters[i]
		key := f.Key
		if strings.HasPrefix(key, "tag:") && len(key) > len("tag:") {
			key = "tag:"
		}
		if !slices.Contains(keys, key) {
			return Errorf("InvalidFilterKey", "The following filter key is not valid: %s. Valid filter keys include: [%s].",
				f.Key, strings.ReplaceAll(strings.Join(keys, ", "), "tag:", "tag:<key>"))
		}
		options := []string{"Equals", "BeginsWith"}
		switch key {
		case "Path":
			options = []string{"OneLevel", "Recursive"}
		case "Name":
			options = append(options, "Contains")
		case "Label":
			options = []string{"Equals"}
		}
		if f.Option == "" {
			f.Option = options[0]
		}
		if !slices.Contains(options, f.Option) {
			return Errorf("InvalidFilterOption", "The following filter option is not valid: %s. Valid options for %s include: [%s].",
				f.Option, f.Key, strings.Join(options, ", "))
		}
		if len(f.Values) == 0 && key != "tag:" {
			return Errorf("InvalidFilterValue", "The following filter values are missing: null associated with the filter key %s.", f.Key)
		}
		for _, v := range f.Values {
			if valid, ok := ssmFilterValues[key]; ok && f.Option == "Equals" && !slices.Contains(valid, v) {
				return Errorf("InvalidFilterValue", "The following filter value is not valid: %s. Valid values include: [%s].", v, strings.Join(valid, ", "))
			}
			if key == "Path" && !strings.HasPrefix(v, "/") {
				return Errorf("InvalidFilterValue", "The following filter value is not valid: %s. A path must begin with a forward slash (/).", v)
			}
		}
	}
	return nil
}

// matches reports whether a parameter passes every filter (values of one filter are ORed).
func (p *ssmParameter) matches(filters []ssmFilter) bool {
	for _, f := range filters {
		var have []string
		switch {
		case f.Key == "Name":
			have = []string{p.Name}
		case f.Key == "Type":
			have = []string{p.Type}
		case f.Key == "Tier":
			have = []string{p.Tier}
		case f.Key == "DataType":
			have = []string{p.DataType}
		case f.Key == "KeyId":
			have = nonEmpty(p.keyID())
		case strings.HasPrefix(f.Key, "tag:"):
			v, ok := p.Tags[strings.TrimPrefix(f.Key, "tag:")]
			if ok && len(f.Values) == 0 {
				continue
			}
			if ok {
				have = []string{v}
			}
		case f.Key == "Path":
			if !slices.ContainsFunc(f.Values, func(path string) bool { return underPath(p.Name, path, f.Option == "Recursive") }) {
				return false
			}
			continue
		} // Label: the simulator has no parameter labels, so a label filter matches nothing.
		if !slices.ContainsFunc(have, func(h string) bool {
			return slices.ContainsFunc(f.Values, func(v string) bool {
				switch f.Option {
				case "BeginsWith":
					return strings.HasPrefix(h, v)
				case "Contains":
					return strings.Contains(h, v)
				}
				return h == v
			})
		}) {
			return false
		}
	}
	return true
}

func (p *ssmParameter) keyID() string {
	if p.Type == "SecureString" {
		return ssmDefaultKeyID
	}
	return ""
}

// underPath reports whether name is in the hierarchy below path: one level down, or at
// any depth when recursive.
func underPath(name, path string, recursive bool) bool {
	prefix := strings.TrimSuffix(path, "/") + "/"
	rest, ok := strings.CutPrefix(name, prefix)
	return ok && rest != "" && (recursive || !strings.Contains(rest, "/"))
}

// ssmMaxResults checks a request's MaxResults against the operation's limit.
func ssmMaxResults(n *int, limit int) (int, error) {
	if n == nil {
		return 0, nil
	}
	if *n < 1 || *n > limit {
		return 0, Errorf("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", *n, limit)
	}
	return *n, nil
}

// sorted returns the region's parameters by name.
func (r *ssmRegion) sorted() []*ssmParameter {
	out := make([]*ssmParameter, 0, len(r.Parameters))
	for _, name := range slices.Sorted(maps.Keys(r.Parameters)) {
		out = append(out, r.Parameters[name])
	}
	return out
}

func ssmPage[T any](s *ssmState, items []T, token string, maxResults int) ([]T, string, error) {
	page, next, err := Paginate(items, token, maxResults, s.sim.PageSize())
	if err != nil {
		return nil, "", Errorf("InvalidNextToken", "The specified token isn't valid.")
	}
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

func ssmResult(out map[string]any, next string) map[string]any {
	if next != "" {
		out["NextToken"] = next
	}
	return out
}

func (s *ssmState) getParameters(c *Call) (any, error) {
	var in struct {
		Names          []string `json:"Names"`
		WithDecryption bool     `json:"WithDecryption"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return nil, Errorf("ValidationException", "1 validation error detected: Value '%v' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1", in.Names)
	}
	params, invalid := []map[string]any{}, []string{}
	seen := map[string]bool{}
	for _, name := range in.Names {
		if seen[name] {
			continue
		}
		seen[name] = true
		p, err := s.lookup(c, name)
		if err != nil {
			invalid = append(invalid, name)
			continue
		}
		params = append(params, p.out(c.Region, in.WithDecryption))
	}
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}

func (s *ssmState) getParametersByPath(c *Call) (any, error) {
	var in struct {
		Path             string      `json:"Path"`
		Recursive        bool        `json:"Recursive"`
		ParameterFilters []ssmFilter `json:"ParameterFilters"`
		WithDecryption   bool        `json:"WithDecryption"`
		MaxResults       *int        `json:"MaxResults"`
		NextToken        string      `json:"NextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.Path, "/") {
		return nil, Errorf("ValidationException", "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	if strings.Count(strings.TrimSuffix(in.Path, "/"), "/") > 15 {
		return nil, Errorf("HierarchyLevelLimitExceededException", "Path %s exceeds the hierarchy limit of 15 levels", in.Path)
	}
	limit, err := ssmMaxResults(in.MaxResults, 10)
	if err != nil {
		return nil, err
	}
	if err := checkSSMFilters(in.ParameterFilters, ssmByPathFilterKeys); err != nil {
		return nil, err
	}
	var found []map[string]any
	for _, p := range s.region(c).sorted() {
		if underPath(p.Name, in.Path, in.Recursive) && p.matches(in.ParameterFilters) {
			found = append(found, p.out(c.Region, in.WithDecryption))
		}
	}
	page, next, err := ssmPage(s, found, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	return ssmResult(map[string]any{"Parameters": page}, next), nil
}

// ssmMetadata is the ParameterMetadata of DescribeParameters (no value).
type ssmMetadata struct {
	Name             string       `json:"Name"`
	ARN              string       `json:"ARN"`
	Type             string       `json:"Type"`
	KeyID            string       `json:"KeyId,omitempty"`
	LastModifiedDate EpochSeconds `json:"LastModifiedDate"`
	LastModifiedUser string       `json:"LastModifiedUser"`
	Description      string       `json:"Description,omitempty"`
	Version          int64        `json:"Version"`
	Tier             string       `json:"Tier"`
	Policies         []any        `json:"Policies"`
	DataType         string       `json:"DataType"`
}

func (s *ssmState) describeParameters(c *Call) (any, error) {
	var in struct {
		Filters []struct {
			Key    string   `json:"Key"`
			Values []string `json:"Values"`
		} `json:"Filters"`
		ParameterFilters []ssmFilter `json:"ParameterFilters"`
		MaxResults       *int        `json:"MaxResults"`
		NextToken        string      `json:"NextToken"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	limit, err := ssmMaxResults(in.MaxResults, 50)
	if err != nil {
		return nil, err
	}
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, Errorf("ValidationException", "You can use either Filters or ParameterFilters in a single request.")
	}
	filters := in.ParameterFilters
	for _, f := range in.Filters { // the legacy ParametersFilter: Name, Type or KeyId, equal to a value
		if !slices.Contains([]string{"Name", "Type", "KeyId"}, f.Key) {
			return nil, Errorf("ValidationException", "1 validation error detected: Value '%s' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]", f.Key)
		}
		filters = append(filters, ssmFilter{Key: f.Key, Values: f.Values})
	}
	if err := checkSSMFilters(filters, ssmDescribeFilterKeys); err != nil {
		return nil, err
	}
	var found []ssmMetadata
	for _, p := range s.region(c).sorted() {
		if !p.matches(filters) {
			continue
		}
		found = append(found, ssmMetadata{
			Name: p.Name, ARN: ssmARN(c.Region, p.Name), Type: p.Type, KeyID: p.keyID(),
			LastModifiedDate: EpochSeconds(p.LastModified), LastModifiedUser: CallerARN,
			Description: p.Description, Version: p.Version, Tier: p.Tier, Policies: []any{}, DataType: p.DataType,
		})
	}
	page, next, err := ssmPage(s, found, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	return ssmResult(map[string]any{"Parameters": page}, next), nil
}
