package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PipelineSpec is the CodePipeline that builds each commit and deploys it to the service.
type PipelineSpec struct {
	// Source is the GitHub repository the pipeline builds.
	Source GitHubSource `json:"source"`

	// Buildspec is the path of the CodeBuild buildspec in the repository.
	// +optional
	// +kubebuilder:default="buildspec.yml"
	// +kubebuilder:validation:MaxLength=1024
	Buildspec string `json:"buildspec,omitempty"`

	// BuildImage is the CodeBuild image that runs the build.
	// +optional
	// +kubebuilder:default="aws/codebuild/standard:7.0"
	// +kubebuilder:validation:MaxLength=256
	BuildImage string `json:"buildImage,omitempty"`

	// ComputeType is the CodeBuild compute size.
	// +optional
	// +kubebuilder:default=BUILD_GENERAL1_SMALL
	// +kubebuilder:validation:Enum=BUILD_GENERAL1_SMALL;BUILD_GENERAL1_MEDIUM;BUILD_GENERAL1_LARGE;BUILD_GENERAL1_XLARGE;BUILD_GENERAL1_2XLARGE
	ComputeType string `json:"computeType,omitempty"`

	// ArtifactRetentionDays is how long pipeline artifacts are kept in the bucket.
	// +optional
	// +kubebuilder:default=90
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3650
	ArtifactRetentionDays int32 `json:"artifactRetentionDays,omitempty"`
}

// GitHubSource is a GitHub repository and how CodePipeline authenticates to it: a
// CodeStar connection (preferred) or an OAuth token kept in a Secret, never in the spec.
// Exactly one of connectionARN and oauthTokenSecretRef is set.
//
// +kubebuilder:validation:XValidation:rule="(has(self.connectionARN) && size(self.connectionARN) > 0) != has(self.oauthTokenSecretRef)",message="exactly one of connectionARN (a CodeStar connection, preferred) or oauthTokenSecretRef (a Secret holding the token) must be set; a token is never written in the spec"
// +kubebuilder:validation:XValidation:rule="!has(self.oauthTokenSecretRef) || (has(self.oauthTokenSecretRef.name) && size(self.oauthTokenSecretRef.name) > 0)",message="must name the Secret holding the GitHub token",fieldPath=".oauthTokenSecretRef.name"
type GitHubSource struct {
	// Owner is the GitHub user or organisation.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	Owner string `json:"owner"`
	// Repo is the repository name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	Repo string `json:"repo"`
	// Branch is the branch whose commits are built.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MaxLength=255
	Branch string `json:"branch,omitempty"`
	// ConnectionARN is a CodeStar connection to GitHub (preferred); it must be approved
	// in the AWS console before the pipeline can read the repository.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:(codestar-connections|codeconnections):`
	ConnectionARN string `json:"connectionARN,omitempty"`
	// OAuthTokenSecretRef is a key of a Secret in this namespace holding a GitHub token,
	// for when no connection can be used. The token itself is never part of the spec.
	// +optional
	OAuthTokenSecretRef *corev1.SecretKeySelector `json:"oauthTokenSecretRef,omitempty"`
}

// PipelineStatus holds the CI/CD resources.
type PipelineStatus struct {
	// ArtifactBucket is the S3 bucket holding pipeline artifacts.
	// +optional
	ArtifactBucket string `json:"artifactBucket,omitempty"`
	// BuildLogGroupName is the CloudWatch log group of the builds.
	// +optional
	BuildLogGroupName string `json:"buildLogGroupName,omitempty"`
	// BuildRoleARN is the CodeBuild service role.
	// +optional
	BuildRoleARN string `json:"buildRoleARN,omitempty"`
	// PipelineRoleARN is the CodePipeline service role.
	// +optional
	PipelineRoleARN string `json:"pipelineRoleARN,omitempty"`
	// BuildProjectName is the CodeBuild project.
	// +optional
	BuildProjectName string `json:"buildProjectName,omitempty"`
	// PipelineName is the CodePipeline.
	// +optional
	PipelineName string `json:"pipelineName,omitempty"`
	// PipelineARN is the CodePipeline's ARN.
	// +optional
	PipelineARN string `json:"pipelineARN,omitempty"`
	// LatestExecution is the pipeline's most recent execution.
	// +optional
	LatestExecution *PipelineExecution `json:"latestExecution,omitempty"`
	// OAuthTokenDigest tells, for a GitHub version 1 source, whether the token in the
	// Secret is still the one the pipeline was given: a salted SHA-256 digest of it, never
	// the token, so that a rotated token reaches the pipeline at the next pass.
	// +optional
	OAuthTokenDigest string `json:"oauthTokenDigest,omitempty"`
}

// PipelineExecution is one run of the pipeline.
type PipelineExecution struct {
	// ID is the pipeline execution ID.
	ID string `json:"id"`
	// Status is CodePipeline's: InProgress, Stopping, Stopped, Succeeded, Superseded or Failed.
	Status string `json:"status"`
	// SourceCommit is the commit the execution fetched, once its source action did.
	// +optional
	SourceCommit string `json:"sourceCommit,omitempty"`
	// StartTime is when the execution started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// FailureMessage is why a failed execution failed.
	// +optional
	FailureMessage string `json:"failureMessage,omitempty"`
}
