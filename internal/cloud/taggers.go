package cloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Tagger adds and removes tags of one service's resources, so that one tag repair
// (stage.Journal.RepairTags) serves every service. id is what the service's tagging calls
// take: an EC2 ID, an ARN, an IAM role name, an SSM parameter name.
type Tagger interface {
	AddTags(ctx context.Context, id string, tags map[string]string) error
	RemoveTags(ctx context.Context, id string, keys []string) error
}

// TaggerFuncs adapts two functions to a Tagger.
type TaggerFuncs struct {
	Add    func(ctx context.Context, id string, tags map[string]string) error
	Remove func(ctx context.Context, id string, keys []string) error
}

// AddTags implements Tagger.
func (t TaggerFuncs) AddTags(ctx context.Context, id string, tags map[string]string) error {
	return t.Add(ctx, id, tags)
}

// RemoveTags implements Tagger.
func (t TaggerFuncs) RemoveTags(ctx context.Context, id string, keys []string) error {
	return t.Remove(ctx, id, keys)
}

// EC2Tagger tags EC2 resources by ID.
func EC2Tagger(c interface {
	CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(context.Context, *ec2.DeleteTagsInput, ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, id string, tags map[string]string) error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ToEC2(tags)})
			return err
		},
		Remove: func(ctx context.Context, id string, keys []string) error {
			tags := make([]ec2types.Tag, 0, len(keys))
			for _, k := range keys {
				tags = append(tags, ec2types.Tag{Key: aws.String(k)})
			}
			_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags})
			return err
		},
	}
}

// ELBTagger tags load balancers, target groups and listeners by ARN.
func ELBTagger(c interface {
	AddTags(context.Context, *elbv2.AddTagsInput, ...func(*elbv2.Options)) (*elbv2.AddTagsOutput, error)
	RemoveTags(context.Context, *elbv2.RemoveTagsInput, ...func(*elbv2.Options)) (*elbv2.RemoveTagsOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, arn string, tags map[string]string) error {
			_, err := c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: ToELB(tags)})
			return err
		},
		Remove: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: keys})
			return err
		},
	}
}

// ECSTagger tags ECS clusters, services and task definitions by ARN.
func ECSTagger(c interface {
	TagResource(context.Context, *ecs.TagResourceInput, ...func(*ecs.Options)) (*ecs.TagResourceOutput, error)
	UntagResource(context.Context, *ecs.UntagResourceInput, ...func(*ecs.Options)) (*ecs.UntagResourceOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, arn string, tags map[string]string) error {
			_, err := c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: ToECS(tags)})
			return err
		},
		Remove: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// ECRTagger tags repositories by ARN.
func ECRTagger(c interface {
	TagResource(context.Context, *ecr.TagResourceInput, ...func(*ecr.Options)) (*ecr.TagResourceOutput, error)
	UntagResource(context.Context, *ecr.UntagResourceInput, ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, arn string, tags map[string]string) error {
			_, err := c.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn), Tags: ToECR(tags)})
			return err
		},
		Remove: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// SSMTagger tags parameters by name.
func SSMTagger(c interface {
	AddTagsToResource(context.Context, *ssm.AddTagsToResourceInput, ...func(*ssm.Options)) (*ssm.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(context.Context, *ssm.RemoveTagsFromResourceInput, ...func(*ssm.Options)) (*ssm.RemoveTagsFromResourceOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, name string, tags map[string]string) error {
			_, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{
				ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name), Tags: ToSSM(tags)})
			return err
		},
		Remove: func(ctx context.Context, name string, keys []string) error {
			_, err := c.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{
				ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name), TagKeys: keys})
			return err
		},
	}
}

// IAMRoleTagger tags roles by name.
func IAMRoleTagger(c interface {
	TagRole(context.Context, *iam.TagRoleInput, ...func(*iam.Options)) (*iam.TagRoleOutput, error)
	UntagRole(context.Context, *iam.UntagRoleInput, ...func(*iam.Options)) (*iam.UntagRoleOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, name string, tags map[string]string) error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: ToIAM(tags)})
			return err
		},
		Remove: func(ctx context.Context, name string, keys []string) error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: keys})
			return err
		},
	}
}

// LogsTagger tags log groups by ARN (without the trailing ":*" DescribeLogGroups adds).
func LogsTagger(c interface {
	TagResource(context.Context, *cloudwatchlogs.TagResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.TagResourceOutput, error)
	UntagResource(context.Context, *cloudwatchlogs.UntagResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.UntagResourceOutput, error)
}) Tagger {
	return TaggerFuncs{
		Add: func(ctx context.Context, arn string, tags map[string]string) error {
			_, err := c.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
			return err
		},
		Remove: func(ctx context.Context, arn string, keys []string) error {
			_, err := c.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}
