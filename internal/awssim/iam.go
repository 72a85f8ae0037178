package awssim

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

func init() { register(newIAM) }

// iamState is IAM state. IAM is global: one set of roles whatever region a request's
// credential scope names. Wire format: awsquery (Action=CreateRole&Version=2010-05-08),
// member names as in the SDK's service/iam/schemas.
type iamState struct {
	// Roles is keyed by lower-cased name: IAM names are unique regardless of case, and
	// "MyRole" and "myrole" name the same role.
	Roles map[string]*iamRole `json:"roles"`
	// Policies are the account's customer managed policies, keyed by lower-cased name
	// (unique in the account whatever their path). AWS managed ones are all taken to exist.
	Policies map[string]*iamPolicy `json:"policies,omitempty"`
	sim      *Sim
}

type iamRole struct {
	Name               string            `json:"name"`
	Path               string            `json:"path"`
	ID                 string            `json:"id"`
	ARN                string            `json:"arn"`
	CreateDate         time.Time         `json:"createDate"`
	AssumeRolePolicy   string            `json:"assumeRolePolicy"`
	Description        string            `json:"description,omitempty"`
	MaxSessionDuration int               `json:"maxSessionDuration"`
	Tags               map[string]string `json:"tags,omitempty"`
	// PermissionsBoundary is the ARN of the managed policy that caps the role's
	// permissions ("" for none); IAM's policy conditions read it as iam:PermissionsBoundary.
	PermissionsBoundary string            `json:"permissionsBoundary,omitempty"`
	AttachedPolicies    []string          `json:"attachedPolicies,omitempty"` // ARNs, in attach order
	InlinePolicies      map[string]string `json:"inlinePolicies,omitempty"`   // name → document
}

func newIAM(sim *Sim) *Service {
	s := &iamState{sim: sim}
	s.Reset()
	return &Service{
		Name:     "iam",
		Protocol: AWSQuery,
		XMLNS:    "https://iam.amazonaws.com/doc/2010-05-08/",
		State:    s,
		Ops: map[string]Op{
			"CreateRole":                    s.createRole,
			"GetRole":                       s.getRole,
			"DeleteRole":                    s.deleteRole,
			"ListRoles":                     s.listRoles,
			"UpdateAssumeRolePolicy":        s.updateAssumeRolePolicy,
			"AttachRolePolicy":              s.attachRolePolicy,
			"DetachRolePolicy":              s.detachRolePolicy,
			"ListAttachedRolePolicies":      s.listAttachedRolePolicies,
			"PutRolePolicy":                 s.putRolePolicy,
			"GetRolePolicy":                 s.getRolePolicy,
			"DeleteRolePolicy":              s.deleteRolePolicy,
			"ListRolePolicies":              s.listRolePolicies,
			"TagRole":                       s.tagRole,
			"UntagRole":                     s.untagRole,
			"ListRoleTags":                  s.listRoleTags,
			"PutRolePermissionsBoundary":    s.putRolePermissionsBoundary,
			"DeleteRolePermissionsBoundary": s.deleteRolePermissionsBoundary,
			"CreatePolicy":                  s.createPolicy,
			"GetPolicy":                     s.getPolicy,
			"DeletePolicy":                  s.deletePolicy,
		},
	}
}

func (s *iamState) Reset() {
	s.Roles = map[string]*iamRole{}
	s.Policies = map[string]*iamPolicy{}
}

// Live lists roles. Their region is "global", as IAM ARNs carry no region. Managed policies
// are left out: they are the account's set-up (the permissions boundary an administrator
// creates at install), which the inventory's readers, the leak checks, do not count.
func (s *iamState) Live(time.Time) []Resource {
	var out []Resource
	for _, key := range slices.Sorted(maps.Keys(s.Roles)) {
		r := s.Roles[key]
		out = append(out, Resource{Service: "iam", Type: "role", ID: r.Name, Region: "global", Tags: maps.Clone(r.Tags)})
	}
	return out
}

// XML shapes, member names from the SDK's service/iam/schemas.

// iamMembers is an awsquery list: <Roles><member>...</member></Roles>.
type iamMembers[T any] struct {
	Member []T `xml:"member"`
}

type iamTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type iamRoleXML struct {
	Path                     string              `xml:"Path"`
	RoleName                 string              `xml:"RoleName"`
	RoleID                   string              `xml:"RoleId"`
	Arn                      string              `xml:"Arn"`
	CreateDate               Timestamp           `xml:"CreateDate"`
	AssumeRolePolicyDocument string              `xml:"AssumeRolePolicyDocument"`
	Description              string              `xml:"Description,omitempty"`
	MaxSessionDuration       int                 `xml:"MaxSessionDuration"`
	Tags                     *iamMembers[iamTag] `xml:"Tags,omitempty"`
	PermissionsBoundary      *iamBoundaryXML     `xml:"PermissionsBoundary,omitempty"`
}

type iamBoundaryXML struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

// out renders a role; withTags is false for ListRoles, which leaves tags and the permissions
// boundary out as AWS does.
// Policy documents are URL-encoded in IAM responses; callers must decode them.
func (r *iamRole) out(withTags bool) iamRoleXML {
	x := iamRoleXML{
		Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.ARN, CreateDate: Timestamp(r.CreateDate),
		AssumeRolePolicyDocument: iamEncodeDocument(r.AssumeRolePolicy),
		Description:              r.Description, MaxSessionDuration: r.MaxSessionDuration,
	}
	if withTags && len(r.Tags) > 0 {
		x.Tags = &iamMembers[iamTag]{Member: iamTagList(r.Tags)}
	}
	if withTags && r.PermissionsBoundary != "" {
		x.PermissionsBoundary = &iamBoundaryXML{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: r.PermissionsBoundary}
	}
	return x
}

func iamTagList(tags map[string]string) []iamTag {
	out := []iamTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, iamTag{Key: k, Value: tags[k]})
	}
	return out
}

// iamEncodeDocument encodes a policy the way IAM returns it: percent-encoding with %20 for
// spaces, which url.QueryUnescape (what SDK users call) decodes back.
func iamEncodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func iamValidation(value, field, constraint string) *APIError {
	return Errorf("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

var iamPolicyARNRE = regexp.MustCompile(`^arn:aws:iam::(aws|\d{12}):policy(/|/[\x21-\x7e]+/)([\w+=,.@-]+)$`)

func iamNoSuchRole(name string) *APIError {
	return Errorf("NoSuchEntity", "The role with name %s cannot be found.", name).WithStatus(404)
}

// role finds the role named by the RoleName parameter.
func (s *iamState) role(c *Call) (*iamRole, error) {
	name := c.Params.String("RoleName")
	if name == "" {
		return nil, iamValidation("", "roleName", "Member must not be null")
	}
	r, ok := s.Roles[strings.ToLower(name)]
	if !ok {
		return nil, iamNoSuchRole(name)
	}
	return r, nil
}

// Quotas from the IAM user guide ("IAM and AWS STS quotas").
const (
	iamMaxTrustPolicy      = 2048  // ACLSizePerRole, characters
	iamMaxInlinePolicySize = 10240 // aggregate inline policy size per role, without whitespace
	iamMaxAttached         = 10    // PoliciesPerRole
	iamMaxTags             = 50
)

// validatePolicyDocument checks what IAM checks when it parses a policy: JSON, a known
// Version, and statements with an Effect and actions. A trust policy names principals and
// no resources; a permissions policy the opposite.
func validatePolicyDocument(doc string, trust bool) error {
	malformed := func(msg string) error { return Errorf("MalformedPolicyDocument", "%s", msg) }
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return malformed("This policy contains invalid Json")
	}
	if v, ok := top["Version"]; ok {
		var version string
		if json.Unmarshal(v, &version) != nil || (version != "2012-10-17" && version != "2008-10-17") {
			return malformed("The policy failed legacy parsing")
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return malformed("Syntax errors in policy.")
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(raw, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil {
			return malformed("Syntax errors in policy.")
		}
		stmts = append(stmts, one)
	}
	has := func(st map[string]json.RawMessage, keys ...string) bool {
		for _, k := range keys {
			if _, ok := st[k]; ok {
				return true
			}
		}
		return false
	}
	for _, st := range stmts {
		var effect string
		if json.Unmarshal(st["Effect"], &effect) != nil || (effect != "Allow" && effect != "Deny") {
			return malformed("Syntax errors in policy.")
		}
		if !has(st, "Action", "NotAction") {
			return malformed("Policy statement must contain actions.")
		}
		switch {
		case trust && !has(st, "Principal", "NotPrincipal"):
			return malformed("Missing required field Principal")
		case trust && has(st, "Resource", "NotResource"):
			return malformed("Has prohibited field Resource")
		case !trust && has(st, "Principal", "NotPrincipal"):
			return malformed("Policy document should not specify a principal.")
		case !trust && !has(st, "Resource", "NotResource"):
			return malformed("Policy statement must contain resources.")
		}
	}
	return nil
}

func (s *iamState) trustPolicy(c *Call, field string) (string, error) {
	doc := c.Params.String(field)
	if doc == "" {
		return "", iamValidation("", "policyDocument", "Member must not be null")
	}
	if policySize(doc) > iamMaxTrustPolicy {
		return "", Errorf("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", iamMaxTrustPolicy).WithStatus(409)
	}
	return doc, validatePolicyDocument(doc, true)
}

// iamTags reads a Tags.member.N list. IAM tag keys are case-insensitive, so two keys that
// differ only in case are duplicates; the rest is checkTags's.
func iamTags(p *Params, path string) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]bool{}
	for _, n := range p.List(path) {
		k, v := n.String("Key"), n.String("Value")
		if seen[strings.ToLower(k)] {
			return nil, Errorf("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(k)] = true
		out[k] = v
	}
	return out, checkTags("iam", out)
}

// mergeTags sets tags on a role, replacing any key that differs only in case.
func (r *iamRole) mergeTags(tags map[string]string) error {
	merged := maps.Clone(r.Tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range tags {
		maps.DeleteFunc(merged, func(old, _ string) bool { return strings.EqualFold(old, k) })
		merged[k] = v
	}
	if len(merged) > iamMaxTags {
		return Errorf("LimitExceeded", "The number of tags has reached the maximum limit.").WithStatus(409)
	}
	if len(merged) > 0 {
		r.Tags = merged
	}
	return nil
}

// newIAMID returns an ID in the shape of IAM's: a prefix naming the kind (AROA a role,
// ANPA a policy) and 17 base32 characters.
func newIAMID(prefix string) string {
	b := make([]byte, 11)
	_, _ = rand.Read(b)
	return prefix + base32.StdEncoding.EncodeToString(b)[:17]
}

// pathAndDescription are a create call's Path (default /) and Description, checked as IAM
// checks them for roles and policies alike.
func pathAndDescription(c *Call) (path, desc string, err error) {
	path = c.Params.String("Path")
	if path == "" {
		path = "/"
	}
	if err := checkRolePath(path); err != nil {
		return "", "", err
	}
	desc = c.Params.String("Description")
	if len(desc) > 1000 {
		return "", "", iamValidation(desc, "description", "Member must have length less than or equal to 1000")
	}
	return path, desc, nil
}

func (s *iamState) createRole(c *Call) (any, error) {
	name := c.Params.String("RoleName")
	if err := checkRoleName(name); err != nil {
		return nil, err
	}
	path, desc, err := pathAndDescription(c)
	if err != nil {
		return nil, err
	}
	maxSession := 3600
	if v, ok, err := c.Params.Int("MaxSessionDuration"); err != nil {
		return nil, err
	} else if ok {
		if v < 3600 || v > 43200 {
			return nil, iamValidation(c.Params.String("MaxSessionDuration"), "maxSessionDuration",
				"Member must have value greater than or equal to 3600 and less than or equal to 43200")
		}
		maxSession = v
	}
	doc, err := s.trustPolicy(c, "AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(c.Params, "Tags")
	if err != nil {
		return nil, err
	}
	boundary := c.Params.String("PermissionsBoundary")
	if boundary != "" {
		if err := s.checkBoundary(boundary); err != nil {
			return nil, err
		}
	}
	if _, ok := s.Roles[strings.ToLower(name)]; ok {
		return nil, Errorf("EntityAlreadyExists", "Role with name %s already exists.", name).WithStatus(409)
	}
	r := &iamRole{
		Name: name, Path: path, ID: newIAMID("AROA"), ARN: "arn:aws:iam::" + Account + ":role" + path + name,
		CreateDate: c.Now, AssumeRolePolicy: doc, Description: desc, MaxSessionDuration: maxSession,
		PermissionsBoundary: boundary,
	}
	if err := r.mergeTags(tags); err != nil {
		return nil, err
	}
	s.Roles[strings.ToLower(name)] = r
	return struct {
		Role iamRoleXML `xml:"Role"`
	}{r.out(true)}, nil
}

func (s *iamState) getRole(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	return struct {
		Role iamRoleXML `xml:"Role"`
	}{r.out(true)}, nil
}

func (s *iamState) deleteRole(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	if len(r.AttachedPolicies) > 0 {
		return nil, Errorf("DeleteConflict", "Cannot delete entity, must detach all policies first.").WithStatus(409)
	}
	if len(r.InlinePolicies) > 0 {
		return nil, Errorf("DeleteConflict", "Cannot delete entity, must delete policies first.").WithStatus(409)
	}
	delete(s.Roles, strings.ToLower(r.Name))
	return nil, nil
}

// iamPage returns one Marker/MaxItems page of items.
func iamPage[T any](s *iamState, c *Call, items []T) (page []T, truncated bool, marker string, err error) {
	maxItems, ok, err := c.Params.Int("MaxItems")
	if err != nil {
		return nil, false, "", err
	}
	if ok && (maxItems < 1 || maxItems > 1000) {
		return nil, false, "", iamValidation(c.Params.String("MaxItems"), "maxItems",
			"Member must have value greater than or equal to 1 and less than or equal to 1000")
	}
	page, next, err := Paginate(items, c.Params.String("Marker"), maxItems, s.sim.PageSize())
	if err != nil {
		return nil, false, "", Errorf("InvalidInput", "Invalid Marker: %s", c.Params.String("Marker"))
	}
	return page, next != "", next, nil
}

// pathPrefix reads a PathPrefix parameter ("/" when absent).
func pathPrefix(c *Call) (string, error) {
	prefix := c.Params.String("PathPrefix")
	if prefix == "" {
		return "/", nil
	}
	if len(prefix) > 512 || !strings.HasPrefix(prefix, "/") || strings.IndexFunc(prefix, func(r rune) bool { return r < 0x21 || r > 0x7f }) >= 0 {
		return "", iamValidation(prefix, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return prefix, nil
}

func (s *iamState) listRoles(c *Call) (any, error) {
	prefix, err := pathPrefix(c)
	if err != nil {
		return nil, err
	}
	var all []iamRoleXML
	for _, key := range slices.Sorted(maps.Keys(s.Roles)) {
		if r := s.Roles[key]; strings.HasPrefix(r.Path, prefix) {
			all = append(all, r.out(false))
		}
	}
	page, truncated, marker, err := iamPage(s, c, all)
	if err != nil {
		return nil, err
	}
	return struct {
		Roles       iamMembers[iamRoleXML] `xml:"Roles"`
		IsTruncated bool                   `xml:"IsTruncated"`
		Marker      string                 `xml:"Marker,omitempty"`
	}{iamMembers[iamRoleXML]{page}, truncated, marker}, nil
}

func (s *iamState) updateAssumeRolePolicy(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	doc, err := s.trustPolicy(c, "PolicyDocument")
	if err != nil {
		return nil, err
	}
	r.AssumeRolePolicy = doc
	return nil, nil
}

// policyARN validates a managed policy ARN.
func policyARN(c *Call) (string, error) {
	arn := c.Params.String("PolicyArn")
	if len(arn) < 20 || len(arn) > 2048 {
		return "", iamValidation(arn, "policyArn", "Member must have length between 20 and 2048")
	}
	if !iamPolicyARNRE.MatchString(arn) {
		return "", Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	return arn, nil
}

func (s *iamState) attachRolePolicy(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	arn, err := policyARN(c)
	if err != nil {
		return nil, err
	}
	if !s.policyExists(arn) {
		return nil, Errorf("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn).WithStatus(404)
	}
	if slices.Contains(r.AttachedPolicies, arn) {
		return nil, nil // attaching twice is a no-op on AWS
	}
	if len(r.AttachedPolicies) >= iamMaxAttached {
		return nil, Errorf("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", iamMaxAttached).WithStatus(409)
	}
	r.AttachedPolicies = append(r.AttachedPolicies, arn)
	return nil, nil
}

func (s *iamState) detachRolePolicy(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	arn, err := policyARN(c)
	if err != nil {
		return nil, err
	}
	i := slices.Index(r.AttachedPolicies, arn)
	if i < 0 {
		return nil, Errorf("NoSuchEntity", "Policy %s was not found.", arn).WithStatus(404)
	}
	r.AttachedPolicies = slices.Delete(r.AttachedPolicies, i, i+1)
	return nil, nil
}

type iamAttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

func (s *iamState) listAttachedRolePolicies(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	prefix, err := pathPrefix(c)
	if err != nil {
		return nil, err
	}
	var all []iamAttachedPolicy
	for _, arn := range r.AttachedPolicies {
		m := iamPolicyARNRE.FindStringSubmatch(arn)
		if strings.HasPrefix(m[2], prefix) {
			all = append(all, iamAttachedPolicy{PolicyName: m[3], PolicyArn: arn})
		}
	}
	page, truncated, marker, err := iamPage(s, c, all)
	if err != nil {
		return nil, err
	}
	return struct {
		AttachedPolicies iamMembers[iamAttachedPolicy] `xml:"AttachedPolicies"`
		IsTruncated      bool                          `xml:"IsTruncated"`
		Marker           string                        `xml:"Marker,omitempty"`
	}{iamMembers[iamAttachedPolicy]{page}, truncated, marker}, nil
}

// policyName reads and validates the PolicyName parameter of inline policy operations.
func policyName(c *Call) (string, error) {
	name := c.Params.String("PolicyName")
	return name, checkPolicyName(name)
}

// policySize is the size IAM counts against its policy quotas: whitespace excluded.
func policySize(doc string) int {
	return len(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, doc))
}

func (s *iamState) putRolePolicy(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	name, err := policyName(c)
	if err != nil {
		return nil, err
	}
	doc := c.Params.String("PolicyDocument")
	if doc == "" {
		return nil, iamValidation("", "policyDocument", "Member must not be null")
	}
	if err := validatePolicyDocument(doc, false); err != nil {
		return nil, err
	}
	total := policySize(doc)
	for other, d := range r.InlinePolicies {
		if other != name {
			total += policySize(d)
		}
	}
	if total > iamMaxInlinePolicySize {
		return nil, Errorf("LimitExceeded", "Maximum policy size of %d bytes exceeded for role %s", iamMaxInlinePolicySize, r.Name).WithStatus(409)
	}
	if r.InlinePolicies == nil {
		r.InlinePolicies = map[string]string{}
	}
	r.InlinePolicies[name] = doc
	return nil, nil
}

// inlinePolicy finds the inline policy named in a request.
func (s *iamState) inlinePolicy(c *Call) (*iamRole, string, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, "", err
	}
	name, err := policyName(c)
	if err != nil {
		return nil, "", err
	}
	if _, ok := r.InlinePolicies[name]; !ok {
		return nil, "", Errorf("NoSuchEntity", "The role policy with name %s cannot be found.", name).WithStatus(404)
	}
	return r, name, nil
}

func (s *iamState) getRolePolicy(c *Call) (any, error) {
	r, name, err := s.inlinePolicy(c)
	if err != nil {
		return nil, err
	}
	return struct {
		RoleName       string `xml:"RoleName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{r.Name, name, iamEncodeDocument(r.InlinePolicies[name])}, nil
}

func (s *iamState) deleteRolePolicy(c *Call) (any, error) {
	r, name, err := s.inlinePolicy(c)
	if err != nil {
		return nil, err
	}
	delete(r.InlinePolicies, name)
	if len(r.InlinePolicies) == 0 {
		r.InlinePolicies = nil
	}
	return nil, nil
}

func (s *iamState) listRolePolicies(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	page, truncated, marker, err := iamPage(s, c, slices.Sorted(maps.Keys(r.InlinePolicies)))
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames iamMembers[string] `xml:"PolicyNames"`
		IsTruncated bool               `xml:"IsTruncated"`
		Marker      string             `xml:"Marker,omitempty"`
	}{iamMembers[string]{page}, truncated, marker}, nil
}

func (s *iamState) tagRole(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(c.Params, "Tags")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, iamValidation("", "tags", "Member must have length greater than or equal to 1")
	}
	return nil, r.mergeTags(tags)
}

func (s *iamState) untagRole(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	for _, k := range c.Params.Strings("TagKeys") {
		maps.DeleteFunc(r.Tags, func(old, _ string) bool { return strings.EqualFold(old, k) })
	}
	if len(r.Tags) == 0 {
		r.Tags = nil
	}
	return nil, nil
}

func (s *iamState) listRoleTags(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	page, truncated, marker, err := iamPage(s, c, iamTagList(r.Tags))
	if err != nil {
		return nil, err
	}
	return struct {
		Tags        iamMembers[iamTag] `xml:"Tags"`
		IsTruncated bool               `xml:"IsTruncated"`
		Marker      string             `xml:"Marker,omitempty"`
	}{iamMembers[iamTag]{page}, truncated, marker}, nil
}
