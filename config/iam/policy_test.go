package iam_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	cluster = "envtest"
	account = "123456789012"
	region  = "us-east-1"
)

var boundaryARN = iampolicy.BoundaryARN(account, cluster)

// request is one authorization IAM makes: an action on a resource, with the request's
// condition keys (tags of the resource and of the request, service keys).
type request struct {
	action, resource string
	keys             map[string][]string
	// scoped marks a request allowed only for this cluster's resources: with its
	// flaskops.io/cluster tags naming another cluster it must be refused.
	scoped bool
}

func (r request) String() string {
	return fmt.Sprintf("%s on %s %v", r.action, r.resource, r.keys)
}

// keys merges condition keys.
func keys(sets ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, s := range sets {
		for k, v := range s {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

func key(k string, v ...string) map[string][]string { return map[string][]string{k: v} }

// resourceTags are the aws:ResourceTag keys of a resource carrying tags.
func resourceTags(tags map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range tags {
		out["aws:ResourceTag/"+k] = []string{v}
	}
	return out
}

// requestTags are the aws:RequestTag keys and aws:TagKeys of a request setting tags.
func requestTags(tags map[string]string) map[string][]string {
	out := map[string][]string{"aws:TagKeys": slices.Sorted(maps.Keys(tags))}
	for k, v := range tags {
		out["aws:RequestTag/"+k] = []string{v}
	}
	return out
}

func read(action, resource string) request { return request{action: action, resource: resource} }

// own is a change to one of the object's resources.
func own(action, resource string, tags map[string]string, extra ...map[string][]string) request {
	return request{action: action, resource: resource, keys: keys(append([]map[string][]string{resourceTags(tags)}, extra...)...), scoped: true}
}

// create is a create carrying the object's tags.
func create(action, resource string, tags map[string]string, extra ...map[string][]string) request {
	return request{action: action, resource: resource, keys: keys(append([]map[string][]string{requestTags(tags)}, extra...)...), scoped: true}
}

func arn(service, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}

func roleARN(name string) string { return "arn:aws:iam::" + account + ":role/flaskops/" + name }

// objects are FlaskDeployments whose names are readable and hashed in every rule.
func objects() []*v1alpha1.FlaskDeployment {
	return []*v1alpha1.FlaskDeployment{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "app", UID: "uid-1"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "team-" + strings.Repeat("n", 58), Name: "web-" + strings.Repeat("x", 196), UID: "uid-2"},
			Spec: v1alpha1.FlaskDeploymentSpec{Tags: map[string]string{"team": "a"}}},
	}
}

// needs are the authorizations the stages' calls need for fd, after the Service
// Authorization Reference (internal/awssim/authz_resources.go models the same): the call
// itself, the tagging a create with tags implies and the roles a call passes.
func needs(fd *v1alpha1.FlaskDeployment) []request {
	o := cloud.NewOwner(cluster, fd)
	var rs []request
	add := func(r ...request) { rs = append(rs, r...) }
	user := map[string]string{"team": "b"} // a tag added to spec.tags

	// Network stage (and the ecs stage's security groups).
	for _, a := range []string{"DescribeAvailabilityZones", "DescribeVpcs", "DescribeVpcAttribute", "DescribeSubnets",
		"DescribeInternetGateways", "DescribeAddresses", "DescribeNatGateways", "DescribeRouteTables", "DescribeSecurityGroups", "DescribeNetworkInterfaces",
		"DescribeVpcPeeringConnections"} {
		add(read("ec2:"+a, "*"))
	}
	// The orchestrator's sweep after teardown, and its release of a retained object's
	// resources.
	add(read("tag:GetResources", "*"), read("tag:UntagResources", "*"))
	ec2 := func(typ, id string) string { return arn("ec2", typ+"/"+id) }
	vpc, subnet, igw, eip, nat, rtb, sg := ec2("vpc", "vpc-1"), ec2("subnet", "subnet-1"), ec2("internet-gateway", "igw-1"),
		ec2("elastic-ip", "eipalloc-1"), ec2("natgateway", "nat-1"), ec2("route-table", "rtb-1"), ec2("security-group", "sg-1")
	tagsOf := func(res string) map[string]string { return o.EC2Tags("network", res) }
	ec2Create := func(action, typ string, parents ...string) {
		tags := tagsOf(typ)
		add(create("ec2:"+action, ec2(typ, "*"), tags),
			create("ec2:CreateTags", ec2(typ, "*"), tags, key("ec2:CreateAction", action)))
		for _, p := range parents {
			add(create("ec2:"+action, p, tags, resourceTags(tagsOf("parent"))))
		}
	}
	ec2Create("CreateVpc", "vpc")
	ec2Create("CreateSubnet", "subnet", vpc)
	ec2Create("CreateInternetGateway", "internet-gateway")
	ec2Create("AllocateAddress", "elastic-ip")
	ec2Create("CreateNatGateway", "natgateway", subnet, eip)
	ec2Create("CreateRouteTable", "route-table", vpc)
	ec2Create("CreateSecurityGroup", "security-group", vpc)
	// A brought-your-own VPC carries no cluster's tags; the service's groups go into it.
	add(request{action: "ec2:CreateSecurityGroup", resource: ec2("vpc", "vpc-theirs"), keys: requestTags(tagsOf("alb"))})
	for action, resources := range map[string][]string{
		"DeleteVpc": {vpc}, "ModifyVpcAttribute": {vpc}, "DeleteSubnet": {subnet}, "ModifySubnetAttribute": {subnet},
		"AttachInternetGateway": {igw, vpc}, "DetachInternetGateway": {igw, vpc}, "DeleteInternetGateway": {igw},
		"ReleaseAddress": {eip}, "DeleteNatGateway": {nat}, "DeleteRouteTable": {rtb}, "CreateRoute": {rtb},
		"ReplaceRoute": {rtb}, "DeleteRoute": {rtb}, "AssociateRouteTable": {rtb, subnet}, "DisassociateRouteTable": {rtb, subnet},
		"ReplaceRouteTableAssociation": {rtb}, "DeleteSecurityGroup": {sg}, "AuthorizeSecurityGroupIngress": {sg},
		"RevokeSecurityGroupIngress": {sg},
	} {
		for _, r := range resources {
			add(own("ec2:"+action, r, tagsOf("x")))
		}
	}
	add(own("ec2:CreateTags", subnet, tagsOf("public-subnet-0"), requestTags(user)),
		own("ec2:DeleteTags", subnet, tagsOf("public-subnet-0"), key("aws:TagKeys", "team")),
		own("ec2:DeleteTags", vpc, tagsOf("vpc"), key("aws:TagKeys", cloud.TagUID))) // the release at a Retain deletion

	// Repository stage.
	repo := arn("ecr", "repository/"+o.Name(cloud.RepositoryName, ""))
	repoTags := o.Tags("ecr", "repository")
	add(create("ecr:CreateRepository", repo, repoTags), create("ecr:TagResource", repo, repoTags))
	for _, a := range []string{"DescribeRepositories", "DescribeImages", "GetLifecyclePolicy", "ListTagsForResource"} {
		add(read("ecr:"+a, repo))
	}
	for _, a := range []string{"DeleteRepository", "PutImageScanningConfiguration", "PutImageTagMutability", "PutLifecyclePolicy"} {
		add(own("ecr:"+a, repo, repoTags))
	}
	add(own("ecr:TagResource", repo, repoTags, requestTags(user)), own("ecr:UntagResource", repo, repoTags, key("aws:TagKeys", "team")),
		own("ecr:UntagResource", repo, repoTags, key("aws:TagKeys", cloud.TagUID)))
	param := arn("ssm", "parameter"+o.Name(cloud.ParameterName, "repository-uri"))
	paramTags := o.Tags("ecr", "repository-uri")
	add(create("ssm:PutParameter", param, paramTags), create("ssm:AddTagsToResource", param, paramTags),
		read("ssm:GetParameter", param), read("ssm:ListTagsForResource", param),
		own("ssm:PutParameter", param, paramTags), own("ssm:DeleteParameter", param, paramTags),
		own("ssm:AddTagsToResource", param, paramTags, requestTags(user)),
		own("ssm:RemoveTagsFromResource", param, paramTags, key("aws:TagKeys", "team")))

	// Service stage.
	for _, a := range []string{"DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeTargetGroups",
		"DescribeTargetGroupAttributes", "DescribeTargetHealth", "DescribeListeners", "DescribeTags"} {
		add(read("elasticloadbalancing:"+a, "*"))
	}
	lbName, tgName := o.Name(cloud.ELBName, "alb"), o.Name(cloud.ELBName, "tg")
	lb, tg := arn("elasticloadbalancing", "loadbalancer/app/"+lbName+"/50dc6c495c0c9188"), arn("elasticloadbalancing", "targetgroup/"+tgName+"/73e2d6bc24d8a067")
	listener := arn("elasticloadbalancing", "listener/app/"+lbName+"/50dc6c495c0c9188/f2f7dc8efc522ab2")
	lbTags := o.Tags("ecs", "alb")
	createAction := func(action string) map[string][]string { return key("elasticloadbalancing:CreateAction", action) }
	add(create("elasticloadbalancing:CreateLoadBalancer", arn("elasticloadbalancing", "loadbalancer/app/"+lbName+"/*"), lbTags),
		create("elasticloadbalancing:AddTags", arn("elasticloadbalancing", "loadbalancer/app/"+lbName+"/*"), lbTags, createAction("CreateLoadBalancer")),
		create("elasticloadbalancing:CreateTargetGroup", arn("elasticloadbalancing", "targetgroup/"+tgName+"/*"), lbTags),
		create("elasticloadbalancing:AddTags", arn("elasticloadbalancing", "targetgroup/"+tgName+"/*"), lbTags, createAction("CreateTargetGroup")),
		own("elasticloadbalancing:CreateListener", lb, lbTags, requestTags(lbTags)),
		create("elasticloadbalancing:AddTags", strings.Replace(lb, ":loadbalancer/", ":listener/", 1)+"/*", lbTags, createAction("CreateListener")))
	for action, r := range map[string]string{"DeleteLoadBalancer": lb, "ModifyLoadBalancerAttributes": lb, "SetSecurityGroups": lb,
		"ModifyTargetGroup": tg, "ModifyTargetGroupAttributes": tg, "DeleteTargetGroup": tg, "ModifyListener": listener, "DeleteListener": listener} {
		add(own("elasticloadbalancing:"+action, r, lbTags))
	}
	add(own("elasticloadbalancing:AddTags", tg, lbTags, requestTags(user)), own("elasticloadbalancing:RemoveTags", listener, lbTags, key("aws:TagKeys", "team")))

	ecsCluster := o.Name(cloud.ECSName, "cluster")
	svcName, family := o.Name(cloud.ECSName, "service"), o.Name(cloud.ECSName, "task")
	clusterARN, service := arn("ecs", "cluster/"+ecsCluster), arn("ecs", "service/"+ecsCluster+"/"+svcName)
	taskDef := arn("ecs", "task-definition/"+family+":3")
	ecsTags := o.Tags("ecs", "service")
	ecsCreateAction := func(action string) map[string][]string { return key("ecs:CreateAction", action) }
	exec := roleARN(o.Name(cloud.RoleName, "exec"))
	roleTags := o.Tags("ecs", "execution-role")
	add(create("ecs:CreateCluster", clusterARN, ecsTags), create("ecs:TagResource", clusterARN, ecsTags, ecsCreateAction("CreateCluster")),
		create("ecs:CreateService", service, ecsTags), create("ecs:TagResource", service, ecsTags, ecsCreateAction("CreateService")),
		create("ecs:RegisterTaskDefinition", "*", ecsTags),
		create("ecs:TagResource", arn("ecs", "task-definition/"+family+":*"), ecsTags, ecsCreateAction("RegisterTaskDefinition")),
		own("iam:PassRole", exec, roleTags, key("iam:PassedToService", "ecs-tasks.amazonaws.com")),
		read("ecs:DescribeTaskDefinition", "*"), read("ecs:ListTaskDefinitions", "*"), read("ecs:ListTasks", "*"),
		read("ecs:DeregisterTaskDefinition", "*"), read("ecs:DeleteTaskDefinitions", "*"),
		read("ecs:DescribeClusters", clusterARN), read("ecs:DescribeServices", service),
		read("ecs:DescribeTasks", arn("ecs", "task/"+ecsCluster+"/0123456789abcdef")),
		read("ecs:ListTagsForResource", service), read("ecs:ListTagsForResource", taskDef),
		own("ecs:DeleteCluster", clusterARN, ecsTags), own("ecs:UpdateService", service, ecsTags), own("ecs:DeleteService", service, ecsTags),
		own("ecs:TagResource", taskDef, ecsTags, requestTags(user)), own("ecs:UntagResource", service, ecsTags, key("aws:TagKeys", "team")),
		// The adoption of a revision the pipeline's deploy registered without tags.
		create("ecs:TagResource", taskDef, o.Tags("ecs", "task-definition")))

	logGroup := arn("logs", "log-group:"+o.Name(cloud.LogGroupName, "ecs"))
	logTags := o.Tags("ecs", "log-group")
	add(create("logs:CreateLogGroup", logGroup, logTags), create("logs:TagResource", logGroup, logTags),
		read("logs:DescribeLogGroups", arn("logs", "log-group::log-stream:")), read("logs:ListTagsForResource", logGroup),
		own("logs:PutRetentionPolicy", logGroup, logTags), own("logs:DeleteLogGroup", logGroup, logTags),
		own("logs:TagResource", logGroup, logTags, requestTags(user)), own("logs:UntagResource", logGroup, logTags, key("aws:TagKeys", "team")))

	newTarget, target := arn("application-autoscaling", "scalable-target/*"), arn("application-autoscaling", "scalable-target/0123456789abcdef0123456789abcdef")
	targetTags := o.Tags("ecs", "scalable-target")
	add(read("application-autoscaling:DescribeScalableTargets", "*"), read("application-autoscaling:DescribeScalingPolicies", "*"),
		read("application-autoscaling:ListTagsForResource", target),
		create("application-autoscaling:RegisterScalableTarget", newTarget, targetTags),
		create("application-autoscaling:TagResource", newTarget, targetTags),
		own("application-autoscaling:RegisterScalableTarget", target, targetTags, requestTags(targetTags)),
		own("application-autoscaling:TagResource", target, targetTags, requestTags(targetTags)),
		own("application-autoscaling:PutScalingPolicy", target, targetTags),
		own("application-autoscaling:DeleteScalingPolicy", target, targetTags),
		own("application-autoscaling:DeregisterScalableTarget", target, targetTags),
		own("application-autoscaling:UntagResource", target, targetTags, key("aws:TagKeys", "team")))
	// Target tracking makes Application Auto Scaling create and delete CloudWatch alarms
	// with the caller's permissions, named after the scalable resource.
	for _, a := range []string{"PutMetricAlarm", "DescribeAlarms", "DeleteAlarms"} {
		add(read("cloudwatch:"+a, arn("cloudwatch", "alarm:TargetTracking-service/"+ecsCluster+"/"+svcName+"-AlarmHigh-4d2c3f0e")))
	}

	// IAM: the execution role (ecs) and the build and pipeline roles (cicd).
	for _, slr := range []string{"ecs.amazonaws.com/AWSServiceRoleForECS",
		"elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
		"ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"} {
		svc, _, _ := strings.Cut(slr, "/")
		add(read("iam:CreateServiceLinkedRole", "arn:aws:iam::"+account+":role/aws-service-role/"+slr).with(key("iam:AWSServiceName", svc)))
	}
	boundary := key("iam:PermissionsBoundary", boundaryARN)
	for _, suffix := range []string{"exec", "build", "pipeline"} {
		role := roleARN(o.Name(cloud.RoleName, suffix))
		add(create("iam:CreateRole", role, roleTags, boundary), create("iam:TagRole", role, roleTags))
		for _, a := range []string{"GetRole", "GetRolePolicy", "ListAttachedRolePolicies", "ListRolePolicies", "ListRoleTags"} {
			add(read("iam:"+a, role))
		}
		// IAM checks a role that does not exist yet without its path: the stage's first
		// look must end in NoSuchEntity, not AccessDenied.
		add(read("iam:GetRole", "arn:aws:iam::"+account+":role/"+o.Name(cloud.RoleName, suffix)))
		for _, a := range []string{"DeleteRole", "UpdateAssumeRolePolicy"} {
			add(own("iam:"+a, role, roleTags))
		}
		// A role of ours found without the boundary (created before the manager had one) is
		// given it, and only it.
		add(own("iam:PutRolePermissionsBoundary", role, roleTags, boundary))
		add(own("iam:PutRolePolicy", role, roleTags, boundary), own("iam:DeleteRolePolicy", role, roleTags, boundary),
			own("iam:DetachRolePolicy", role, roleTags, boundary, key("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess")),
			own("iam:TagRole", role, roleTags, requestTags(user)), own("iam:UntagRole", role, roleTags, key("aws:TagKeys", "team")),
			own("iam:UntagRole", role, roleTags, key("aws:TagKeys", cloud.TagUID)))
	}
	add(own("iam:AttachRolePolicy", exec, roleTags, boundary,
		key("iam:PolicyARN", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")))

	// CI/CD stage.
	bucket := "arn:aws:s3:::" + o.ScopedName(cloud.BucketName, "artifacts", account, region)
	for _, a := range []string{"CreateBucket", "TagResource", "DeleteBucket", "PutBucketVersioning", "GetBucketVersioning",
		"PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock", "PutEncryptionConfiguration", "GetEncryptionConfiguration",
		"PutLifecycleConfiguration", "GetLifecycleConfiguration", "PutBucketTagging", "GetBucketTagging", "ListBucketVersions"} {
		add(read("s3:"+a, bucket))
	}
	add(read("s3:DeleteObject", bucket+"/artifacts/build/abc.zip"), read("s3:DeleteObjectVersion", bucket+"/artifacts/build/abc.zip"))
	project := arn("codebuild", "project/"+o.Name(cloud.ProjectName, "build"))
	cicdTags := o.Tags("cicd", "build")
	build, pipelineRole := roleARN(o.Name(cloud.RoleName, "build")), roleARN(o.Name(cloud.RoleName, "pipeline"))
	passTo := func(role, service string) request {
		return own("iam:PassRole", role, roleTags, key("iam:PassedToService", service))
	}
	add(create("codebuild:CreateProject", project, cicdTags), passTo(build, "codebuild.amazonaws.com"),
		read("codebuild:BatchGetProjects", project), read("codebuild:BatchGetBuilds", project), read("codebuild:ListBuildsForProject", project),
		own("codebuild:UpdateProject", project, cicdTags, requestTags(cicdTags)), own("codebuild:DeleteProject", project, cicdTags),
		own("codebuild:StopBuild", project, cicdTags))
	pipeline := arn("codepipeline", o.Name(cloud.PipelineName, "pipeline"))
	// A pipeline whose source is a connection passes it to CodePipeline (not modelled by
	// awssim); connections have the codestar-connections and the newer codeconnections ARNs.
	for _, svc := range []string{"codestar-connections", "codeconnections"} {
		connection := arn(svc, "connection/8a0e1a0c-5a6e-4c52-9d0a-3a1a2b3c4d5e")
		add(read("codestar-connections:PassConnection", connection).with(key("codestar-connections:PassedToService", "codepipeline.amazonaws.com")),
			read("codestar-connections:GetConnection", connection),
			// Its tags say which namespace's objects may use it.
			read("codestar-connections:ListTagsForResource", connection))
	}
	add(create("codepipeline:CreatePipeline", pipeline, cicdTags), create("codepipeline:TagResource", pipeline, cicdTags),
		passTo(pipelineRole, "codepipeline.amazonaws.com"),
		read("codepipeline:GetPipeline", pipeline), read("codepipeline:GetPipelineState", pipeline),
		read("codepipeline:ListPipelineExecutions", pipeline), read("codepipeline:ListTagsForResource", pipeline),
		own("codepipeline:UpdatePipeline", pipeline, cicdTags), own("codepipeline:DeletePipeline", pipeline, cicdTags),
		own("codepipeline:TagResource", pipeline, cicdTags, requestTags(user)),
		own("codepipeline:UntagResource", pipeline, cicdTags, key("aws:TagKeys", "team")))
	return rs
}

func (r request) with(k map[string][]string) request {
	r.keys = keys(r.keys, k)
	return r
}

// refusals are what the policy must refuse whatever the stages do.
func refusals(fd *v1alpha1.FlaskDeployment) map[string]request {
	o := cloud.NewOwner(cluster, fd)
	other := cloud.NewOwner("other", fd)
	ours, theirs := o.EC2Tags("network", "vpc"), other.EC2Tags("network", "vpc")
	noOwner := maps.Clone(ours)
	delete(noOwner, cloud.TagOwner)
	exec := roleARN(o.Name(cloud.RoleName, "exec"))
	roleTags := o.Tags("ecs", "execution-role")
	boundary := key("iam:PermissionsBoundary", boundaryARN)
	vpc := arn("ec2", "vpc/vpc-1")
	taskDef := arn("ecs", "task-definition/"+o.Name(cloud.ECSName, "task")+":3")
	revisionTags := o.Tags("ecs", "task-definition")
	return map[string]request{
		"another cluster's revision tagged as ours": own("ecs:TagResource", taskDef, other.Tags("ecs", "task-definition"), requestTags(revisionTags)),
		"another family's revision tagged as ours":  create("ecs:TagResource", arn("ecs", "task-definition/theirs:1"), revisionTags),
		"an untagged service tagged as ours":        create("ecs:TagResource", arn("ecs", "service/x/y"), o.Tags("ecs", "service")),
		"an untagged revision tagged as a service":  create("ecs:TagResource", taskDef, o.Tags("ecs", "service")),
		"another cluster's VPC delete":              own("ec2:DeleteVpc", vpc, theirs),
		"an untagged VPC's delete":                  read("ec2:DeleteVpc", vpc),
		"a VPC whose owner tag was removed":         own("ec2:DeleteVpc", vpc, noOwner),
		"a VPC created without tags":                read("ec2:CreateVpc", arn("ec2", "vpc/*")),
		"a VPC created for another cluster":         create("ec2:CreateVpc", arn("ec2", "vpc/*"), theirs),
		"a subnet in another cluster's VPC":         create("ec2:CreateSubnet", vpc, ours, resourceTags(theirs)),
		"a subnet in an untagged VPC":               create("ec2:CreateSubnet", vpc, ours),
		"a security group in another cluster's VPC": create("ec2:CreateSecurityGroup", vpc, ours, resourceTags(theirs)),
		"tagging an untagged VPC as ours":           create("ec2:CreateTags", vpc, ours),
		"removing the owner tag of our VPC":         own("ec2:DeleteTags", vpc, ours, key("aws:TagKeys", cloud.TagOwner)),
		"removing the uid and cluster tags at once": own("ec2:DeleteTags", vpc, ours, key("aws:TagKeys", cloud.TagUID, cloud.TagCluster)),
		"re-tagging our VPC to another cluster":     own("ec2:CreateTags", vpc, ours, requestTags(map[string]string{cloud.TagCluster: "other"})),
		"iam:CreateRole without boundary":           create("iam:CreateRole", exec, roleTags),
		"iam:CreateRole with another boundary":      create("iam:CreateRole", exec, roleTags, key("iam:PermissionsBoundary", "arn:aws:iam::"+account+":policy/Admin")),
		"a role outside /flaskops/":                 create("iam:CreateRole", "arn:aws:iam::"+account+":role/"+o.Name(cloud.RoleName, "exec"), roleTags, boundary),
		"a role of another cluster's name":          create("iam:CreateRole", roleARN(other.Name(cloud.RoleName, "exec")), roleTags, boundary),
		"reading a role outside /flaskops/":         read("iam:GetRolePolicy", "arn:aws:iam::"+account+":role/admin"),
		"PassRole to ec2":                           own("iam:PassRole", exec, roleTags, key("iam:PassedToService", "ec2.amazonaws.com")),
		"PassRole of the build role to ECS tasks":   own("iam:PassRole", roleARN(o.Name(cloud.RoleName, "build")), roleTags, key("iam:PassedToService", "ecs-tasks.amazonaws.com")),
		"PassRole of a role outside /flaskops/":     own("iam:PassRole", "arn:aws:iam::"+account+":role/admin", roleTags, key("iam:PassedToService", "ecs-tasks.amazonaws.com")),
		"AttachRolePolicy of AdministratorAccess":   own("iam:AttachRolePolicy", exec, roleTags, boundary, key("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess")),
		"PutRolePolicy on a non-flaskops role":      own("iam:PutRolePolicy", "arn:aws:iam::"+account+":role/admin", roleTags, boundary),
		"PutRolePolicy on a role without boundary":  own("iam:PutRolePolicy", exec, roleTags),
		"lifting a role's boundary":                 own("iam:DeleteRolePermissionsBoundary", exec, roleTags, boundary),
		"replacing a role's boundary with another":  own("iam:PutRolePermissionsBoundary", exec, roleTags, key("iam:PermissionsBoundary", "arn:aws:iam::"+account+":policy/Admin")),
		"a boundary on a role that is not ours":     own("iam:PutRolePermissionsBoundary", "arn:aws:iam::"+account+":role/admin", roleTags, boundary),
		"a boundary on a role without owner":        own("iam:PutRolePermissionsBoundary", exec, noOwner, boundary),
		"a service-linked role for EC2":             read("iam:CreateServiceLinkedRole", "arn:aws:iam::"+account+":role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2").with(key("iam:AWSServiceName", "ec2.amazonaws.com")),
		"another cluster's load balancer delete":    own("elasticloadbalancing:DeleteLoadBalancer", arn("elasticloadbalancing", "loadbalancer/app/x/1"), theirs),
		"another cluster's service update":          own("ecs:UpdateService", arn("ecs", "service/x/y"), theirs),
		"an untagged repository's delete":           read("ecr:DeleteRepository", arn("ecr", "repository/theirs")),
		"a tenant's secret parameter":               create("ssm:PutParameter", arn("ssm", "parameter/flaskops/"+fd.Namespace+"/db"), ours),
		"another cluster's parameter overwrite":     own("ssm:PutParameter", arn("ssm", "parameter"+o.Name(cloud.ParameterName, "repository-uri")), theirs),
		"another cluster's log group delete":        own("logs:DeleteLogGroup", arn("logs", "log-group:"+o.Name(cloud.LogGroupName, "ecs")), theirs),
		"another cluster's bucket delete":           read("s3:DeleteBucket", "arn:aws:s3:::"+other.ScopedName(cloud.BucketName, "artifacts", account, region)),
		"reading objects of the artifact bucket":    read("s3:GetObject", "arn:aws:s3:::"+o.ScopedName(cloud.BucketName, "artifacts", account, region)+"/x"),
		"another cluster's pipeline delete":         own("codepipeline:DeletePipeline", arn("codepipeline", other.Name(cloud.PipelineName, "pipeline")), theirs),
		"another alarm's delete":                    read("cloudwatch:DeleteAlarms", arn("cloudwatch", "alarm:billing")),
		"assuming a role":                           read("sts:AssumeRole", exec),
		"creating a managed policy":                 read("iam:CreatePolicy", "arn:aws:iam::"+account+":policy/flaskops/x"),
		"launching instances":                       read("ec2:RunInstances", arn("ec2", "instance/*")),
		"reading a secret":                          read("secretsmanager:GetSecretValue", arn("secretsmanager", "secret:flaskops/shop/db-AbCdEf")),
	}
}

// document is an IAM policy as written: Action and Resource may each be one string or a list.
type document struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    stringList
		NotAction stringList
		Resource  stringList
		Condition map[string]map[string]any
	}
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// unscopedActions are the actions config/iam/README.md justifies granting on "*": its
// table rows "| `service:Action` | reason |".
func unscopedActions(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+:[A-Za-z0-9]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = true
	}
	return out
}

// maxManagedPolicy is IAM's limit on a managed policy, in characters without whitespace.
const maxManagedPolicy = 6144

// problems lists what is wrong with the operator's policy documents: a grant broader
// than the stages need, a need it does not meet, a refusal it does not make.
func problems(docs map[string][]byte, unscoped map[string]bool) []string {
	var out []string
	needed := map[string]bool{}
	var all []request
	for _, fd := range objects() {
		all = append(all, needs(fd)...)
	}
	for _, r := range all {
		needed[r.action] = true
	}
	onStar := map[string]bool{}
	var merged []json.RawMessage
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		b := docs[name]
		long := strings.ReplaceAll(string(b), cluster, strings.Repeat("c", 32))
		if n := len(regexp.MustCompile(`\s`).ReplaceAllString(long, "")); n > maxManagedPolicy {
			out = append(out, fmt.Sprintf("%s has %d characters without whitespace with a 32-character cluster name; IAM takes %d", name, n, maxManagedPolicy))
		}
		var doc document
		var raw struct{ Statement []json.RawMessage }
		if err := json.Unmarshal(b, &doc); err != nil {
			return append(out, fmt.Sprintf("%s: %v", name, err))
		}
		_ = json.Unmarshal(b, &raw)
		merged = append(merged, raw.Statement...)
		for _, s := range doc.Statement {
			if s.Effect != "Allow" {
				continue
			}
			if len(s.NotAction) > 0 {
				out = append(out, fmt.Sprintf("%s %s: Allow with NotAction grants every other action", name, s.Sid))
			}
			for _, a := range s.Action {
				switch {
				case strings.ContainsAny(a, "*?"):
					out = append(out, fmt.Sprintf("%s %s: action %q is a wildcard; name each action the stages call", name, s.Sid, a))
				case !needed[a]:
					out = append(out, fmt.Sprintf("%s %s: %s is allowed but no stage needs it", name, s.Sid, a))
				}
				if slices.Contains(s.Resource, "*") {
					onStar[a] = true
					if !unscoped[a] {
						out = append(out, fmt.Sprintf("%s %s: %s on \"*\" without a reason in config/iam/README.md", name, s.Sid, a))
					}
				}
			}
		}
	}
	for a := range unscoped {
		if !onStar[a] {
			out = append(out, fmt.Sprintf("config/iam/README.md justifies %s on \"*\", which no statement grants", a))
		}
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": merged})
	p, err := awssim.ParsePolicy(doc)
	if err != nil {
		return append(out, err.Error())
	}
	for _, r := range all {
		if !p.Allows(r.action, r.resource, r.keys) {
			out = append(out, "refuses what a stage needs: "+r.String())
		}
		if r.scoped {
			if foreign := otherCluster(r); p.Allows(foreign.action, foreign.resource, foreign.keys) {
				out = append(out, "allows it for another cluster's resources too: "+foreign.String())
			}
		}
	}
	for _, fd := range objects() {
		for what, r := range refusals(fd) {
			if p.Allows(r.action, r.resource, r.keys) {
				out = append(out, fmt.Sprintf("allows %s: %s", what, r))
			}
		}
	}
	return out
}

// otherCluster is r with every flaskops.io/cluster tag naming another cluster.
func otherCluster(r request) request {
	r.keys = maps.Clone(r.keys)
	for k := range r.keys {
		if strings.HasSuffix(k, "/"+cloud.TagCluster) {
			r.keys[k] = []string{"other"}
		}
	}
	return r
}

func operatorDocs(t *testing.T) map[string][]byte {
	t.Helper()
	docs, err := iampolicy.OperatorPolicies(cluster)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no operator-policy-*.json")
	}
	return docs
}

// The policy allows exactly what the stages need, on their own resources only, and
// refuses what would reach another cluster's resources or escalate through IAM.
func TestOperatorPolicyIsLeastPrivilege(t *testing.T) {
	for _, p := range problems(operatorDocs(t), unscopedActions(t)) {
		t.Error(p)
	}
}

// The check above fails when the policy is broadened: an extra statement that grants
// everything, an action the stages do not call, a change on "*", a change without the
// cluster condition, a PassRole to any service.
func TestLeastPrivilegeCheckCatchesBroadening(t *testing.T) {
	for name, stmt := range map[string]string{
		"Action *":                      `{"Effect":"Allow","Action":"*","Resource":"*"}`,
		"a service wildcard":            `{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`,
		"an action no stage calls":      `{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}`,
		"a change on *":                 `{"Effect":"Allow","Action":"ec2:DeleteVpc","Resource":"*"}`,
		"a change without condition":    `{"Effect":"Allow","Action":["ec2:DeleteVpc","ec2:DeleteSubnet"],"Resource":["arn:aws:ec2:*:*:vpc/*","arn:aws:ec2:*:*:subnet/*"]}`,
		"PassRole to any service":       `{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/flaskops/*"}`,
		"roles without boundary":        `{"Effect":"Allow","Action":"iam:CreateRole","Resource":"arn:aws:iam::*:role/flaskops/*"}`,
		"NotAction":                     `{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`,
		"another cluster's bucket name": `{"Effect":"Allow","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::*"}`,
	} {
		docs := operatorDocs(t)
		docs["operator-policy-extra.json"] = []byte(`{"Version":"2012-10-17","Statement":[` + stmt + `]}`)
		if len(problems(docs, unscopedActions(t))) == 0 {
			t.Errorf("%s: no problem found in a policy with %s", name, stmt)
		}
	}
	docs := operatorDocs(t)
	for name, doc := range docs {
		docs[name] = []byte(strings.ReplaceAll(string(doc), `"aws:ResourceTag/flaskops.io/cluster": "envtest"`, `"aws:ResourceTag/flaskops.io/cluster": ["envtest", "other"]`))
	}
	if len(problems(docs, unscopedActions(t))) == 0 {
		t.Error("no problem found in a policy whose cluster conditions accept any cluster")
	}
}

// Every method of the stages' narrow client interfaces is an AWS call; each must be
// among the needs, so that a new call cannot slip past the policy's check.
func TestNeedsCoverEveryCallOfTheStages(t *testing.T) {
	needed := map[string]bool{}
	for _, r := range needs(objects()[0]) {
		needed[r.action] = true
	}
	for prefix, apis := range map[string][]any{
		"ec2":                     {(*cloud.NetworkEC2)(nil), (*cloud.ServiceEC2)(nil)},
		"ecr":                     {(*cloud.ECRAPI)(nil)},
		"ssm":                     {(*cloud.SSMAPI)(nil)},
		"elasticloadbalancing":    {(*cloud.ELBv2API)(nil)},
		"ecs":                     {(*cloud.ECSAPI)(nil), (*cloud.DeployedTaskDefinitions)(nil)},
		"iam":                     {(*cloud.IAMAPI)(nil), (*cloud.PipelineIAM)(nil)},
		"logs":                    {(*cloud.LogsAPI)(nil), (*cloud.BuildLogsAPI)(nil)},
		"application-autoscaling": {(*cloud.AutoScalingAPI)(nil)},
		"s3":                      {(*cloud.ArtifactsS3)(nil)},
		"codebuild":               {(*cloud.CodeBuildAPI)(nil)},
		"codepipeline":            {(*cloud.CodePipelineAPI)(nil)},
		"codestar-connections":    {(*cloud.ConnectionsAPI)(nil)},
		"sts":                     {(*cloud.IdentityAPI)(nil)},
		"tag":                     {(*cloud.TaggingAPI)(nil)},
	} {
		for _, ptr := range apis {
			typ := reflect.TypeOf(ptr).Elem()
			for i := range typ.NumMethod() {
				op := prefix + ":" + typ.Method(i).Name
				actions, renamed := actionsOf[op]
				if !renamed {
					actions = []string{op}
				}
				for _, action := range actions {
					if !needed[action] {
						t.Errorf("%s calls %s, which needs %s: the needs of config/iam/policy_test.go do not list it; add it there and to the policy", typ.Name(), op, action)
					}
				}
			}
		}
	}
}

// actionsOf are the IAM actions of the operations not authorized as the action of their
// own name (the Service Authorization Reference; internal/awssim/authz_resources.go).
var actionsOf = map[string][]string{
	"s3:GetPublicAccessBlock":            {"s3:GetBucketPublicAccessBlock"},
	"s3:PutPublicAccessBlock":            {"s3:PutBucketPublicAccessBlock"},
	"s3:GetBucketEncryption":             {"s3:GetEncryptionConfiguration"},
	"s3:PutBucketEncryption":             {"s3:PutEncryptionConfiguration"},
	"s3:GetBucketLifecycleConfiguration": {"s3:GetLifecycleConfiguration"},
	"s3:PutBucketLifecycleConfiguration": {"s3:PutLifecycleConfiguration"},
	"s3:ListObjectVersions":              {"s3:ListBucketVersions"},
	"s3:DeleteObjects":                   {"s3:DeleteObject", "s3:DeleteObjectVersion"},
	"s3:CreateBucket":                    {"s3:CreateBucket", "s3:TagResource"}, // created with its tags
	"sts:GetCallerIdentity":              nil,                                   // needs no permission
}

// The boundary caps the roles the operator creates at what the task execution, build and
// pipeline roles need.
func TestPermissionsBoundary(t *testing.T) {
	doc, err := iampolicy.PermissionsBoundary(cluster)
	if err != nil {
		t.Fatal(err)
	}
	p, err := awssim.ParsePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range objects() {
		o, other := cloud.NewOwner(cluster, fd), cloud.NewOwner("other", fd)
		repo := arn("ecr", "repository/"+o.Name(cloud.RepositoryName, ""))
		bucket := "arn:aws:s3:::" + o.ScopedName(cloud.BucketName, "artifacts", account, region)
		service := arn("ecs", "service/"+o.Name(cloud.ECSName, "cluster")+"/"+o.Name(cloud.ECSName, "service"))
		exec := roleARN(o.Name(cloud.RoleName, "exec"))
		execRole := []request{
			read("ecr:GetAuthorizationToken", "*"),
			read("ecr:BatchGetImage", arn("ecr", "repository/someone/base")),
			read("ecr:GetDownloadUrlForLayer", repo), read("ecr:BatchCheckLayerAvailability", repo),
			read("logs:CreateLogStream", arn("logs", "log-group:"+o.Name(cloud.LogGroupName, "ecs")+":log-stream:ecs/app/1")),
			read("logs:PutLogEvents", arn("logs", "log-group:"+o.Name(cloud.LogGroupName, "ecs")+":log-stream:ecs/app/1")),
			read("ssm:GetParameters", arn("ssm", "parameter/flaskops/"+fd.Namespace+"/db")),
			read("secretsmanager:GetSecretValue", arn("secretsmanager", "secret:flaskops/"+fd.Namespace+"/api-AbCdEf")),
		}
		buildRole := []request{
			own("ecr:PutImage", repo, o.Tags("ecr", "repository")), own("ecr:InitiateLayerUpload", repo, o.Tags("ecr", "repository")),
			own("ecr:UploadLayerPart", repo, o.Tags("ecr", "repository")), own("ecr:CompleteLayerUpload", repo, o.Tags("ecr", "repository")),
			read("logs:PutLogEvents", arn("logs", "log-group:"+o.Name(cloud.LogGroupName, "build")+":log-stream:abc")),
			read("ssm:GetParameters", arn("ssm", "parameter"+o.Name(cloud.ParameterName, "repository-uri"))),
			read("s3:GetObject", bucket+"/src/abc.zip"), read("s3:PutObject", bucket+"/build/abc.zip"),
		}
		pipelineRole := []request{
			read("s3:GetObjectVersion", bucket+"/src/abc.zip"), read("s3:GetBucketVersioning", bucket),
			own("codebuild:StartBuild", arn("codebuild", "project/"+o.Name(cloud.ProjectName, "build")), o.Tags("cicd", "build")),
			own("codebuild:BatchGetBuilds", arn("codebuild", "project/"+o.Name(cloud.ProjectName, "build")), o.Tags("cicd", "build")),
			read("codestar-connections:UseConnection", arn("codestar-connections", "connection/abc")),
			read("ecs:DescribeTaskDefinition", "*"), read("ecs:RegisterTaskDefinition", "*"),
			read("ecs:ListTasks", arn("ecs", "container-instance/"+o.Name(cloud.ECSName, "cluster")+"/*")),
			read("ecs:DescribeTasks", arn("ecs", "task/"+o.Name(cloud.ECSName, "cluster")+"/0123")),
			read("codeconnections:UseConnection", arn("codeconnections", "connection/abc")),
			own("ecs:DescribeServices", service, o.Tags("ecs", "service")), own("ecs:UpdateService", service, o.Tags("ecs", "service")),
			read("ecs:TagResource", arn("ecs", "task-definition/x:2")).with(key("ecs:CreateAction", "RegisterTaskDefinition")),
			own("iam:PassRole", exec, o.Tags("ecs", "execution-role"), key("iam:PassedToService", "ecs-tasks.amazonaws.com")),
		}
		for _, r := range slices.Concat(execRole, buildRole, pipelineRole) {
			if !p.Allows(r.action, r.resource, r.keys) {
				t.Errorf("the boundary refuses what a role needs: %s", r)
			}
			if foreign := otherCluster(r); r.scoped && p.Allows(foreign.action, foreign.resource, foreign.keys) {
				t.Errorf("the boundary allows it for another cluster: %s", foreign)
			}
		}
		for what, r := range map[string]request{
			"creating roles":                      read("iam:CreateRole", exec),
			"passing the build role to ECS tasks": own("iam:PassRole", roleARN(o.Name(cloud.RoleName, "build")), o.Tags("cicd", "build"), key("iam:PassedToService", "ecs-tasks.amazonaws.com")),
			"another cluster's bucket":            read("s3:GetObject", "arn:aws:s3:::"+other.ScopedName(cloud.BucketName, "artifacts", account, region)+"/x"),
			"an untagged repository push":         read("ecr:PutImage", arn("ecr", "repository/theirs")),
			"a secret outside flaskops/":          read("secretsmanager:GetSecretValue", arn("secretsmanager", "secret:prod/db-AbCdEf")),
			"a parameter outside /flaskops/":      read("ssm:GetParameters", arn("ssm", "parameter/prod/db")),
			"another cluster's logs":              read("logs:PutLogEvents", arn("logs", "log-group:"+other.Name(cloud.LogGroupName, "ecs")+":log-stream:x")),
			"an untagged service update":          read("ecs:UpdateService", service),
			"assuming roles":                      read("sts:AssumeRole", exec),
			"deleting the repository":             own("ecr:DeleteRepository", repo, o.Tags("ecr", "repository")),
		} {
			if p.Allows(r.action, r.resource, r.keys) {
				t.Errorf("the boundary allows %s: %s", what, r)
			}
		}
	}
}

// A policy installed without its cluster name refuses every write rather than grant
// any cluster's: the placeholder matches no tag value.
func TestUnrenderedPolicyRefusesWrites(t *testing.T) {
	docs := map[string][]byte{}
	for _, name := range []string{"operator-policy-network.json", "operator-policy-iam.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = b
	}
	var merged []json.RawMessage
	for _, b := range docs {
		var d struct{ Statement []json.RawMessage }
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		merged = append(merged, d.Statement...)
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": merged})
	p, err := awssim.ParsePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	o := cloud.NewOwner(cluster, objects()[0])
	if r := own("ec2:DeleteVpc", arn("ec2", "vpc/vpc-1"), o.EC2Tags("network", "vpc")); p.Allows(r.action, r.resource, r.keys) {
		t.Errorf("the unrendered policy allows %s", r)
	}
	if _, err := iampolicy.OperatorPolicies("Not_A_Label"); err == nil {
		t.Error("OperatorPolicies rendered a cluster name that is no DNS label")
	}
}
