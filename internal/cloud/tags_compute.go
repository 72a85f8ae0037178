package cloud

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Tag converters of the ecs stage's compute side. CloudWatch Logs and Application Auto
// Scaling take tags as a map and need none.

// ToECS converts a tag map to ECS tags, sorted by key.
func ToECS(tags map[string]string) []ecstypes.Tag {
	out := make([]ecstypes.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromECS converts ECS tags to a map.
func FromECS(tags []ecstypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// ToIAM converts a tag map to IAM tags, sorted by key.
func ToIAM(tags map[string]string) []iamtypes.Tag {
	out := make([]iamtypes.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromIAM converts IAM tags to a map.
func FromIAM(tags []iamtypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
