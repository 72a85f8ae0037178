package cicd_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Each drift case changes one thing behind the operator's back on a converged pipeline;
// the next pass puts it back and says so in status.drift and a RepairedDrift event.
func TestDriftIsRepaired(t *testing.T) {
	for _, tt := range []struct {
		name  string
		drift func(r *rig, fd *v1alpha1.FlaskDeployment)
		check func(r *rig, fd *v1alpha1.FlaskDeployment) string // "" when repaired
	}{
		{
			name: "bucket versioning suspended",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				_, err := r.clients.S3(region).PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket),
					VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				out, err := r.clients.S3(region).GetBucketVersioning(bg, &s3.GetBucketVersioningInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket)})
				must(r, err)
				return notWant(string(out.Status), "Enabled")
			},
		},
		{
			name: "bucket public access unblocked",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				_, err := r.clients.S3(region).DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket)})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				out, err := r.clients.S3(region).GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket)})
				if err != nil {
					return err.Error()
				}
				return notWant(aws.ToBool(out.PublicAccessBlockConfiguration.RestrictPublicBuckets), true)
			},
		},
		{
			name: "bucket tags removed",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				// Keep the ownership tags (a bucket without them is not ours any more).
				tags := owner(fd).Tags("cicd", "artifacts")
				delete(tags, "project")
				delete(tags, cloud.TagStage)
				_, err := r.clients.S3(region).PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket),
					Tagging: &s3types.Tagging{TagSet: cloud.ToS3(tags)}})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				out, err := r.clients.S3(region).GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket)})
				must(r, err)
				tags := cloud.FromS3(out.TagSet)
				return notWant(tags["project"]+" "+tags[cloud.TagStage], "mane cicd")
			},
		},
		{
			name: "role policy widened",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				role := owner(fd).Name(cloud.RoleName, "pipeline")
				c := r.clients.IAM(region)
				_, err := c.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("flaskops-pipeline"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
				must(r, err)
				_, err = c.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("extra"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
				must(r, err)
				_, err = c.AttachRolePolicy(bg, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				role := owner(fd).Name(cloud.RoleName, "pipeline")
				if g := r.rolePolicy(role, "flaskops-pipeline").grants(); len(g["*"]) > 0 || !slices.Equal(g["ecs:UpdateService"], []string{fd.Status.Service.ServiceARN}) {
					return "policy still grants * or lost the service"
				}
				c := r.clients.IAM(region)
				inline, err := c.ListRolePolicies(bg, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
				must(r, err)
				attached, err := c.ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
				must(r, err)
				if !slices.Equal(inline.PolicyNames, []string{"flaskops-pipeline"}) || len(attached.AttachedPolicies) != 0 {
					return "foreign policies still on the role"
				}
				return ""
			},
		},
		{
			name: "build image and environment changed",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				pr := r.project(fd.Status.Pipeline.BuildProjectName)
				env := *pr.Environment
				env.Image = aws.String("attacker/image:latest")
				env.EnvironmentVariables = append(env.EnvironmentVariables, cbtypes.EnvironmentVariable{Name: aws.String("EXTRA"), Value: aws.String("1")})
				_, err := r.clients.CodeBuild(region).UpdateProject(bg, &codebuild.UpdateProjectInput{Name: pr.Name, Environment: &env})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				env := r.project(fd.Status.Pipeline.BuildProjectName).Environment
				return notWant(fmt.Sprintf("%s with %d variables", aws.ToString(env.Image), len(env.EnvironmentVariables)), "aws/codebuild/standard:7.0 with 4 variables")
			},
		},
		{
			name: "project tags replaced",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				tags := owner(fd).Tags("cicd", "build")
				delete(tags, "environment")
				_, err := r.clients.CodeBuild(region).UpdateProject(bg, &codebuild.UpdateProjectInput{Name: aws.String(fd.Status.Pipeline.BuildProjectName), Tags: cloud.ToCodeBuild(tags)})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				return notWant(cloud.FromCodeBuild(r.project(fd.Status.Pipeline.BuildProjectName).Tags)["environment"], "dev")
			},
		},
		{
			name: "pipeline stage removed in the console",
			drift: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				d := r.pipeline(fd.Status.Pipeline.PipelineName)
				d.Stages = d.Stages[:2]
				_, err := r.clients.CodePipeline(region).UpdatePipeline(bg, &codepipeline.UpdatePipelineInput{Pipeline: d})
				must(r, err)
			},
			check: func(r *rig, fd *v1alpha1.FlaskDeployment) string {
				d := r.pipeline(fd.Status.Pipeline.PipelineName)
				if len(d.Stages) != 3 || aws.ToString(d.Stages[2].Name) != "Deploy" || d.Stages[2].Actions[0].Configuration["ServiceName"] == "" {
					return "the Deploy stage is missing"
				}
				return ""
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			fd := newFD(tenant, "shop", r.connection("github"))
			r.inputs(fd)
			r.converge(fd)
			r.mustPass(fd)
			r.eventsWith()
			tt.drift(r, fd)
			if res := r.mustPass(fd); !res.Done {
				t.Fatalf("result %+v", res)
			}
			if msg := tt.check(r, fd); msg != "" {
				t.Fatalf("not repaired: %s", msg)
			}
			if len(fd.Status.Drift) == 0 || !strings.HasPrefix(fd.Status.Drift[0], "cicd: ") {
				t.Fatalf("status.drift %v", fd.Status.Drift)
			}
			evs := r.eventsWith("RepairedDrift")
			if len(evs) != 1 {
				t.Fatalf("%d RepairedDrift events", len(evs))
			}
			if note := strings.TrimPrefix(evs[0], "Normal RepairedDrift "); len(note) > maxEventNote {
				t.Fatalf("the API server refuses an event note of %d characters: %s", len(note), note)
			}
			r.mustPass(fd)
			if fd.Status.Drift != nil {
				t.Fatalf("the pass after the repair still reports %v", fd.Status.Drift)
			}
		})
	}
}

// A spec change is a change, not drift: a new build image and retention are applied and
// reported as such.
func TestSpecChangeIsNotDrift(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	r.converge(fd)
	r.eventsWith()
	fd.Spec.Pipeline.BuildImage = "aws/codebuild/standard:8.0"
	fd.Spec.Pipeline.ArtifactRetentionDays = 30
	fd.Generation++
	r.mustPass(fd)
	if img := aws.ToString(r.project(fd.Status.Pipeline.BuildProjectName).Environment.Image); img != "aws/codebuild/standard:8.0" {
		t.Fatalf("image %s", img)
	}
	lc, err := r.clients.S3(region).GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(fd.Status.Pipeline.ArtifactBucket)})
	must(r, err)
	if !slices.ContainsFunc(lc.Rules, func(rule s3types.LifecycleRule) bool {
		return rule.Expiration != nil && aws.ToInt32(rule.Expiration.Days) == 30
	}) {
		t.Fatalf("lifecycle %+v", lc.Rules)
	}
	if fd.Status.Drift != nil || len(r.eventsWith("UpdatedBuildProject")) != 1 {
		t.Fatalf("drift %v", fd.Status.Drift)
	}
}

// maxEventNote is the longest note the API server takes in an events.k8s.io/v1 Event.
const maxEventNote = 1024

func must(r *rig, err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

func notWant[T comparable](got, want T) string {
	if got == want {
		return ""
	}
	return fmt.Sprintf("got %v, want %v", got, want)
}
