package cloud

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ToELB converts a tag map to ELBv2 tags (the Tags of CreateLoadBalancer, CreateTargetGroup,
// CreateListener and AddTags), sorted by key so requests are deterministic.
func ToELB(tags map[string]string) []elbv2types.Tag {
	out := make([]elbv2types.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, elbv2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromELB converts ELBv2 tags (a DescribeTags TagDescription) to a map.
func FromELB(tags []elbv2types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
