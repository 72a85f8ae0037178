package awssim

import (
	"maps"
	"slices"
	"strings"
	"time"
)

func init() { register(newTagging) }

// taggingState is the Resource Groups Tagging API, which keeps nothing of its own:
// GetResources reads the tagged resources of every other service (taggedResources). Wire
// format: awsJson1_1 with X-Amz-Target ResourceGroupsTaggingAPI_20170126.<Op>, or RPC v2
// CBOR, which the SDK client prefers since v1.42.0; member names as in the SDK's
// service/resourcegroupstaggingapi.
type taggingState struct {
	sim *Sim
}

func newTagging(sim *Sim) *Service {
	s := &taggingState{sim: sim}
	return &Service{
		Name:         "tagging",
		Protocol:     JSON11,
		TargetPrefix: "ResourceGroupsTaggingAPI_20170126",
		CBOR:         true,
		State:        s,
		Ops:          map[string]Op{"GetResources": s.getResources, "UntagResources": s.untagResources},
	}
}

func (s *taggingState) Reset() {}

func (s *taggingState) Live(time.Time) []Resource { return nil }

// taggedResource is a resource as GetResources lists it.
type taggedResource struct {
	ARN string
	// Type is "<service>:<resource type>" as ResourceTypeFilters name it: "ec2:vpc".
	Type string
	Tags map[string]string
}

// taggedResources lists the resources of a region that have tags, by ARN. IAM roles are
// global and listed in us-east-1, as AWS does; S3 buckets in their own region. Resources
// that had tags and lost them all are not listed (AWS lists them with no tags).
func (s *taggingState) taggedResources(region string, now time.Time) []taggedResource {
	var out []taggedResource
	for _, name := range s.sim.order {
		for _, res := range s.sim.services[name].State.Live(now) {
			if len(res.Tags) == 0 || (res.Region != region && !(res.Region == "global" && region == "us-east-1")) {
				continue
			}
			if arn := s.arnOf(res); arn != "" {
				out = append(out, taggedResource{ARN: arn, Type: arnService(arn) + ":" + res.Type, Tags: res.Tags})
			}
		}
	}
	slices.SortFunc(out, func(a, b taggedResource) int { return strings.Compare(a.ARN, b.ARN) })
	return out
}

// arnOf is the ARN of a live resource, or "" for a kind the Tagging API does not list.
func (s *taggingState) arnOf(res Resource) string {
	switch res.Service + ":" + res.Type {
	case "elasticloadbalancing:loadbalancer", "elasticloadbalancing:targetgroup", "elasticloadbalancing:listener",
		"codestar-connections:connection", "acm:certificate":
		return res.ID // listed by ARN
	case "ecs:cluster", "ecs:service", "ecs:task-definition", "ecr:repository", "codebuild:project":
		return ARN(res.Service, res.Region, res.Type+"/"+res.ID)
	case "logs:log-group":
		return ARN("logs", res.Region, "log-group:"+res.ID)
	case "ssm:parameter":
		return ssmARN(res.Region, res.ID)
	case "s3:bucket":
		return "arn:aws:s3:::" + res.ID
	case "codepipeline:pipeline":
		return ARN("codepipeline", res.Region, res.ID)
	case "iam:role":
		if role := s.sim.services["iam"].State.(*iamState).Roles[strings.ToLower(res.ID)]; role != nil {
			return role.ARN
		}
	}
	if res.Service == "ec2" {
		return ARN("ec2", res.Region, res.Type+"/"+res.ID)
	}
	return ""
}

// arnService is the service namespace of an ARN.
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func taggingInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidParameterException", format, args...)
}

type taggingTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type taggingMapping struct {
	ResourceARN       string             `json:"ResourceARN"`
	Tags              []taggingTag       `json:"Tags"`
	ComplianceDetails *taggingCompliance `json:"ComplianceDetails,omitempty"`
}

// taggingCompliance is always compliant: the simulator has no tag policies.
type taggingCompliance struct {
	NoncompliantKeys           []string `json:"NoncompliantKeys"`
	KeysWithNoncompliantValues []string `json:"KeysWithNoncompliantValues"`
	ComplianceStatus           bool     `json:"ComplianceStatus"`
}

func (s *taggingState) getResources(c *Call) (any, error) {
	var in struct {
		PaginationToken string `json:"PaginationToken"`
		TagFilters      []struct {
			Key    string   `json:"Key"`
			Values []string `json:"Values"`
		} `json:"TagFilters"`
		ResourcesPerPage          *int     `json:"ResourcesPerPage"`
		TagsPerPage               *int     `json:"TagsPerPage"`
		ResourceTypeFilters       []string `json:"ResourceTypeFilters"`
		IncludeComplianceDetails  bool     `json:"IncludeComplianceDetails"`
		ExcludeCompliantResources bool     `json:"ExcludeCompliantResources"`
		ResourceARNList           []string `json:"ResourceARNList"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	switch {
	case len(in.ResourceARNList) > 0 && (len(in.TagFilters) > 0 || len(in.ResourceTypeFilters) > 0):
		return nil, taggingInvalid("ResourceARNList can't be specified with TagFilters or ResourceTypeFilters.")
	case len(in.ResourceARNList) > 0 && (in.PaginationToken != "" || in.ResourcesPerPage != nil || in.TagsPerPage != nil):
		return nil, taggingInvalid("ResourceARNList can't be specified with PaginationToken, ResourcesPerPage or TagsPerPage.")
	case len(in.ResourceARNList) > 100:
		return nil, taggingInvalid("ResourceARNList can have at most 100 ARNs.")
	case in.ResourcesPerPage != nil && (*in.ResourcesPerPage < 1 || *in.ResourcesPerPage > 100):
		return nil, taggingInvalid("ResourcesPerPage must be between 1 and 100.")
	case in.TagsPerPage != nil && (*in.TagsPerPage < 100 || *in.TagsPerPage > 500):
		return nil, taggingInvalid("TagsPerPage must be between 100 and 500.")
	case len(in.TagFilters) > 50:
		return nil, taggingInvalid("TagFilters can have at most 50 keys.")
	case len(in.ResourceTypeFilters) > 100:
		return nil, taggingInvalid("ResourceTypeFilters can have at most 100 items.")
	case in.ExcludeCompliantResources && !in.IncludeComplianceDetails:
		return nil, taggingInvalid("ExcludeCompliantResources can be used only if IncludeComplianceDetails is true.")
	}
	for _, f := range in.TagFilters {
		if f.Key == "" {
			return nil, taggingInvalid("A TagFilter must have a Key.")
		}
		if len(f.Values) > 20 {
			return nil, taggingInvalid("A TagFilter can have at most 20 values.")
		}
	}
	var found []taggedResource
	for _, res := range s.taggedResources(c.Region, c.Now) {
		if len(in.ResourceARNList) > 0 && !slices.Contains(in.ResourceARNList, res.ARN) {
			continue
		}
		if len(in.ResourceTypeFilters) > 0 && !slices.ContainsFunc(in.ResourceTypeFilters, func(f string) bool {
			return f == res.Type || f == arnService(res.ARN)
		}) {
			continue
		}
		matched := true
		for _, f := range in.TagFilters { // every filter; any of its values
			v, ok := res.Tags[f.Key]
			if !ok || (len(f.Values) > 0 && !slices.Contains(f.Values, v)) {
				matched = false
				break
			}
		}
		if matched && !in.ExcludeCompliantResources { // every resource is compliant here
			found = append(found, res)
		}
	}
	page, next, err := s.page(found, in.PaginationToken, in.ResourcesPerPage, in.TagsPerPage)
	if err != nil {
		return nil, err
	}
	list := make([]taggingMapping, 0, len(page))
	for _, res := range page {
		m := taggingMapping{ResourceARN: res.ARN, Tags: []taggingTag{}}
		for _, k := range slices.Sorted(maps.Keys(res.Tags)) {
			m.Tags = append(m.Tags, taggingTag{Key: k, Value: res.Tags[k]})
		}
		if in.IncludeComplianceDetails {
			m.ComplianceDetails = &taggingCompliance{NoncompliantKeys: []string{}, KeysWithNoncompliantValues: []string{}, ComplianceStatus: true}
		}
		list = append(list, m)
	}
	// AWS answers an empty PaginationToken on the last page.
	return map[string]any{"ResourceTagMappingList": list, "PaginationToken": next}, nil
}

type taggingFailure struct {
	StatusCode   int    `json:"StatusCode"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// untagResources removes keys from each resource; a resource it cannot untag is reported
// in FailedResourcesMap while the others are untagged, as AWS does. Removing a key a
// resource does not carry succeeds.
func (s *taggingState) untagResources(c *Call) (any, error) {
	var in struct {
		ResourceARNList []string `json:"ResourceARNList"`
		TagKeys         []string `json:"TagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	switch {
	case len(in.ResourceARNList) == 0 || len(in.ResourceARNList) > 20:
		return nil, taggingInvalid("ResourceARNList must have between 1 and 20 ARNs.")
	case len(in.TagKeys) == 0 || len(in.TagKeys) > 50:
		return nil, taggingInvalid("TagKeys must have between 1 and 50 keys.")
	}
	failed := map[string]taggingFailure{}
	for _, arn := range in.ResourceARNList {
		tags := s.tagsOf(arn, c.Region)
		if tags == nil {
			failed[arn] = taggingFailure{StatusCode: 400, ErrorCode: "InvalidParameterException",
				ErrorMessage: "The resource " + arn + " does not exist or cannot be tagged in " + c.Region + "."}
			continue
		}
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	}
	return map[string]any{"FailedResourcesMap": failed}, nil
}

// tagsOf is the live tag map of the resource arn names in region (an S3 bucket, whose ARN
// carries no region, must live there; a global IAM role is anywhere's), or nil.
func (s *taggingState) tagsOf(arn, region string) map[string]string {
	if name, ok := strings.CutPrefix(arn, "arn:aws:s3:::"); ok {
		if b := s.sim.services["s3"].State.(*s3State).Buckets[name]; b != nil && b.Region == region {
			return b.Tags
		}
		return nil
	}
	if r := arnRegion(arn); r != region && r != "" {
		return nil
	}
	return s.sim.resourceTags(arn)
}

// arnRegion is the region of an ARN, "" for a global resource.
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// page cuts one page: ResourcesPerPage resources (the simulator's page size by default),
// fewer when TagsPerPage would be exceeded (a resource without tags counts as one tag),
// never splitting a resource's tags and never empty.
func (s *taggingState) page(items []taggedResource, token string, perPage, tagsPerPage *int) ([]taggedResource, string, error) {
	rest, _, err := Paginate(items, token, len(items)+1, 0)
	if err != nil {
		return nil, "", taggingInvalid("The PaginationToken is invalid: %s", token)
	}
	n := s.sim.PageSize()
	if perPage != nil {
		n = *perPage
	}
	if tagsPerPage != nil {
		fit, tags := 0, 0
		for _, res := range rest {
			tags += max(len(res.Tags), 1)
			if fit > 0 && tags > *tagsPerPage {
				break
			}
			fit++
		}
		n = min(n, fit)
	}
	return Paginate(items, token, max(n, 1), 0)
}
