package cloud

import (
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// The tag scheme. Every AWS resource the operator creates carries these keys, set at
// creation time (never create-then-tag: a crash in between would leak a resource that
// find-by-tag cannot see). Nothing outside this file and ownership.go spells a tag key.
//
//	flaskops.io/cluster   --cluster-name       which manager's resources: clusters sharing an account stay apart
//	flaskops.io/owner     <namespace>/<name>   find-by-tag; with cluster and uid the proof of ownership
//	flaskops.io/stage     network|ecr|ecs|cicd scopes lookups and leak reports
//	flaskops.io/resource  logical ID           matches desired to actual ("public-subnet-0", "nat-us-east-1a")
//	flaskops.io/uid       object UID           tells a re-created object from stale leftovers
//	Name                  <ns>-<name>-<res>    console readability (EC2 only)
//
// The user's spec.tags are added too; they cannot override the flaskops.io/ keys. Owner
// (ownership.go) builds the sets and decides ownership.
//
// On CodeStar connections the operator reads two keys and never sets them: an
// administrator tags each connection with the cluster and the namespace whose pipelines may
// build through it (ConnectionTags).
//
//	flaskops.io/cluster   --cluster-name       on connections: the one cluster that may use it
//	flaskops.io/namespace <namespace>          on connections: the one namespace there that may use it
const (
	TagCluster  = "flaskops.io/cluster"
	TagOwner    = "flaskops.io/owner"
	TagStage    = "flaskops.io/stage"
	TagResource = "flaskops.io/resource"
	TagUID      = "flaskops.io/uid"
	TagName     = "Name"

	TagNamespace = "flaskops.io/namespace"

	// ReservedTagPrefix is the prefix of the operator's own keys.
	ReservedTagPrefix = "flaskops.io/"
)

// EC2TagSpec is the TagSpecifications argument of an EC2 create call.
func EC2TagSpec(resourceType ec2types.ResourceType, tags map[string]string) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: resourceType, Tags: ToEC2(tags)}}
}

// ToEC2 converts a tag map to EC2 tags, sorted by key so requests are deterministic.
func ToEC2(tags map[string]string) []ec2types.Tag {
	out := make([]ec2types.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromEC2 converts EC2 tags to a map.
func FromEC2(tags []ec2types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// MissingTags returns the tags in want that have or are set to a different value in have:
// what a drift repair must put back.
func MissingTags(want, have map[string]string) map[string]string {
	missing := map[string]string{}
	for k, v := range want {
		if have[k] != v {
			missing[k] = v
		}
	}
	return missing
}

// RemovedTags returns the keys of have that fd put on AWS as user tags (status.tagKeys)
// and that spec.tags no longer has: what to take off a resource. The operator's own keys
// and Name are never among them, whatever the user once wrote in spec.tags.
func RemovedTags(fd *v1alpha1.FlaskDeployment, have map[string]string) []string {
	var out []string
	for _, k := range fd.Status.TagKeys {
		_, inSpec := fd.Spec.Tags[k]
		_, onResource := have[k]
		if onResource && !inSpec && k != TagName && !strings.HasPrefix(k, ReservedTagPrefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
