package ecs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourceExecutionRole = "execution-role"
	// executionRolePath keeps the operator's roles apart in the IAM console and in ListRoles.
	executionRolePath = "/flaskops/"
	// executionPolicyARN lets ECS pull from ECR and write to CloudWatch Logs for the tasks.
	executionPolicyARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
	// secretsPolicyName is the inline policy that lets ECS read spec.service.secrets.
	secretsPolicyName = "flaskops-secrets"
)

// executionRoleName is the IAM name of fd's task execution role.
func (p *pass) executionRoleName() string { return p.name(cloud.RoleName, "exec") }

// trustPolicy lets ECS tasks assume the role, and nothing else.
const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// secretsPolicy is the inline policy for spec.service.secrets: read exactly the named SSM
// parameters and Secrets Manager secrets (the seed's stacks granted `*`). "" when there are
// no secrets.
func (p *pass) secretsPolicy() string {
	var ssm, sm []string
	for _, s := range p.fd.Spec.Service.Secrets {
		if strings.HasPrefix(secretService(s.ValueFrom), "secretsmanager") {
			sm = append(sm, secretResource(s.ValueFrom))
		} else {
			ssm = append(ssm, s.ValueFrom)
		}
	}
	doc := policyDocument{Version: "2012-10-17"}
	if len(ssm) > 0 {
		slices.Sort(ssm)
		doc.Statement = append(doc.Statement, policyStatement{Effect: "Allow", Action: []string{"ssm:GetParameters"}, Resource: slices.Compact(ssm)})
	}
	if len(sm) > 0 {
		slices.Sort(sm)
		doc.Statement = append(doc.Statement, policyStatement{Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: slices.Compact(sm)})
	}
	if len(doc.Statement) == 0 {
		return ""
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// secretService is the service part of an ARN: arn:aws:<service>:...
func secretService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// secretResource is the secret's ARN in a Secrets Manager valueFrom, which may name a JSON
// key, version stage and version ID after it (arn:aws:secretsmanager:r:a:secret:n-AbCdEf:key::):
// IAM matches the secret's ARN, the first seven fields.
func secretResource(valueFrom string) string {
	parts := strings.Split(valueFrom, ":")
	if len(parts) > 7 {
		return strings.Join(parts[:7], ":")
	}
	return valueFrom
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

// reconcileExecutionRole finds (by its deterministic name, then the ownership check) or
// creates the role ECS uses to pull the image, write logs and read the secrets, and repairs
// its tags, permissions boundary, trust policy, managed policy and secrets policy.
func (p *pass) reconcileExecutionRole(ctx context.Context) error {
	name := p.executionRoleName()
	st := &p.fd.Status.Service
	role, err := p.findRole(ctx, name)
	if err != nil {
		return err
	}
	created := false
	if role == nil {
		if st.ExecutionRoleARN != "" {
			p.Drift(ctx, "task execution role %s was deleted; creating it again", name)
			st.ExecutionRoleARN = ""
		}
		if !p.MayWrite(true, "task execution role %s", name) {
			return nil
		}
		if role, err = p.createRole(ctx, name); err != nil {
			return err
		}
		created = true
	} else if err := p.checkRole(ctx, role); err != nil {
		return err
	}
	st.ExecutionRoleARN = aws.ToString(role.Arn)
	p.rememberExecutionRole(role)
	if !created && !samePolicy(aws.ToString(role.AssumeRolePolicyDocument), trustPolicy) &&
		p.MayWrite(false, "trust policy of role %s differs", name) {
		if _, err := p.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName: aws.String(name), PolicyDocument: aws.String(trustPolicy),
		}); err != nil {
			return fmt.Errorf("restore trust policy of role %s: %w", name, err)
		}
		p.Drift(ctx, "trust policy of role %s was changed; restored (ecs-tasks.amazonaws.com only)", name)
	}
	if err := p.reconcileManagedPolicy(ctx, name, created); err != nil {
		return err
	}
	return p.reconcileSecretsPolicy(ctx, name, created)
}

// rememberExecutionRole keeps, for copiedByPipeline, the ARN of fd's task execution role as
// this pass read it ("" when there is none or its tags do not prove it fd's), so that the
// role is read once a pass.
func (p *pass) rememberExecutionRole(role *iamtypes.Role) {
	arn := ""
	if role != nil && p.Owner().Owns(cloud.FromIAM(role.Tags)) {
		arn = aws.ToString(role.Arn)
	}
	p.ownRoleARN = &arn
}

// findRole gets the role; nil when it does not exist.
func (p *pass) findRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := p.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if cloud.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get role %s: %w", name, err)
	}
	return out.Role, nil
}

func (p *pass) createRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := p.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		PermissionsBoundary:      cloud.PermissionsBoundary(p.roleBoundary),
		Path:                     aws.String(executionRolePath),
		AssumeRolePolicyDocument: aws.String(trustPolicy),
		Description:              aws.String("ECS task execution role of FlaskDeployment " + p.Owner().Ref()),
		Tags:                     cloud.ToIAM(p.Tags(resourceExecutionRole)),
	})
	if cloud.IsAlreadyExists(err) {
		// Created since we looked: check it as found.
		role, ferr := p.findRole(ctx, name)
		if ferr != nil || role == nil {
			return nil, fmt.Errorf("get role %s after EntityAlreadyExists: %w", name, ferr)
		}
		return role, p.checkRole(ctx, role)
	}
	if err != nil {
		return nil, stage.BoundaryError("create role "+name, p.roleBoundary, err)
	}
	arn := aws.ToString(out.Role.Arn)
	p.fd.Status.Service.ExecutionRoleARN = arn
	p.Created(ctx, kindExecutionRole, name)
	if err := stage.CheckpointCreated(ctx, "role "+name); err != nil {
		return nil, err
	}
	return out.Role, nil
}

// checkRole is the ownership check of a role found by name, then the repair of its tags
// and of its permissions boundary.
func (p *pass) checkRole(ctx context.Context, role *iamtypes.Role) error {
	if err := p.RepairTags(ctx, kindExecutionRole, aws.ToString(role.RoleName), p.Tags(resourceExecutionRole),
		cloud.FromIAM(role.Tags), cloud.IAMRoleTagger(p.IAM)); err != nil {
		return err
	}
	return p.RepairRoleBoundary(ctx, p.IAM, role, p.roleBoundary)
}

// reconcileManagedPolicy attaches AmazonECSTaskExecutionRolePolicy when it is missing.
func (p *pass) reconcileManagedPolicy(ctx context.Context, name string, created bool) error {
	if !created {
		pages := iam.NewListAttachedRolePoliciesPaginator(p.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("list policies attached to role %s: %w", name, err)
			}
			for _, pol := range out.AttachedPolicies {
				if aws.ToString(pol.PolicyArn) == executionPolicyARN {
					return nil
				}
			}
		}
		if !p.MayWrite(false, "policy %s is detached from role %s", executionPolicyARN, name) {
			return nil
		}
	}
	if _, err := p.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{
		RoleName: aws.String(name), PolicyArn: aws.String(executionPolicyARN),
	}); err != nil {
		return fmt.Errorf("attach policy %s to role %s: %w", executionPolicyARN, name, err)
	}
	if !created {
		p.Drift(ctx, "policy AmazonECSTaskExecutionRolePolicy was detached from role %s; attached again", name)
	}
	return nil
}

// reconcileSecretsPolicy puts, repairs or removes the inline policy for the secrets.
func (p *pass) reconcileSecretsPolicy(ctx context.Context, name string, created bool) error {
	want := p.secretsPolicy()
	have := ""
	if !created {
		out, err := p.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(secretsPolicyName)})
		switch {
		case cloud.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("get policy %s of role %s: %w", secretsPolicyName, name, err)
		default:
			have = aws.ToString(out.PolicyDocument)
		}
	}
	switch {
	case want == "" && have == "":
		return nil
	case want == "":
		if !p.MayWrite(false, "role %s has a secrets policy but spec.service.secrets is empty", name) {
			return nil
		}
		if _, err := p.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(secretsPolicyName)}); err != nil && !cloud.IsNotFound(err) {
			return fmt.Errorf("delete policy %s of role %s: %w", secretsPolicyName, name, err)
		}
		p.repair(ctx, "UpdatedExecutionRole", "secrets policy removed from role %s", name)
		return nil
	case have != "" && samePolicy(have, want):
		return nil
	}
	if have != "" && !p.MayWrite(false, "secrets policy of role %s differs from spec.service.secrets", name) {
		return nil
	}
	if _, err := p.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(name), PolicyName: aws.String(secretsPolicyName), PolicyDocument: aws.String(want),
	}); err != nil {
		return fmt.Errorf("put policy %s on role %s: %w", secretsPolicyName, name, err)
	}
	if !created {
		p.repair(ctx, "UpdatedExecutionRole", "secrets policy of role %s set to spec.service.secrets", name)
	}
	return nil
}

// deleteExecutionRole deletes the task execution role with its policies, if its tags prove
// it fd's.
func (p *pass) deleteExecutionRole(ctx context.Context) (bool, error) {
	name := p.executionRoleName()
	role, err := p.findRole(ctx, name)
	if err != nil {
		return false, err
	}
	done, err := p.DeleteRole(ctx, p.IAM, kindExecutionRole, name, role, deletePollInterval)
	if done {
		p.fd.Status.Service.ExecutionRoleARN = ""
	}
	return done, err
}
