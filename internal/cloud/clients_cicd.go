package cloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ArtifactsS3 is the part of S3 the cicd stage calls: the pipeline's artifact bucket, its
// configuration and tags, and emptying it before it is deleted.
type ArtifactsS3 interface {
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, optFns ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, optFns ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	PutBucketVersioning(ctx context.Context, in *s3.PutBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error)
	GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
	PutBucketLifecycleConfiguration(ctx context.Context, in *s3.PutBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error)
	GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, optFns ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, optFns ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// PipelineIAM is the part of IAM the cicd stage calls: the build and pipeline service
// roles and their inline policies.
type PipelineIAM interface {
	RoleBoundaryAPI
	RoleDeleteAPI
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(ctx context.Context, in *iam.CreateRoleInput, optFns ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	UpdateAssumeRolePolicy(ctx context.Context, in *iam.UpdateAssumeRolePolicyInput, optFns ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	TagRole(ctx context.Context, in *iam.TagRoleInput, optFns ...func(*iam.Options)) (*iam.TagRoleOutput, error)
	UntagRole(ctx context.Context, in *iam.UntagRoleInput, optFns ...func(*iam.Options)) (*iam.UntagRoleOutput, error)
}

// BuildLogsAPI is the part of CloudWatch Logs the cicd stage calls: the build log group.
type BuildLogsAPI interface {
	CreateLogGroup(ctx context.Context, in *cloudwatchlogs.CreateLogGroupInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error)
	DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	DeleteLogGroup(ctx context.Context, in *cloudwatchlogs.DeleteLogGroupInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteLogGroupOutput, error)
	ListTagsForResource(ctx context.Context, in *cloudwatchlogs.ListTagsForResourceInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error)
	TagResource(ctx context.Context, in *cloudwatchlogs.TagResourceInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.TagResourceOutput, error)
	UntagResource(ctx context.Context, in *cloudwatchlogs.UntagResourceInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.UntagResourceOutput, error)
}

// CodeBuildAPI is the part of CodeBuild the cicd stage calls: the build project, and the
// builds still running when the project is deleted.
type CodeBuildAPI interface {
	CreateProject(ctx context.Context, in *codebuild.CreateProjectInput, optFns ...func(*codebuild.Options)) (*codebuild.CreateProjectOutput, error)
	BatchGetProjects(ctx context.Context, in *codebuild.BatchGetProjectsInput, optFns ...func(*codebuild.Options)) (*codebuild.BatchGetProjectsOutput, error)
	UpdateProject(ctx context.Context, in *codebuild.UpdateProjectInput, optFns ...func(*codebuild.Options)) (*codebuild.UpdateProjectOutput, error)
	DeleteProject(ctx context.Context, in *codebuild.DeleteProjectInput, optFns ...func(*codebuild.Options)) (*codebuild.DeleteProjectOutput, error)
	ListBuildsForProject(ctx context.Context, in *codebuild.ListBuildsForProjectInput, optFns ...func(*codebuild.Options)) (*codebuild.ListBuildsForProjectOutput, error)
	BatchGetBuilds(ctx context.Context, in *codebuild.BatchGetBuildsInput, optFns ...func(*codebuild.Options)) (*codebuild.BatchGetBuildsOutput, error)
	StopBuild(ctx context.Context, in *codebuild.StopBuildInput, optFns ...func(*codebuild.Options)) (*codebuild.StopBuildOutput, error)
}

// CodePipelineAPI is the part of CodePipeline the cicd stage calls: the pipeline, its tags,
// and what its executions did.
type CodePipelineAPI interface {
	CreatePipeline(ctx context.Context, in *codepipeline.CreatePipelineInput, optFns ...func(*codepipeline.Options)) (*codepipeline.CreatePipelineOutput, error)
	GetPipeline(ctx context.Context, in *codepipeline.GetPipelineInput, optFns ...func(*codepipeline.Options)) (*codepipeline.GetPipelineOutput, error)
	UpdatePipeline(ctx context.Context, in *codepipeline.UpdatePipelineInput, optFns ...func(*codepipeline.Options)) (*codepipeline.UpdatePipelineOutput, error)
	DeletePipeline(ctx context.Context, in *codepipeline.DeletePipelineInput, optFns ...func(*codepipeline.Options)) (*codepipeline.DeletePipelineOutput, error)
	GetPipelineState(ctx context.Context, in *codepipeline.GetPipelineStateInput, optFns ...func(*codepipeline.Options)) (*codepipeline.GetPipelineStateOutput, error)
	ListPipelineExecutions(ctx context.Context, in *codepipeline.ListPipelineExecutionsInput, optFns ...func(*codepipeline.Options)) (*codepipeline.ListPipelineExecutionsOutput, error)
	ListTagsForResource(ctx context.Context, in *codepipeline.ListTagsForResourceInput, optFns ...func(*codepipeline.Options)) (*codepipeline.ListTagsForResourceOutput, error)
	TagResource(ctx context.Context, in *codepipeline.TagResourceInput, optFns ...func(*codepipeline.Options)) (*codepipeline.TagResourceOutput, error)
	UntagResource(ctx context.Context, in *codepipeline.UntagResourceInput, optFns ...func(*codepipeline.Options)) (*codepipeline.UntagResourceOutput, error)
}

// ConnectionsAPI is the part of CodeStar Connections the cicd stage calls: it reads the
// tags and the state of the connection the spec names (the operator never creates
// connections).
type ConnectionsAPI interface {
	GetConnection(ctx context.Context, in *codestarconnections.GetConnectionInput, optFns ...func(*codestarconnections.Options)) (*codestarconnections.GetConnectionOutput, error)
	ListTagsForResource(ctx context.Context, in *codestarconnections.ListTagsForResourceInput, optFns ...func(*codestarconnections.Options)) (*codestarconnections.ListTagsForResourceOutput, error)
}

// IdentityAPI is the part of STS the cicd stage calls: the account, which the artifact
// bucket's globally unique name and the role policies' ARNs need.
type IdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// DeployedTaskDefinitions is the part of ECS the cicd stage calls: the image of the task
// definition a pipeline execution deployed.
type DeployedTaskDefinitions interface {
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

var (
	_ ArtifactsS3             = (*s3.Client)(nil)
	_ PipelineIAM             = (*iam.Client)(nil)
	_ BuildLogsAPI            = (*cloudwatchlogs.Client)(nil)
	_ CodeBuildAPI            = (*codebuild.Client)(nil)
	_ CodePipelineAPI         = (*codepipeline.Client)(nil)
	_ ConnectionsAPI          = (*codestarconnections.Client)(nil)
	_ IdentityAPI             = (*sts.Client)(nil)
	_ DeployedTaskDefinitions = (*ecs.Client)(nil)
	// The stage pages with the SDK paginators.
	_ s3.ListObjectVersionsAPIClient               = (ArtifactsS3)(nil)
	_ iam.ListRolePoliciesAPIClient                = (PipelineIAM)(nil)
	_ iam.ListAttachedRolePoliciesAPIClient        = (PipelineIAM)(nil)
	_ cloudwatchlogs.DescribeLogGroupsAPIClient    = (BuildLogsAPI)(nil)
	_ codebuild.ListBuildsForProjectAPIClient      = (CodeBuildAPI)(nil)
	_ codepipeline.ListPipelineExecutionsAPIClient = (CodePipelineAPI)(nil)
	_ codepipeline.ListTagsForResourceAPIClient    = (CodePipelineAPI)(nil)
)

// ToS3 converts a tag map to S3 tags, sorted by key.
func ToS3(tags map[string]string) []s3types.Tag {
	out := make([]s3types.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, s3types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromS3 converts S3 tags to a map.
func FromS3(tags []s3types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// ToCodeBuild converts a tag map to CodeBuild tags, sorted by key.
func ToCodeBuild(tags map[string]string) []cbtypes.Tag {
	out := make([]cbtypes.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, cbtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromCodeBuild converts CodeBuild tags to a map.
func FromCodeBuild(tags []cbtypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// ToCodePipeline converts a tag map to CodePipeline tags, sorted by key.
func ToCodePipeline(tags map[string]string) []cptypes.Tag {
	out := make([]cptypes.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, cptypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromCodePipeline converts CodePipeline tags to a map.
func FromCodePipeline(tags []cptypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// ConnectionTags are the tags an administrator puts on a CodeStar connection that the
// FlaskDeployments of namespace, in the cluster of that --cluster-name, may build through.
// Both are needed: two clusters sharing an account may each have a namespace of that name,
// run by different tenants.
func ConnectionTags(cluster, namespace string) map[string]string {
	return map[string]string{TagCluster: cluster, TagNamespace: namespace}
}

// ToCodeStar converts a tag map to CodeStar Connections tags, sorted by key.
func ToCodeStar(tags map[string]string) []cstypes.Tag {
	out := make([]cstypes.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, cstypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// FromCodeStar converts CodeStar Connections tags to a map.
func FromCodeStar(tags []cstypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
