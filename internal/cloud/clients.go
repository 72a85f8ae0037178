package cloud

import (
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Clients hands out one SDK client per service and region, built from one aws.Config.
// A FlaskDeployment may name any region, so clients are made on first use and cached.
type Clients struct {
	cfg    aws.Config
	limits *RateLimits // nil: no client-side budget
	mu     sync.Mutex
	cache  map[string]any
}

// ClientOption configures NewClients.
type ClientOption func(*Clients)

// NewClients returns a client cache for cfg.
func NewClients(cfg aws.Config, opts ...ClientOption) *Clients {
	c := &Clients{cfg: cfg, cache: map[string]any{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// DefaultRegion is the region of the configuration, used when a spec names none.
func (c *Clients) DefaultRegion() string { return c.cfg.Region }

// EC2 returns the EC2 client for region.
func (c *Clients) EC2(region string) *ec2.Client {
	return cached(c, "ec2", region, func(cfg aws.Config) *ec2.Client { return ec2.NewFromConfig(cfg) })
}

// ECR returns the ECR client for region.
func (c *Clients) ECR(region string) *ecr.Client {
	return cached(c, "ecr", region, func(cfg aws.Config) *ecr.Client { return ecr.NewFromConfig(cfg) })
}

// SSM returns the SSM client for region.
func (c *Clients) SSM(region string) *ssm.Client {
	return cached(c, "ssm", region, func(cfg aws.Config) *ssm.Client { return ssm.NewFromConfig(cfg) })
}

// ELBv2 returns the Elastic Load Balancing v2 client for region.
func (c *Clients) ELBv2(region string) *elasticloadbalancingv2.Client {
	return cached(c, "elbv2", region, func(cfg aws.Config) *elasticloadbalancingv2.Client {
		return elasticloadbalancingv2.NewFromConfig(cfg)
	})
}

// ECS returns the ECS client for region.
func (c *Clients) ECS(region string) *ecs.Client {
	return cached(c, "ecs", region, func(cfg aws.Config) *ecs.Client { return ecs.NewFromConfig(cfg) })
}

// IAM returns the IAM client. IAM is global; region only picks the signing region.
func (c *Clients) IAM(region string) *iam.Client {
	return cached(c, "iam", region, func(cfg aws.Config) *iam.Client { return iam.NewFromConfig(cfg) })
}

// Logs returns the CloudWatch Logs client for region.
func (c *Clients) Logs(region string) *cloudwatchlogs.Client {
	return cached(c, "logs", region, func(cfg aws.Config) *cloudwatchlogs.Client { return cloudwatchlogs.NewFromConfig(cfg) })
}

// AutoScaling returns the Application Auto Scaling client for region.
func (c *Clients) AutoScaling(region string) *applicationautoscaling.Client {
	return cached(c, "applicationautoscaling", region, func(cfg aws.Config) *applicationautoscaling.Client {
		return applicationautoscaling.NewFromConfig(cfg)
	})
}

// STS returns the STS client for region.
func (c *Clients) STS(region string) *sts.Client {
	return cached(c, "sts", region, func(cfg aws.Config) *sts.Client { return sts.NewFromConfig(cfg) })
}

// S3 returns the S3 client for region. With a custom endpoint (awssim, LocalStack) buckets
// are addressed by path, because a loopback endpoint has no per-bucket DNS names.
func (c *Clients) S3(region string) *s3.Client {
	return cached(c, "s3", region, func(cfg aws.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil })
	})
}

// CodeBuild returns the CodeBuild client for region.
func (c *Clients) CodeBuild(region string) *codebuild.Client {
	return cached(c, "codebuild", region, func(cfg aws.Config) *codebuild.Client { return codebuild.NewFromConfig(cfg) })
}

// CodePipeline returns the CodePipeline client for region.
func (c *Clients) CodePipeline(region string) *codepipeline.Client {
	return cached(c, "codepipeline", region, func(cfg aws.Config) *codepipeline.Client { return codepipeline.NewFromConfig(cfg) })
}

// Connections returns the CodeStar Connections client for region.
func (c *Clients) Connections(region string) *codestarconnections.Client {
	return cached(c, "codestar-connections", region, func(cfg aws.Config) *codestarconnections.Client {
		return codestarconnections.NewFromConfig(cfg)
	})
}

func cached[T any](c *Clients, service, region string, build func(aws.Config) T) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := service + "/" + region
	if v, ok := c.cache[key]; ok {
		return v.(T)
	}
	cfg := c.cfg.Copy()
	cfg.Region = region
	if c.limits != nil {
		// Copy shares the slice: clip it so that appending never writes into c.cfg's.
		cfg.APIOptions = append(slices.Clip(cfg.APIOptions), c.limits.apiOption(service, region))
	}
	v := build(cfg)
	c.cache[key] = v
	return v
}
