package cloud

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// Owner is the identity a FlaskDeployment's AWS resources carry: the manager's cluster,
// the object's namespace/name and its UID. Only these tags prove that a resource is the
// object's. Status records IDs to find resources fast, never as proof: a resource named
// in status whose tags do not say it is ours is someone else's.
type Owner struct {
	// Cluster is the manager's --cluster-name: two Kubernetes clusters sharing an AWS
	// account never take each other's resources.
	Cluster string
	fd      *v1alpha1.FlaskDeployment
}

// NewOwner is the identity of fd's resources under the manager of cluster.
func NewOwner(cluster string, fd *v1alpha1.FlaskDeployment) Owner {
	return Owner{Cluster: cluster, fd: fd}
}

// maxTagValue is AWS's limit on a tag value.
const maxTagValue = 256

// Ref is the owner tag's value: <namespace>/<name>, or, where that exceeds AWS's 256
// characters, its head and a hash of the whole, so that two objects never share it.
func (o Owner) Ref() string {
	ref := o.fd.Namespace + "/" + o.fd.Name
	if len(ref) <= maxTagValue {
		return ref
	}
	return ref[:maxTagValue-hashLen-2] + "--" + hashOf(ref)
}

// Tags builds the full tag set of one resource: the user's tags, then the ownership tags,
// which win over any user tag with the same key.
func (o Owner) Tags(stage, resource string) map[string]string {
	tags := make(map[string]string, len(o.fd.Spec.Tags)+5)
	for k, v := range o.fd.Spec.Tags {
		tags[k] = v
	}
	tags[TagCluster] = o.Cluster
	tags[TagOwner] = o.Ref()
	tags[TagStage] = stage
	tags[TagResource] = resource
	tags[TagUID] = string(o.fd.UID)
	return tags
}

// EC2Tags is Tags plus the Name tag EC2 consoles display.
func (o Owner) EC2Tags(stage, resource string) map[string]string {
	tags := o.Tags(stage, resource)
	tags[TagName] = truncate(o.fd.Namespace+"-"+o.fd.Name+"-"+resource, maxTagValue)
	return tags
}

// Owns reports whether tags prove the resource is this object's: this cluster, this
// namespace/name and, where a uid tag is present, this object's UID or one status
// recorded when the operator created the object's resources (an object restored from a
// backup with its status keeps its resources).
func (o Owner) Owns(tags map[string]string) bool {
	if tags[TagCluster] != o.Cluster || tags[TagOwner] != o.Ref() {
		return false
	}
	uid, ok := tags[TagUID]
	return !ok || uid == string(o.fd.UID) || slices.Contains(o.fd.Status.OwnerUIDs, uid)
}

// Describe says whose tags these are, for messages about a resource that is not ours.
func (o Owner) Describe(tags map[string]string) string {
	owner, ok := tags[TagOwner]
	if !ok {
		return "it carries no " + TagOwner + " tag"
	}
	s := fmt.Sprintf("its %s tag is %q", TagOwner, owner)
	if c, ok := tags[TagCluster]; ok {
		s += fmt.Sprintf(" of cluster %q", c)
	}
	if uid, ok := tags[TagUID]; ok && owner == o.Ref() && tags[TagCluster] == o.Cluster {
		s += fmt.Sprintf(" with uid %s (not this object's %s)", uid, o.fd.UID)
	}
	return s
}

// Want is what the ownership tags must say, for messages.
func (o Owner) Want() string {
	return fmt.Sprintf("%s=%s, %s=%s", TagCluster, o.Cluster, TagOwner, o.Ref())
}

// Filters are the EC2 filters that find the object's resources of one stage, optionally
// narrowed to one logical resource ("" for all of the stage's). What they find must still
// pass Owns: the uid tag cannot be filtered for "absent or one of".
func (o Owner) Filters(stage, resource string) []ec2types.Filter {
	filters := []ec2types.Filter{
		{Name: aws.String("tag:" + TagCluster), Values: []string{o.Cluster}},
		{Name: aws.String("tag:" + TagOwner), Values: []string{o.Ref()}},
		{Name: aws.String("tag:" + TagStage), Values: []string{stage}},
	}
	if resource != "" {
		filters = append(filters, ec2types.Filter{Name: aws.String("tag:" + TagResource), Values: []string{resource}})
	}
	return filters
}

// Name is the AWS name of one of the object's resources under rule (see names.go).
func (o Owner) Name(rule NameRule, suffix string) string {
	return rule.name([]string{o.Cluster, o.fd.Namespace, o.fd.Name}, suffix)
}

// ScopedName is a name that must also be unique across accounts and regions (S3 buckets
// live in one global namespace): it always ends in a hash of the scope and the owner.
func (o Owner) ScopedName(rule NameRule, suffix string, scope ...string) string {
	return rule.hashed([]string{o.Cluster, o.fd.Namespace, o.fd.Name}, suffix, scope)
}

const hashLen = 10

func hashOf(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:hashLen]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// localCluster is the cluster name of a manager pointed at a simulator without one.
const localCluster = "local"

// ClusterName checks the manager's --cluster-name: a DNS label of at most 32 characters
// (it appears in every AWS name the operator derives). It is required against real AWS,
// where a wrong or shared name would let two clusters' managers take each other's
// resources; against a simulator (custom endpoint) it defaults to "local".
func ClusterName(name string, customEndpoint bool) (string, error) {
	if name == "" {
		if customEndpoint {
			return localCluster, nil
		}
		return "", fmt.Errorf("--cluster-name is required against AWS: it goes into every resource's ownership tags, so that the managers of two clusters sharing an account stay apart")
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 || len(name) > 32 {
		return "", fmt.Errorf("--cluster-name %q must be a DNS label (lowercase letters, digits, '-') of at most 32 characters", name)
	}
	return name, nil
}
