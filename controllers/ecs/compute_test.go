package ecs_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	corev1 "k8s.io/api/core/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	ecsstage "github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

var bg = context.Background()

// names of fd's compute resources, as the stage derives them.
func roleName(fd *v1alpha1.FlaskDeployment) string { return owner(fd).Name(cloud.RoleName, "exec") }
func logGroup(fd *v1alpha1.FlaskDeployment) string { return owner(fd).Name(cloud.LogGroupName, "ecs") }
func ecsName(fd *v1alpha1.FlaskDeployment, suffix string) string {
	return owner(fd).Name(cloud.ECSName, suffix)
}

func (r *rig) service(fd *v1alpha1.FlaskDeployment) ecstypes.Service {
	r.t.Helper()
	out, err := r.clients.ECS(region).DescribeServices(bg, &ecs.DescribeServicesInput{
		Cluster: aws.String(fd.Status.Service.ClusterARN), Services: []string{fd.Status.Service.ServiceARN},
	})
	if err != nil || len(out.Services) != 1 {
		r.t.Fatalf("describe service %s: %v %+v", fd.Status.Service.ServiceARN, err, out)
	}
	return out.Services[0]
}

func (r *rig) taskDefinition(arn string) *ecstypes.TaskDefinition {
	r.t.Helper()
	out, err := r.clients.ECS(region).DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		r.t.Fatalf("describe task definition %s: %v", arn, err)
	}
	return out.TaskDefinition
}

func (r *rig) activeRevisions(fd *v1alpha1.FlaskDeployment) []string {
	r.t.Helper()
	out, err := r.clients.ECS(region).ListTaskDefinitions(bg, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(ecsName(fd, "task"))})
	if err != nil {
		r.t.Fatalf("list task definitions: %v", err)
	}
	return out.TaskDefinitionArns
}

func image(td *ecstypes.TaskDefinition) string { return aws.ToString(td.ContainerDefinitions[0].Image) }

// converged builds the network and runs the ecs stage until it is ready.
func converged(t *testing.T, fd *v1alpha1.FlaskDeployment) *rig {
	r := newRig(t)
	r.buildNetwork(fd)
	r.converge(fd)
	return r
}

// Everything the compute side creates, with the spec's settings, in one converged stage;
// then a second pass changes nothing, and a delete leaves nothing of the stage's while the
// network can be deleted after it.
func TestComputeConvergesAndDeletes(t *testing.T) {
	fd := newFD("shop", "web")
	fd.Spec.Service.LogRetentionDays = 14
	fd.Spec.Service.Env = []corev1.EnvVar{{Name: "MODE", Value: "prod"}, {Name: "A", Value: "1"}}
	ssmARN := "arn:aws:ssm:us-east-1:123456789012:parameter/shop/db"
	smARN := "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-key-AbCdEf"
	fd.Spec.Service.Secrets = []v1alpha1.SecretEnvVar{{Name: "DB", ValueFrom: ssmARN}, {Name: "KEY", ValueFrom: smARN + ":password::"}}
	r := converged(t, fd)
	st := fd.Status.Service

	// Execution role: path, trust, managed policy, secrets policy on exactly those ARNs, tags.
	role, err := r.clients.IAM(region).GetRole(bg, &iam.GetRoleInput{RoleName: aws.String(roleName(fd))})
	if err != nil {
		t.Fatalf("get role: %v", err)
	}
	if aws.ToString(role.Role.Path) != "/flaskops/" || aws.ToString(role.Role.Arn) != st.ExecutionRoleARN {
		t.Errorf("role path %s arn %s, status %s", aws.ToString(role.Role.Path), aws.ToString(role.Role.Arn), st.ExecutionRoleARN)
	}
	trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	if !strings.Contains(trust, `"Service":"ecs-tasks.amazonaws.com"`) || !strings.Contains(trust, "sts:AssumeRole") {
		t.Errorf("trust policy %s", trust)
	}
	if cloud.FromIAM(role.Role.Tags)[cloud.TagOwner] != "shop/web" || cloud.FromIAM(role.Role.Tags)["project"] != "mane" {
		t.Errorf("role tags %v", cloud.FromIAM(role.Role.Tags))
	}
	attached, _ := r.clients.IAM(region).ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName(fd))})
	if len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" {
		t.Errorf("attached policies %+v", attached.AttachedPolicies)
	}
	inline, err := r.clients.IAM(region).GetRolePolicy(bg, &iam.GetRolePolicyInput{RoleName: aws.String(roleName(fd)), PolicyName: aws.String("flaskops-secrets")})
	if err != nil {
		t.Fatalf("get secrets policy: %v", err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(inline.PolicyDocument))
	var pol struct {
		Statement []struct{ Action, Resource []string }
	}
	if err := json.Unmarshal([]byte(doc), &pol); err != nil {
		t.Fatalf("policy %s: %v", doc, err)
	}
	got := map[string][]string{}
	for _, s := range pol.Statement {
		for _, a := range s.Action {
			got[a] = s.Resource
		}
	}
	if len(got) != 2 || !slices.Equal(got["ssm:GetParameters"], []string{ssmARN}) || !slices.Equal(got["secretsmanager:GetSecretValue"], []string{smARN}) {
		t.Errorf("secrets policy grants %v, want exactly the two ARNs (no *)", got)
	}

	// Log group with the spec's retention.
	groups, _ := r.clients.Logs(region).DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(logGroup(fd))})
	if len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 14 || st.LogGroupName != logGroup(fd) {
		t.Errorf("log groups %+v, status %q", groups.LogGroups, st.LogGroupName)
	}

	// Cluster.
	clusters, _ := r.clients.ECS(region).DescribeClusters(bg, &ecs.DescribeClustersInput{Clusters: []string{st.ClusterARN}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldTags}})
	if len(clusters.Clusters) != 1 || aws.ToString(clusters.Clusters[0].ClusterName) != ecsName(fd, "cluster") ||
		cloud.FromECS(clusters.Clusters[0].Tags)[cloud.TagOwner] != "shop/web" {
		t.Errorf("clusters %+v", clusters.Clusters)
	}

	// Task definition.
	td := r.taskDefinition(st.TaskDefinitionARN)
	c := td.ContainerDefinitions[0]
	if aws.ToString(td.Family) != ecsName(fd, "task") || td.NetworkMode != ecstypes.NetworkModeAwsvpc ||
		!slices.Contains(td.RequiresCompatibilities, ecstypes.CompatibilityFargate) ||
		aws.ToString(td.Cpu) != "256" || aws.ToString(td.Memory) != "512" || aws.ToString(td.ExecutionRoleArn) != st.ExecutionRoleARN {
		t.Errorf("task definition %+v", td)
	}
	if len(td.ContainerDefinitions) != 1 || aws.ToString(c.Name) != cloud.ContainerName || cloud.ContainerName != "app" ||
		aws.ToString(c.Image) != fd.Spec.Service.Image || !aws.ToBool(c.Essential) ||
		len(c.PortMappings) != 1 || aws.ToInt32(c.PortMappings[0].ContainerPort) != 5000 || c.PortMappings[0].Protocol != ecstypes.TransportProtocolTcp {
		t.Errorf("container %+v", c)
	}
	env := map[string]string{}
	for _, e := range c.Environment {
		env[aws.ToString(e.Name)] = aws.ToString(e.Value)
	}
	secrets := map[string]string{}
	for _, s := range c.Secrets {
		secrets[aws.ToString(s.Name)] = aws.ToString(s.ValueFrom)
	}
	if len(env) != 2 || env["MODE"] != "prod" || env["A"] != "1" || secrets["DB"] != ssmARN || secrets["KEY"] != smARN+":password::" {
		t.Errorf("environment %v secrets %v", env, secrets)
	}
	if lc := c.LogConfiguration; lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs || lc.Options["awslogs-group"] != logGroup(fd) ||
		lc.Options["awslogs-stream-prefix"] != "ecs" || lc.Options["awslogs-region"] != region {
		t.Errorf("log configuration %+v", c.LogConfiguration)
	}

	// Service: settings and steady state.
	svc := r.service(fd)
	var private []string
	for _, s := range fd.Status.Network.PrivateSubnets {
		private = append(private, s.ID)
	}
	nc := svc.NetworkConfiguration.AwsvpcConfiguration
	slices.Sort(nc.Subnets)
	slices.Sort(private)
	if svc.DesiredCount != 2 || svc.RunningCount != 2 || st.RunningCount != 2 || svc.LaunchType != ecstypes.LaunchTypeFargate ||
		aws.ToString(svc.ServiceName) != ecsName(fd, "service") || aws.ToString(svc.TaskDefinition) != st.TaskDefinitionARN {
		t.Errorf("service %s desired %d running %d (status %d) td %s", aws.ToString(svc.ServiceName), svc.DesiredCount, svc.RunningCount, st.RunningCount, aws.ToString(svc.TaskDefinition))
	}
	if !slices.Equal(nc.Subnets, private) || nc.AssignPublicIp != ecstypes.AssignPublicIpDisabled || !slices.Equal(nc.SecurityGroups, []string{st.ServiceSecurityGroupID}) {
		t.Errorf("placement %+v, want private subnets %v and group %s", nc, private, st.ServiceSecurityGroupID)
	}
	if len(svc.LoadBalancers) != 1 || aws.ToString(svc.LoadBalancers[0].TargetGroupArn) != st.TargetGroupARN ||
		aws.ToString(svc.LoadBalancers[0].ContainerName) != "app" || aws.ToInt32(svc.LoadBalancers[0].ContainerPort) != 5000 {
		t.Errorf("load balancers %+v", svc.LoadBalancers)
	}
	dc := svc.DeploymentConfiguration
	if aws.ToInt32(dc.MaximumPercent) != 200 || aws.ToInt32(dc.MinimumHealthyPercent) != 50 ||
		!dc.DeploymentCircuitBreaker.Enable || !dc.DeploymentCircuitBreaker.Rollback {
		t.Errorf("deployment configuration %+v", dc)
	}
	if dr := fd.Status.DeployedRevision; dr == nil || dr.Image != fd.Spec.Service.Image || dr.TaskDefinitionARN != st.TaskDefinitionARN {
		t.Errorf("deployed revision %+v", fd.Status.DeployedRevision)
	}
	if st.DesiredCount != 2 || st.PendingCount != 0 || st.RolloutState != "COMPLETED" || st.Image != fd.Spec.Service.Image {
		t.Errorf("status desired %d pending %d rollout %q image %q", st.DesiredCount, st.PendingCount, st.RolloutState, st.Image)
	}

	// A second pass is a no-op: no new revision, no drift.
	before := len(r.activeRevisions(fd))
	if res := r.converge(fd); !res.Done || len(r.activeRevisions(fd)) != before || len(fd.Status.Drift) != 0 {
		t.Errorf("second pass: %+v, revisions %d -> %d, drift %v", res, before, len(r.activeRevisions(fd)), fd.Status.Drift)
	}

	// Delete: nothing of the stage is left, and the network deletes without a dependency
	// left behind.
	r.deleteAll(fd)
	if left := r.owned(fd); len(left) != 0 {
		t.Fatalf("left after delete: %v", left)
	}
	if _, err := r.clients.IAM(region).GetRole(bg, &iam.GetRoleInput{RoleName: aws.String(roleName(fd))}); !cloud.IsNotFound(err) {
		t.Errorf("role after delete: %v", err)
	}
	for range 40 {
		res, err := r.network.Delete(bg, fd)
		if err != nil {
			t.Fatalf("network delete: %v", err)
		}
		if res.Done {
			return
		}
		r.clock.Advance(time.Minute)
	}
	t.Fatal("network not deleted after the service")
}

// Console edits are repaired and reported as drift.
func TestComputeDriftRepaired(t *testing.T) {
	fd := newFD("shop", "drift")
	fd.Spec.Service.Secrets = []v1alpha1.SecretEnvVar{{Name: "DB", ValueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db"}}
	r := converged(t, fd)
	st := fd.Status.Service
	iamc, name := r.clients.IAM(region), aws.String(roleName(fd))

	// Desired count edited in the console.
	if _, err := r.clients.ECS(region).UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(st.ClusterARN), Service: aws.String(st.ServiceARN), DesiredCount: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	// Trust policy widened, managed policy detached, secrets policy widened to *, retention cut.
	if _, err := iamc.UpdateAssumeRolePolicy(bg, &iam.UpdateAssumeRolePolicyInput{RoleName: name,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.DetachRolePolicy(bg, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("flaskops-secrets"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.clients.Logs(region).PutRetentionPolicy(bg, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(logGroup(fd)), RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}

	r.converge(fd)
	if svc := r.service(fd); svc.DesiredCount != 2 || svc.RunningCount != 2 {
		t.Errorf("desired %d running %d after repair, want 2", svc.DesiredCount, svc.RunningCount)
	}
	role, _ := iamc.GetRole(bg, &iam.GetRoleInput{RoleName: name})
	if trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)); !strings.Contains(trust, "ecs-tasks.amazonaws.com") || strings.Contains(trust, "ec2.amazonaws.com") {
		t.Errorf("trust policy not restored: %s", trust)
	}
	if attached, _ := iamc.ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{RoleName: name}); len(attached.AttachedPolicies) != 1 {
		t.Errorf("managed policy not attached again: %+v", attached.AttachedPolicies)
	}
	inline, _ := iamc.GetRolePolicy(bg, &iam.GetRolePolicyInput{RoleName: name, PolicyName: aws.String("flaskops-secrets")})
	if doc, _ := url.QueryUnescape(aws.ToString(inline.PolicyDocument)); strings.Contains(doc, `"*"`) || !strings.Contains(doc, "parameter/db") {
		t.Errorf("secrets policy not restored: %s", doc)
	}
	groups, _ := r.clients.Logs(region).DescribeLogGroups(bg, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(logGroup(fd))})
	if aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 7 {
		t.Errorf("retention %d, want 7", aws.ToInt32(groups.LogGroups[0].RetentionInDays))
	}
	drift := strings.Join(fd.Status.Drift, "\n")
	for _, want := range []string{"desired count 5 set to 2", "trust policy", "AmazonECSTaskExecutionRolePolicy", "secrets policy", "retention"} {
		if !strings.Contains(drift, want) {
			t.Errorf("status.drift lacks %q: %v", want, fd.Status.Drift)
		}
	}
	// The next pass finds nothing to repair: the drift entries go.
	r.converge(fd)
	if len(fd.Status.Drift) != 0 {
		t.Errorf("drift after a clean pass: %v", fd.Status.Drift)
	}
}

// With natGateways None the tasks run in the public subnets with a public IP.
func TestComputeNATNonePlacement(t *testing.T) {
	fd := newFD("shop", "nonat")
	fd.Spec.Network.NATGateways = v1alpha1.NATGatewayNone
	r := converged(t, fd)
	var public []string
	for _, s := range fd.Status.Network.PublicSubnets {
		public = append(public, s.ID)
	}
	nc := r.service(fd).NetworkConfiguration.AwsvpcConfiguration
	slices.Sort(public)
	slices.Sort(nc.Subnets)
	if !slices.Equal(nc.Subnets, public) || nc.AssignPublicIp != ecstypes.AssignPublicIpEnabled {
		t.Errorf("placement %+v, want public subnets %v with a public IP", nc, public)
	}
}

// A new spec image registers a new revision and rolls it out, as a change, not drift.
func TestComputeImageChangeRollsOut(t *testing.T) {
	fd := newFD("shop", "roll")
	r := converged(t, fd)
	old := fd.Status.Service.TaskDefinitionARN
	fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.13-slim"
	fd.Generation++
	res, err := r.pass(fd)
	if err != nil || res.Reason != v1alpha1.ReasonWaitingForDeployment || !strings.Contains(res.Message, "in progress") {
		t.Fatalf("first pass after the change: %+v %v", res, err)
	}
	r.converge(fd)
	st := fd.Status.Service
	if st.TaskDefinitionARN == old || image(r.taskDefinition(st.TaskDefinitionARN)) != fd.Spec.Service.Image {
		t.Fatalf("task definition %s (was %s)", st.TaskDefinitionARN, old)
	}
	if svc := r.service(fd); aws.ToString(svc.TaskDefinition) != st.TaskDefinitionARN || svc.RunningCount != 2 {
		t.Errorf("service runs %s with %d tasks", aws.ToString(svc.TaskDefinition), svc.RunningCount)
	}
	if dr := fd.Status.DeployedRevision; dr == nil || dr.Image != fd.Spec.Service.Image || dr.TaskDefinitionARN != st.TaskDefinitionARN {
		t.Errorf("deployed revision %+v", dr)
	}
	if len(fd.Status.Drift) != 0 {
		t.Errorf("a spec change reported as drift: %v", fd.Status.Drift)
	}
	if !r.sawEvent("UpdatedService") {
		t.Error("no UpdatedService event for the rollout")
	}
}

func (r *rig) sawEvent(reason string) bool {
	for {
		select {
		case e := <-r.events.Events:
			if strings.Contains(e, " "+reason+" ") {
				return true
			}
		default:
			return false
		}
	}
}

// Autoscaling registers the service with a CPU policy and deregisters it when unset.
func TestComputeAutoscaling(t *testing.T) {
	fd := newFD("shop", "scale")
	fd.Spec.Service.Autoscaling = &v1alpha1.AutoscalingSpec{MinCount: 2, MaxCount: 6, TargetCPUPercent: 60}
	r := converged(t, fd)
	aas := r.clients.AutoScaling(region)
	id := "service/" + ecsName(fd, "cluster") + "/" + ecsName(fd, "service")
	targets, err := aas.DescribeScalableTargets(bg, &applicationautoscaling.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id}})
	if err != nil || len(targets.ScalableTargets) != 1 {
		t.Fatalf("scalable targets %+v %v", targets, err)
	}
	tg := targets.ScalableTargets[0]
	if aws.ToInt32(tg.MinCapacity) != 2 || aws.ToInt32(tg.MaxCapacity) != 6 || tg.ScalableDimension != aastypes.ScalableDimensionECSServiceDesiredCount {
		t.Errorf("target %+v", tg)
	}
	pols, _ := aas.DescribeScalingPolicies(bg, &applicationautoscaling.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(id)})
	if len(pols.ScalingPolicies) != 1 || pols.ScalingPolicies[0].PolicyType != aastypes.PolicyTypeTargetTrackingScaling ||
		aws.ToFloat64(pols.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue) != 60 ||
		pols.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType != aastypes.MetricTypeECSServiceAverageCPUUtilization {
		t.Errorf("policies %+v", pols.ScalingPolicies)
	}
	if n := r.owned(fd)["application-autoscaling/scalable-target"]; n != 1 {
		t.Errorf("owned scalable targets %d", n)
	}
	// The count autoscaling set is not drift.
	if _, err := aas.RegisterScalableTarget(bg, &applicationautoscaling.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, ResourceId: aws.String(id), MinCapacity: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	r.converge(fd) // min back to 2; desired count 3 is autoscaling's to keep
	if svc := r.service(fd); svc.DesiredCount != 3 {
		t.Errorf("desired count %d: the stage fought autoscaling", svc.DesiredCount)
	}
	fd.Spec.Service.Autoscaling = nil
	fd.Generation++
	r.converge(fd)
	if targets, _ := aas.DescribeScalableTargets(bg, &applicationautoscaling.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id}}); len(targets.ScalableTargets) != 0 {
		t.Errorf("scalable target left after autoscaling was unset: %+v", targets.ScalableTargets)
	}
	if svc := r.service(fd); svc.DesiredCount != 2 {
		t.Errorf("desired count %d after autoscaling was unset, want spec's 2", svc.DesiredCount)
	}
}

// pushImage puts a manifest into the repository under tags.
func (r *rig) pushImage(repo, manifest string, tags ...string) {
	r.t.Helper()
	for _, tag := range tags {
		if _, err := r.clients.ECR(region).PutImage(bg, &ecr.PutImageInput{RepositoryName: aws.String(repo),
			ImageManifest: aws.String(manifest), ImageTag: aws.String(tag)}); err != nil {
			r.t.Fatalf("put image %s:%s: %v", repo, tag, err)
		}
	}
}

// repository creates an ECR repository the way the ecr stage would and records it in status.
func (r *rig) repository(fd *v1alpha1.FlaskDeployment, name string) string {
	r.t.Helper()
	out, err := r.clients.ECR(region).CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)})
	if err != nil {
		r.t.Fatal(err)
	}
	rp := out.Repository
	fd.Status.Repository = v1alpha1.RepositoryStatus{Name: name, ARN: aws.ToString(rp.RepositoryArn), URI: aws.ToString(rp.RepositoryUri), RegistryID: aws.ToString(rp.RegistryId)}
	return aws.ToString(rp.RepositoryUri)
}

// With spec.service.image empty the stage waits for the pipeline's first image, deploys
// the repository's latest (pinned to its commit tag), and keeps the running image after.
func TestComputePipelineImage(t *testing.T) {
	fd := newFD("shop", "pipe")
	fd.Spec.Service.Image = ""
	r := newRig(t)
	r.buildNetwork(fd)
	uri := r.repository(fd, "shop-pipe")
	for range 5 {
		res, err := r.pass(fd)
		if err != nil {
			t.Fatal(err)
		}
		if res.Done || !strings.Contains(res.Message, "waiting for an image: the pipeline has not pushed one to "+uri) {
			t.Fatalf("without an image: %+v", res)
		}
		r.clock.Advance(time.Minute)
	}
	if n := len(r.activeRevisions(fd)); n != 0 || fd.Status.Service.ServiceARN != "" {
		t.Fatalf("%d task definitions and service %q before any image", n, fd.Status.Service.ServiceARN)
	}

	r.pushImage("shop-pipe", `{"schemaVersion":2,"layers":["one"]}`, "abc1234", "latest")
	r.converge(fd)
	first := fd.Status.Service.TaskDefinitionARN
	if got := image(r.taskDefinition(first)); got != uri+":abc1234" {
		t.Fatalf("image %s, want the commit tag latest points to", got)
	}
	if dr := fd.Status.DeployedRevision; dr == nil || dr.Image != uri+":abc1234" {
		t.Errorf("deployed revision %+v", dr)
	}

	// latest moves on without a deploy: the running image stays.
	r.pushImage("shop-pipe", `{"schemaVersion":2,"layers":["two"]}`, "def5678", "latest")
	r.converge(fd)
	if fd.Status.Service.TaskDefinitionARN != first || image(r.taskDefinition(aws.ToString(r.service(fd).TaskDefinition))) != uri+":abc1234" {
		t.Errorf("the stage replaced the running image: now %s", fd.Status.Service.TaskDefinitionARN)
	}

	// The pipeline deploys def5678 (a new revision, as CodePipeline's ECS action does):
	// the stage keeps it, registers nothing, reports no drift.
	cur := r.taskDefinition(first)
	cur.ContainerDefinitions[0].Image = aws.String(uri + ":def5678")
	reg, err := r.clients.ECS(region).RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{Family: cur.Family,
		RequiresCompatibilities: cur.RequiresCompatibilities, NetworkMode: cur.NetworkMode, Cpu: cur.Cpu, Memory: cur.Memory,
		ExecutionRoleArn: cur.ExecutionRoleArn, ContainerDefinitions: cur.ContainerDefinitions,
		Tags: cloud.ToECS(owner(fd).Tags(ecsstage.Name, "task-definition"))})
	if err != nil {
		t.Fatal(err)
	}
	deployed := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	if _, err := r.clients.ECS(region).UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(fd.Status.Service.ClusterARN),
		Service: aws.String(fd.Status.Service.ServiceARN), TaskDefinition: aws.String(deployed)}); err != nil {
		t.Fatal(err)
	}
	revisions := len(r.activeRevisions(fd))
	r.converge(fd)
	if fd.Status.Service.TaskDefinitionARN != deployed || len(r.activeRevisions(fd)) != revisions || len(fd.Status.Drift) != 0 {
		t.Errorf("after the pipeline's deploy: status %s (deployed %s), revisions %d -> %d, drift %v",
			fd.Status.Service.TaskDefinitionARN, deployed, revisions, len(r.activeRevisions(fd)), fd.Status.Drift)
	}
	if dr := fd.Status.DeployedRevision; dr == nil || dr.Image != uri+":def5678" {
		t.Errorf("deployed revision %+v", dr)
	}
}

// An image missing from ECR fails the rollout through the circuit breaker: Stalled with
// DeploymentFailed, saying the image is missing.
func TestComputeMissingImageStalls(t *testing.T) {
	fd := newFD("shop", "missing")
	r := newRig(t)
	r.buildNetwork(fd)
	uri := r.repository(fd, "shop-missing")
	fd.Spec.Service.Image = uri + ":nope"
	var err error
	for range 40 {
		if _, err = r.pass(fd); err != nil {
			break
		}
		r.clock.Advance(time.Minute)
	}
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonDeploymentFailed {
		t.Fatalf("want a terminal DeploymentFailed, got %v", err)
	}
	for _, want := range []string{"circuit breaker", "CannotPullContainerError", "image " + uri + ":nope is missing from ECR repository shop-missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	// The orchestrator recheck at resync finds it still failed, and deploys nothing.
	updates := r.sim.CallCount("ecs", "UpdateService")
	if _, err := r.pass(fd); err == nil {
		t.Error("the failed deployment passed on the next look")
	}
	// A spec change deploys the same revision once more (a new deployment of it).
	fd.Spec.Service.LogRetentionDays = 14
	fd.Generation++
	for range 40 {
		if _, err = r.pass(fd); err != nil {
			break
		}
		r.clock.Advance(time.Minute)
	}
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonDeploymentFailed || fd.Status.Service.FailedDeployment.Generation != fd.Generation {
		t.Fatalf("after a spec change: %v, failed deployment %+v", err, fd.Status.Service.FailedDeployment)
	}
	if n := r.sim.CallCount("ecs", "UpdateService") - updates; n != 1 {
		t.Errorf("%d UpdateService calls, want the one retry", n)
	}
}
