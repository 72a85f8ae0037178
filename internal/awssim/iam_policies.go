package awssim

import (
	"strings"
	"time"
)

// iamPolicy is a customer managed policy: what an administrator creates, such as the
// permissions boundary the operator's roles must carry. Only its default version is kept.
type iamPolicy struct {
	Name        string            `json:"name"`
	Path        string            `json:"path"`
	ID          string            `json:"id"`
	ARN         string            `json:"arn"`
	Description string            `json:"description,omitempty"`
	Document    string            `json:"document"`
	CreateDate  time.Time         `json:"createDate"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// iamMaxManagedPolicy is the PolicySize quota: characters of a managed policy document,
// whitespace excluded.
const iamMaxManagedPolicy = 6144

type iamPolicyXML struct {
	PolicyName                    string              `xml:"PolicyName"`
	PolicyID                      string              `xml:"PolicyId"`
	Arn                           string              `xml:"Arn"`
	Path                          string              `xml:"Path"`
	DefaultVersionID              string              `xml:"DefaultVersionId"`
	AttachmentCount               int                 `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int                 `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool                `xml:"IsAttachable"`
	Description                   string              `xml:"Description,omitempty"`
	CreateDate                    Timestamp           `xml:"CreateDate"`
	UpdateDate                    Timestamp           `xml:"UpdateDate"`
	Tags                          *iamMembers[iamTag] `xml:"Tags,omitempty"`
}

// policyByARN is the customer managed policy an ARN names, or nil.
func (s *iamState) policyByARN(arn string) *iamPolicy {
	m := iamPolicyARNRE.FindStringSubmatch(arn)
	if m == nil {
		return nil
	}
	if p := s.Policies[strings.ToLower(m[3])]; p != nil && p.ARN == arn {
		return p
	}
	return nil
}

// policyExists reports whether a managed policy ARN names a policy: any AWS managed one, or
// a customer managed one created in the account.
func (s *iamState) policyExists(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") || s.policyByARN(arn) != nil
}

// checkBoundary validates the permissions boundary a role is given: a managed policy that
// exists. IAM answers a missing one as it does for a user's boundary, naming it the scope.
func (s *iamState) checkBoundary(arn string) error {
	if len(arn) < 20 || len(arn) > 2048 {
		return iamValidation(arn, "permissionsBoundary", "Member must have length between 20 and 2048")
	}
	if !iamPolicyARNRE.MatchString(arn) {
		return Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	if !s.policyExists(arn) {
		return Errorf("NoSuchEntity", "Scope ARN: %s does not exist or is not attachable.", arn).WithStatus(404)
	}
	return nil
}

// usage counts the roles a policy is attached to, and those it is the boundary of.
func (s *iamState) usage(arn string) (attached, boundary int) {
	for _, r := range s.Roles {
		for _, a := range r.AttachedPolicies {
			if a == arn {
				attached++
			}
		}
		if r.PermissionsBoundary == arn {
			boundary++
		}
	}
	return attached, boundary
}

func (s *iamState) policyOut(p *iamPolicy, full bool) iamPolicyXML {
	attached, boundary := s.usage(p.ARN)
	x := iamPolicyXML{PolicyName: p.Name, PolicyID: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionID: "v1",
		AttachmentCount: attached, PermissionsBoundaryUsageCount: boundary, IsAttachable: true,
		CreateDate: Timestamp(p.CreateDate), UpdateDate: Timestamp(p.CreateDate)}
	if full {
		x.Description = p.Description
	}
	if len(p.Tags) > 0 {
		x.Tags = &iamMembers[iamTag]{Member: iamTagList(p.Tags)}
	}
	return x
}

func (s *iamState) createPolicy(c *Call) (any, error) {
	name := c.Params.String("PolicyName")
	if err := checkPolicyName(name); err != nil {
		return nil, err
	}
	path, desc, err := pathAndDescription(c)
	if err != nil {
		return nil, err
	}
	doc := c.Params.String("PolicyDocument")
	if doc == "" {
		return nil, iamValidation("", "policyDocument", "Member must not be null")
	}
	if policySize(doc) > iamMaxManagedPolicy {
		return nil, Errorf("LimitExceeded", "Cannot exceed quota for PolicySize: %d", iamMaxManagedPolicy).WithStatus(409)
	}
	if err := validatePolicyDocument(doc, false); err != nil {
		return nil, err
	}
	tags, err := iamTags(c.Params, "Tags")
	if err != nil {
		return nil, err
	}
	if len(tags) > iamMaxTags {
		return nil, Errorf("LimitExceeded", "The number of tags has reached the maximum limit.").WithStatus(409)
	}
	if _, ok := s.Policies[strings.ToLower(name)]; ok {
		return nil, Errorf("EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name).WithStatus(409)
	}
	p := &iamPolicy{Name: name, Path: path, ID: newIAMID("ANPA"), ARN: "arn:aws:iam::" + Account + ":policy" + path + name,
		Description: desc, Document: doc, CreateDate: c.Now}
	if len(tags) > 0 {
		p.Tags = tags
	}
	s.Policies[strings.ToLower(name)] = p
	return struct {
		Policy iamPolicyXML `xml:"Policy"`
	}{s.policyOut(p, false)}, nil
}

// getPolicy describes a managed policy: a customer managed one of the account, or any AWS
// managed one, whose name and path its ARN gives.
func (s *iamState) getPolicy(c *Call) (any, error) {
	arn, err := policyARN(c)
	if err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil && s.policyExists(arn) {
		m := iamPolicyARNRE.FindStringSubmatch(arn)
		p = &iamPolicy{Name: m[3], Path: m[2], ARN: arn}
	}
	if p == nil {
		return nil, Errorf("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn).WithStatus(404)
	}
	return struct {
		Policy iamPolicyXML `xml:"Policy"`
	}{s.policyOut(p, true)}, nil
}

// deletePolicy deletes a customer managed policy that no role uses, as a managed policy or
// as its permissions boundary.
func (s *iamState) deletePolicy(c *Call) (any, error) {
	arn, err := policyARN(c)
	if err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil {
		return nil, Errorf("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn).WithStatus(404)
	}
	if attached, boundary := s.usage(arn); attached+boundary > 0 {
		return nil, Errorf("DeleteConflict", "Cannot delete a policy attached to entities.").WithStatus(409)
	}
	delete(s.Policies, strings.ToLower(p.Name))
	return nil, nil
}

// putRolePermissionsBoundary sets or replaces a role's permissions boundary.
func (s *iamState) putRolePermissionsBoundary(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	arn := c.Params.String("PermissionsBoundary")
	if arn == "" {
		return nil, iamValidation("", "permissionsBoundary", "Member must not be null")
	}
	if err := s.checkBoundary(arn); err != nil {
		return nil, err
	}
	r.PermissionsBoundary = arn
	return nil, nil
}

// deleteRolePermissionsBoundary lifts a role's permissions boundary.
func (s *iamState) deleteRolePermissionsBoundary(c *Call) (any, error) {
	r, err := s.role(c)
	if err != nil {
		return nil, err
	}
	r.PermissionsBoundary = ""
	return nil, nil
}
