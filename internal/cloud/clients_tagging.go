package cloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
)

// TaggingAPI is the part of the Resource Groups Tagging API the orchestrator calls: after
// every stage is deleted, what still carries an object's ownership tags; at a Retain
// deletion, the release of the object's resources (Owner.Release).
type TaggingAPI interface {
	GetResources(ctx context.Context, in *resourcegroupstaggingapi.GetResourcesInput, optFns ...func(*resourcegroupstaggingapi.Options)) (*resourcegroupstaggingapi.GetResourcesOutput, error)
	UntagResources(ctx context.Context, in *resourcegroupstaggingapi.UntagResourcesInput, optFns ...func(*resourcegroupstaggingapi.Options)) (*resourcegroupstaggingapi.UntagResourcesOutput, error)
}

var _ TaggingAPI = (*resourcegroupstaggingapi.Client)(nil)

// Tagging returns the Resource Groups Tagging API client for region.
func (c *Clients) Tagging(region string) *resourcegroupstaggingapi.Client {
	return cached(c, "tagging", region, func(cfg aws.Config) *resourcegroupstaggingapi.Client {
		return resourcegroupstaggingapi.NewFromConfig(cfg)
	})
}
