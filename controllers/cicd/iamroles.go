package cicd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// rolePath keeps the operator's roles apart; the operator's own IAM permissions reach
// only roles under it.
const rolePath = "/flaskops/"

// serviceRole is one of the stage's two service roles.
type serviceRole struct {
	kind       stage.Kind
	suffix     string // of the role name, and the inline policy's name
	resource   string // the flaskops.io/resource tag
	service    string // the service principal that may assume it
	policyName string
	policy     func(*pass) policyDocument
	arn        func(*pass) *string // its field in status
}

var (
	buildRole = serviceRole{kind: kindBuildRole, suffix: "build", resource: "build-role", service: "codebuild.amazonaws.com",
		policyName: "flaskops-build", policy: (*pass).buildPolicy,
		arn: func(p *pass) *string { return &p.fd.Status.Pipeline.BuildRoleARN }}
	pipelineRole = serviceRole{kind: kindPipelineRole, suffix: "pipeline", resource: "pipeline-role", service: "codepipeline.amazonaws.com",
		policyName: "flaskops-pipeline", policy: (*pass).pipelinePolicy,
		arn: func(p *pass) *string { return &p.fd.Status.Pipeline.PipelineRoleARN }}
)

func (p *pass) roleName(r serviceRole) string { return p.Owner().Name(cloud.RoleName, r.suffix) }

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

func allow(sid string, actions []string, resources ...string) policyStatement {
	return policyStatement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

func (d policyDocument) String() string {
	b, _ := json.Marshal(d) // plain strings: cannot fail
	return string(b)
}

// trustPolicy lets one service assume the role, and nothing else.
func trustPolicy(service string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
}

// artifactsStatements read and write the pipeline's artifacts in this object's bucket only.
func (p *pass) artifactsStatements() []policyStatement {
	bucket := "arn:" + p.partition + ":s3:::" + p.bucketName()
	return []policyStatement{
		allow("Artifacts", []string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}, bucket+"/*"),
		allow("ArtifactBucket", []string{"s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketVersioning"}, bucket),
	}
}

// buildPolicy is what the build needs: its log group, the artifacts, pushing to this
// object's repository and reading the parameter with its URI. ECR's login is the one
// action AWS only grants on "*".
func (p *pass) buildPolicy() policyDocument {
	group := p.arn("logs", p.region, "log-group:"+p.logGroupName())
	repo := p.fd.Status.Repository
	param := p.arn("ssm", p.region, "parameter/"+strings.TrimPrefix(repo.ParameterName, "/"))
	return policyDocument{Version: "2012-10-17", Statement: append([]policyStatement{
		allow("BuildLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, group, group+":*"),
		allow("RegistryLogin", []string{"ecr:GetAuthorizationToken"}, "*"),
		allow("PushImage", []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
			"ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}, repo.ARN),
		allow("RepositoryURI", []string{"ssm:GetParameters"}, param),
	}, p.artifactsStatements()...)}
}

// pipelinePolicy is what the pipeline needs: the artifacts, reading the source through
// the connection, running the build, and the ECS deploy, which registers a task
// definition revision (AWS grants that and DescribeTaskDefinition only on "*"), updates
// this object's service and passes its task execution role to ECS tasks and nowhere else.
func (p *pass) pipelinePolicy() policyDocument {
	svc := p.fd.Status.Service
	cluster := clusterName(svc.ClusterARN)
	statements := p.artifactsStatements()
	if conn := p.fd.Spec.Pipeline.Source.ConnectionARN; conn != "" {
		statements = append(statements, allow("Source", []string{arnService(conn) + ":UseConnection"}, conn))
	}
	family := p.Owner().Name(cloud.ECSName, "task")
	tagTaskDefinition := allow("TagTaskDefinition", []string{"ecs:TagResource"}, p.arn("ecs", p.region, "task-definition/"+family+":*"))
	tagTaskDefinition.Condition = map[string]map[string]string{"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}
	passRole := allow("PassTaskExecutionRole", []string{"iam:PassRole"}, svc.ExecutionRoleARN)
	passRole.Condition = map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
	return policyDocument{Version: "2012-10-17", Statement: append(statements,
		allow("Build", []string{"codebuild:BatchGetBuilds", "codebuild:StartBuild"}, p.arn("codebuild", p.region, "project/"+p.projectName())),
		allow("TaskDefinitions", []string{"ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"}, "*"),
		tagTaskDefinition,
		allow("Service", []string{"ecs:DescribeServices", "ecs:UpdateService"}, p.serviceARN()),
		allow("Tasks", []string{"ecs:DescribeTasks"}, p.arn("ecs", p.region, "task/"+cluster+"/*")),
		allow("ListTasks", []string{"ecs:ListTasks"}, p.arn("ecs", p.region, "container-instance/"+cluster+"/*")),
		passRole,
	)}
}

// arnService is the service of an ARN: codestar-connections or codeconnections.
func arnService(arn string) string {
	if parts := strings.SplitN(arn, ":", 4); len(parts) == 4 {
		return parts[2]
	}
	return ""
}

// samePolicy compares two policy documents as JSON values; IAM returns them URL-encoded
// and may reformat them.
func samePolicy(have, want string) bool {
	if decoded, err := url.QueryUnescape(have); err == nil {
		have = decoded
	}
	var a, b any
	if json.Unmarshal([]byte(have), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

func (p *pass) reconcileBuildRole(ctx context.Context) error { return p.reconcileRole(ctx, buildRole) }
func (p *pass) reconcilePipelineRole(ctx context.Context) error {
	return p.reconcileRole(ctx, pipelineRole)
}

// reconcileRole finds (by name, proven ours by its tags) or creates a service role, then
// keeps its tags, permissions boundary, trust policy and one inline policy, and takes off
// any policy someone else put on it: a widened role is drift.
func (p *pass) reconcileRole(ctx context.Context, r serviceRole) error {
	name := p.roleName(r)
	arn := r.arn(p)
	role, err := p.findRole(ctx, name)
	if err != nil {
		return err
	}
	if role == nil {
		if *arn != "" {
			p.Drift(ctx, "%s %s was deleted; creating it again", r.kind.Name, name)
			*arn = ""
		}
		if !p.MayWrite(true, "%s %s", r.kind.Name, name) {
			p.Stop()
			return nil
		}
		created, err := p.createRole(ctx, r, name)
		if err != nil || created {
			return err
		}
		if role, err = p.findRole(ctx, name); err != nil {
			return err
		}
		if role == nil {
			return stage.Terminalf(v1alpha1.ReasonOwnershipConflict,
				"IAM role %s exists outside %s, where the operator may not read it, so it is not this FlaskDeployment's: delete or rename it", name, rolePath)
		}
	}
	if err := p.RepairTags(ctx, r.kind, name, p.Tags(r.resource), cloud.FromIAM(role.Tags), cloud.IAMRoleTagger(p.IAM)); err != nil {
		return err
	}
	if err := p.RepairRoleBoundary(ctx, p.IAM, role, p.roleBoundary); err != nil {
		return err
	}
	*arn = aws.ToString(role.Arn)
	if !samePolicy(aws.ToString(role.AssumeRolePolicyDocument), trustPolicy(r.service)) &&
		p.MayWrite(false, "trust policy of role %s differs", name) {
		if _, err := p.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName: aws.String(name), PolicyDocument: aws.String(trustPolicy(r.service)),
		}); err != nil {
			return fmt.Errorf("restore trust policy of role %s: %w", name, err)
		}
		p.Drift(ctx, "trust policy of role %s was changed; restored (%s only)", name, r.service)
	}
	if err := p.reconcileInlinePolicy(ctx, r, name); err != nil {
		return err
	}
	return p.removeForeignPolicies(ctx, r, name)
}

// findRole gets a role; nil when there is none the operator may read. Its IAM permissions
// reach only roles under /flaskops/, and IAM checks a name it does not find as a role
// outside any path, so AccessDenied means no role of ours has the name: either none
// does, or someone else's outside /flaskops/, which CreateRole then runs into.
func (p *pass) findRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := p.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if cloud.IsNotFound(err) || cloud.IsAccessDenied(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get role %s: %w", name, err)
	}
	return out.Role, nil
}

// createRole creates the role, tagged, with its inline policy. created is false when the
// name turned out taken since we looked: the caller checks that role as found.
func (p *pass) createRole(ctx context.Context, r serviceRole, name string) (created bool, err error) {
	out, err := p.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		PermissionsBoundary:      cloud.PermissionsBoundary(p.roleBoundary),
		Path:                     aws.String(rolePath),
		AssumeRolePolicyDocument: aws.String(trustPolicy(r.service)),
		Description:              aws.String(fmt.Sprintf("%s of FlaskDeployment %s (cluster %s)", r.kind.Name, p.Owner().Ref(), p.Owner().Cluster)),
		Tags:                     cloud.ToIAM(p.Tags(r.resource)),
	})
	if cloud.IsAlreadyExists(err) {
		return false, nil
	}
	if err != nil {
		return false, stage.BoundaryError("create role "+name, p.roleBoundary, err)
	}
	*r.arn(p) = aws.ToString(out.Role.Arn)
	p.Created(ctx, r.kind, aws.ToString(out.Role.Arn))
	if err := stage.CheckpointCreated(ctx, "role "+name); err != nil {
		return false, err
	}
	return true, p.putPolicy(ctx, r, name)
}

func (p *pass) putPolicy(ctx context.Context, r serviceRole, name string) error {
	if _, err := p.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(name), PolicyName: aws.String(r.policyName), PolicyDocument: aws.String(r.policy(p).String()),
	}); err != nil {
		return fmt.Errorf("put policy %s on role %s: %w", r.policyName, name, err)
	}
	return nil
}

// reconcileInlinePolicy puts the role's policy back when it differs from what it should
// grant.
func (p *pass) reconcileInlinePolicy(ctx context.Context, r serviceRole, name string) error {
	have := ""
	out, err := p.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(r.policyName)})
	switch {
	case cloud.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get policy %s of role %s: %w", r.policyName, name, err)
	default:
		have = aws.ToString(out.PolicyDocument)
	}
	if samePolicy(have, r.policy(p).String()) || !p.MayWrite(false, "policy %s of role %s differs", r.policyName, name) {
		return nil
	}
	if err := p.putPolicy(ctx, r, name); err != nil {
		return err
	}
	if have == "" {
		p.Drift(ctx, "policy %s of role %s was missing; put back", r.policyName, name)
	} else {
		p.repaired(ctx, "UpdatedRolePolicy", "policy %s of role %s put back to what the pipeline needs", r.policyName, name)
	}
	return nil
}

// removeForeignPolicies deletes inline policies other than the role's own and detaches
// every managed policy: the stage's roles grant exactly their one policy.
func (p *pass) removeForeignPolicies(ctx context.Context, r serviceRole, name string) error {
	inline := iam.NewListRolePoliciesPaginator(p.IAM, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for inline.HasMorePages() {
		out, err := inline.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list inline policies of role %s: %w", name, err)
		}
		for _, pol := range out.PolicyNames {
			if pol == r.policyName || !p.MayWrite(false, "role %s has inline policy %s", name, pol) {
				continue
			}
			if _, err := p.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pol)}); err != nil && !cloud.IsNotFound(err) {
				return fmt.Errorf("delete policy %s of role %s: %w", pol, name, err)
			}
			p.Drift(ctx, "inline policy %s was added to role %s; deleted", pol, name)
		}
	}
	attached := iam.NewListAttachedRolePoliciesPaginator(p.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for attached.HasMorePages() {
		out, err := attached.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list policies attached to role %s: %w", name, err)
		}
		for _, pol := range out.AttachedPolicies {
			policy := aws.ToString(pol.PolicyArn)
			if !p.MayWrite(false, "policy %s is attached to role %s", policy, name) {
				continue
			}
			if _, err := p.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: pol.PolicyArn}); err != nil && !cloud.IsNotFound(err) {
				return fmt.Errorf("detach policy %s from role %s: %w", policy, name, err)
			}
			p.Drift(ctx, "policy %s was attached to role %s; detached", policy, name)
		}
	}
	return nil
}

// deleteRole deletes a role's policies, then the role, if its tags prove it ours.
func (p *pass) deleteRole(r serviceRole) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		role, err := p.findRole(ctx, p.roleName(r))
		if err != nil {
			return false, err
		}
		var arn string
		if role != nil {
			arn = aws.ToString(role.Arn)
		}
		done, err := p.DeleteRole(ctx, p.IAM, r.kind, arn, role, deletePollInterval)
		if done {
			*r.arn(p) = ""
		}
		return done, err
	}
}
